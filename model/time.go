package model

import "time"

// Sample is a snapshot with the moment it shows the target: what a
// comparison over time needs besides the goroutines. For a live target
// TakenAt is our wall clock when the target stopped; for a core it is the
// best "now" known for the dump (when the core file was written).
type Sample struct {
	// Name is what the user called the sample ("1", "before"); may be empty.
	Name     string    `json:"name"`
	TakenAt  time.Time `json:"taken_at"`
	Snapshot *Snapshot `json:"-"`
}
