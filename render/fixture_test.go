package render

import (
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func loc(fn string, line int) model.Location {
	return model.Location{Function: fn, File: "/home/u/app/cmd/main.go", Line: line}
}

// psFixture: main running, a worker blocked 3m12s with labels, a leaked
// goroutine, and a system goroutine with no user location.
func psFixture() []model.Goroutine {
	return []model.Goroutine{
		{
			ID: 1, Status: model.StatusRunning,
			Location: loc("main.main", 20), Start: loc("main.main", 10),
		},
		{
			ID: 2, Status: model.StatusWaiting, WaitReason: "force gc (idle)", System: true,
			CurrentLocation: model.Location{Function: "runtime.gopark", File: "/usr/lib/go/src/runtime/proc.go", Line: 435},
			Start:           model.Location{Function: "runtime.forcegchelper", File: "/usr/lib/go/src/runtime/proc.go", Line: 320},
		},
		{
			ID: 12, ParentID: 1, Status: model.StatusWaiting, WaitReason: "chan receive",
			Waited:   3*time.Minute + 12*time.Second,
			Labels:   map[string]string{"task": "sync", "shard": "3"},
			Location: loc("main.worker", 40), GoStatement: loc("main.main", 22), Start: loc("main.worker", 38),
		},
		{
			ID: 13, ParentID: 5, Status: model.StatusLeaked, WaitReason: "select",
			Labels:   map[string]string{"request": "GET /api/v1/very/long/path/that/goes/on/and/on"},
			Location: loc("main.poll", 70), GoStatement: loc("main.spawner", 60), Start: loc("main.poll", 65),
		},
	}
}
