package main

import (
	"bytes"
	"runtime/pprof"
	"strconv"
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

// waitJobsAsleep blocks until n report jobs sleep in time.Sleep (none is
// still starting) and the scheduler holds the pile-up.
func waitJobsAsleep(n int) {
	var buf bytes.Buffer
	for {
		buf.Reset()
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			panic(err)
		}
		asleep, starting, held := 0, 0, false
		// Records are "COUNT @ PCS" then "#\tPC\tFUNC+OFF\tFILE:LINE"
		// lines, one stack each, separated by blank lines.
		_, records, _ := bytes.Cut(buf.Bytes(), []byte("\n")) // after "goroutine profile: total N"
		for _, rec := range bytes.Split(records, []byte("\n\n")) {
			held = held || bytes.Contains(rec, []byte("main.holdPileUp"))
			if !bytes.Contains(rec, []byte("main.runReportJob")) {
				continue
			}
			count, _, _ := bytes.Cut(rec, []byte(" @ "))
			c, err := strconv.Atoi(string(bytes.TrimSpace(count)))
			if err != nil {
				panic("goroutine profile: " + err.Error())
			}
			if bytes.Contains(rec, []byte("time.Sleep")) {
				asleep += c
			} else {
				starting += c
			}
		}
		if held && asleep == n && starting == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}
