package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
)

func main() {
	s, err := dlvclient.Exec(os.Args[1], nil)
	if err != nil {
		fmt.Println("ERR", err)
		return
	}
	defer s.Close()
	if _, err := s.Break("main.ready", ""); err != nil {
		fmt.Println("ERR", err)
		return
	}
	st, err := s.Continue()
	fmt.Println("state", st, err)
	t0 := time.Now()
	snap, err := s.Snapshot(context.Background(), nil)
	fmt.Println("snapshot", time.Since(t0), err)
	for _, g := range snap.Goroutines {
		fmt.Printf("%d parent=%d %s [%s] %v loc=%s go=%s start=%s sys=%v\n", g.ID, g.ParentID, g.Status, g.WaitReason, g.Waited, g.Location.Function, g.GoStatement.Function, g.Start.Function, g.System)
	}
	for _, e := range snap.Exited {
		fmt.Printf("exited %d parent=%d go=%s:%d start=%s\n", e.ID, e.ParentID, e.GoStatement.Function, e.GoStatement.Line, e.Start.Function)
	}
}
