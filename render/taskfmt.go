package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// maxTextWidth is where error and panic texts are cut in tables.
const maxTextWidth = 60

// clockFormat is how tracker times print: the tracker's clock, to the ms.
const clockFormat = "15:04:05.000"

// TaskName formats a task as "t:ID name".
func TaskName(t *model.Task) string {
	return strings.TrimSpace("t:" + strconv.FormatUint(t.ID, 10) + " " + Safe(t.Name))
}

// since is how long before now t was, 0 when either is unknown.
func since(now, t time.Time) time.Duration {
	if now.IsZero() || t.IsZero() {
		return 0
	}
	return now.Sub(t)
}

// whenText formats t as "12:00:05.000 (55s ago)", "ago" meaning before
// now, the tracker's newest timestamp; "-" when t is unknown.
func whenText(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	s := t.Format(clockFormat)
	if !now.IsZero() {
		s += " (" + agoText(now.Sub(t)) + ")"
	}
	return s
}

func agoText(d time.Duration) string {
	if d < 0 {
		return HumanDuration(-d) + " after the newest record"
	}
	if d < time.Millisecond {
		return "<1ms ago" // the same instant as the newest record, at its resolution
	}
	return HumanDuration(d) + " ago"
}

// orDash returns s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// refText describes a task live or ended in brackets after its name:
// "t:1 server [running as goroutine 10: chan receive at main.server
// cmd/main.go:40]", "t:4 spawner [ended: goexit, 56s ago]".
func refText(now time.Time, id uint64, known bool, r chains.TaskRef) string {
	if !known {
		return "t:" + strconv.FormatUint(id, 10) + " [no longer recorded]"
	}
	name := TaskName(&r.Task)
	switch {
	case r.Live && r.Goroutine != nil:
		g := r.Goroutine
		return fmt.Sprintf("%s [running as goroutine %d: %s at %s]", name, g.ID, stateText(g), shortLoc(whereNow(g)))
	case r.Live:
		return name + " [running]"
	case r.Ended != nil:
		return fmt.Sprintf("%s [ended: %s, %s]", name, Safe(r.Ended.Outcome), agoText(since(now, r.Ended.Ended)))
	}
	return name
}
