package render_test

import (
	"os"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

func at(fn string, line int) model.Location {
	return model.Location{Function: fn, File: "/home/u/app/server.go", Line: line}
}

// exampleGoroutines: main, a server, two handlers blocked for a while, one
// with labels, and the runtime's own forcegc goroutine.
func exampleGoroutines() []model.Goroutine {
	return []model.Goroutine{
		{ID: 1, Status: model.StatusWaiting, WaitReason: "select", Location: at("main.main", 12), Start: at("main.main", 10)},
		{ID: 2, Status: model.StatusWaiting, WaitReason: "force gc (idle)", System: true,
			CurrentLocation: model.Location{Function: "runtime.gopark", File: "/usr/lib/go/src/runtime/proc.go", Line: 435},
			Start:           model.Location{Function: "runtime.forcegchelper", File: "/usr/lib/go/src/runtime/proc.go", Line: 320}},
		{ID: 7, ParentID: 1, Status: model.StatusWaiting, WaitReason: "IO wait", Location: at("main.serve", 40),
			GoStatement: at("main.main", 11), Start: at("main.serve", 30)},
		{ID: 9, ParentID: 7, Status: model.StatusWaiting, WaitReason: "chan receive", Waited: 3*time.Minute + 12*time.Second,
			Labels: map[string]string{"route": "/api"}, Location: at("main.handle", 61), GoStatement: at("main.serve", 52), Start: at("main.handle", 58)},
		{ID: 10, ParentID: 7, Status: model.StatusWaiting, WaitReason: "chan receive", Waited: 2 * time.Second,
			Location: at("main.handle", 61), GoStatement: at("main.serve", 52), Start: at("main.handle", 58)},
	}
}

// The ps table: one goroutine a line, with its user location and creator.
func Example_psTable() {
	gs := exampleGoroutines()
	_ = render.PsTable(os.Stdout, chains.Select(gs, chains.Filter{UserOnly: true}), len(gs))
	// Output:
	// 5 goroutines (showing 4)
	// ID  PARENT  STATE         WAIT   LABELS      LOCATION                      CREATED BY
	// 1   -       select        -      -           main.main app/server.go:12    -
	// 7   1       IO wait       -      -           main.serve app/server.go:40   main.main
	// 9   7       chan receive  3m12s  route=/api  main.handle app/server.go:61  main.serve
	// 10  7       chan receive  2s     -           main.handle app/server.go:61  main.serve
}

// The creation tree, identical handlers collapsed with a count.
func Example_tree() {
	snap := &model.Snapshot{Goroutines: exampleGoroutines()}
	snap.Sort()
	_ = render.Tree(os.Stdout, chains.Collapse(chains.BuildTree(snap)))
	// Output:
	// #1 main.main [select]
	// └─ #7 main.serve [IO wait] (app/server.go:11)
	//    └─ ×2 main.handle [chan receive] (app/server.go:52) (ids 9,10)
	// #2 runtime.forcegchelper [force gc (idle)]
}

// Goroutines grouped by where they were created, with counts and states.
func Example_groups() {
	key, _ := chains.ParseGroupKey("creation")
	_ = render.Groups(os.Stdout, chains.GroupGoroutines(exampleGoroutines(), key, ""), "creation")
	// Output:
	// 3 groups of 5 goroutines by creation
	// COUNT  KEY                          STATES                       IDS
	// 2      <unknown>                    1 force gc (idle), 1 select  1,2
	// 2      main.serve app/server.go:52  2 chan receive               9,10
	// 1      main.main app/server.go:11   1 IO wait                    7
}
