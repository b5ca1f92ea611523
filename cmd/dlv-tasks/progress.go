package main

import (
	"fmt"
	"io"
	"time"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
)

// newProgress prints a one-line, self-overwriting progress report, at most
// ten times a second, and clears it when a stage completes (or, total 0,
// when the command ends, however it ended).
func newProgress(w io.Writer) dlvclient.Progress {
	var last time.Time
	shown := false
	return func(stage string, done, total int) {
		if done >= total {
			if shown {
				fmt.Fprintf(w, "\r\033[K")
				shown = false
			}
			return
		}
		shown = true
		if time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "\r\033[Kreading %s: %d/%d", stage, done, total)
	}
}
