package main

import (
	"bytes"
	"runtime/pprof"
	"time"
)

// waitTaskGone blocks until no goroutine carries the pprof label task=name.
// The tracker records a task's termination before its goroutine exits, so
// the record is then in place. The task must have started.
func waitTaskGone(name string) {
	waitProfileWithout(`"task":"` + name + `"`)
}

// waitCancelRecords blocks until the tracker has recorded the cancellations
// that propagate from parent to child contexts (it does so in goroutines
// that context.AfterFunc starts).
func waitCancelRecords() {
	waitProfileWithout("tracker.(*trackedCtx).onDone")
}

// waitProfileWithout polls the goroutine profile until text is absent.
func waitProfileWithout(text string) {
	var buf bytes.Buffer
	for {
		buf.Reset()
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			panic(err)
		}
		if !bytes.Contains(buf.Bytes(), []byte(text)) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}
