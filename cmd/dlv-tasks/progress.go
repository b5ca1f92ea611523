package main

import (
	"fmt"
	"io"
	"time"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
)

// newProgress prints a one-line, self-overwriting progress report, at most
// ten times a second, and clears it when a stage completes.
func newProgress(w io.Writer) dlvclient.Progress {
	var last time.Time
	return func(stage string, done, total int) {
		if done >= total {
			fmt.Fprintf(w, "\r\033[K")
			return
		}
		if time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "\r\033[Kreading %s: %d/%d", stage, done, total)
	}
}
