package model

// TrackerPackage is the import path of dlv-tasks' tracker package, as the
// target's symbols spell it: the one place it is written.
const TrackerPackage = "github.com/dlv-tasks/dlv-tasks/tracker"
