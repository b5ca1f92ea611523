package chains_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// exampleSnapshot is a small service: main (1) started a server (2), which
// started three identical request handlers (3, 4, 5) and a flusher (6).
func exampleSnapshot() *model.Snapshot {
	at := func(fn string, line int) model.Location {
		return model.Location{Function: fn, File: "/src/app/server.go", Line: line}
	}
	g := func(id, parent int64, fn string, created model.Location, labels map[string]string) model.Goroutine {
		return model.Goroutine{ID: id, ParentID: parent, Status: model.StatusWaiting, WaitReason: "chan receive",
			Location: at(fn, 40), Start: at(fn, 30), GoStatement: created, Labels: labels}
	}
	snap := &model.Snapshot{Goroutines: []model.Goroutine{
		{ID: 1, Status: model.StatusWaiting, WaitReason: "select", Location: at("main.main", 12), Start: at("main.main", 10)},
		g(2, 1, "main.serve", at("main.main", 11), nil),
		g(3, 2, "main.handle", at("main.serve", 52), map[string]string{"route": "/api"}),
		g(4, 2, "main.handle", at("main.serve", 52), map[string]string{"route": "/api"}),
		g(5, 2, "main.handle", at("main.serve", 52), map[string]string{"route": "/health"}),
		g(6, 2, "main.flush", at("main.serve", 60), nil),
	}}
	snap.Sort()
	return snap
}

// printTree prints a creation forest, one goroutine (or collapsed group)
// a line.
func printTree(nodes []*chains.Node, depth int) {
	for _, n := range nodes {
		fn := n.Goroutine.Start.Function
		if n.Count > 1 {
			fmt.Printf("%s%s ×%d %v\n", strings.Repeat("  ", depth), fn, n.Count, n.IDs)
		} else {
			fmt.Printf("%s%s %d\n", strings.Repeat("  ", depth), fn, n.ID)
		}
		printTree(n.Children, depth+1)
	}
}

// The creation tree, with identical sibling subtrees collapsed into one
// node with a count.
func Example_creationTree() {
	roots := chains.Collapse(chains.BuildTree(exampleSnapshot()))
	printTree(roots, 0)
	// Output:
	// main.main 1
	//   main.serve 2
	//     main.handle ×3 [3 4 5]
	//     main.flush 6
}

// Goroutines grouped by a pprof label, largest group first.
func Example_groupByLabel() {
	key, _ := chains.ParseGroupKey("label")
	for _, g := range chains.GroupGoroutines(exampleSnapshot().Goroutines, key, "route") {
		fmt.Println(g.Key, g.Count, g.IDs)
	}
	// Output:
	// <no label route> 3 [1 2 6]
	// /api 2 [3 4]
	// /health 1 [5]
}

// Who cancelled a task's context: the tracker's records followed from the
// task's context to the cancel call that started it.
func Example_cancelChain() {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tr := &model.Tracker{
		Now:  t0.Add(time.Minute),
		Live: []model.Task{{ID: 2, Name: "worker", GoroutineID: 12, ContextID: 21}},
		Terminated: []model.Termination{{Task: model.Task{ID: 1, Name: "shutdown", GoroutineID: 11},
			Outcome: model.OutcomeReturned, Ended: t0.Add(31 * time.Second)}},
		Cancellations: []model.Cancellation{
			{ContextID: 21, ParentContextID: 20, How: model.CancelParent, Time: t0.Add(30 * time.Second), Cause: "maintenance"},
			{ContextID: 20, How: model.CancelExplicit, GoroutineID: 11, TaskID: 1, Time: t0.Add(30 * time.Second), Cause: "maintenance"},
		},
	}
	hops, err := chains.NewTaskIndex(tr, nil).CancelChain(chains.ID{Task: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range hops {
		fmt.Printf("ctx %d %s (%s) by task %d\n", h.ContextID, h.How, h.Cause, h.CancellerTask)
	}
	// Output:
	// ctx 21 parent (maintenance) by task 0
	// ctx 20 cancel (maintenance) by task 1
}
