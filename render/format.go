package render

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// maxLabelsWidth is where the LABELS column is cut.
const maxLabelsWidth = 40

// maxSampleIDs is how many ids a group or collapsed node lists.
const maxSampleIDs = 5

// ShortFile returns the last two elements of a slash-separated path:
// "/home/u/app/cmd/main.go" becomes "cmd/main.go".
func ShortFile(path string) string { return model.ShortFile(path) }

// shortLoc formats l as "function file:line" with a short file, "-" when
// unknown.
func shortLoc(l model.Location) string {
	return formatLoc(l, ShortFile(l.File))
}

// fullLoc formats l as "function file:line" with the full file path.
func fullLoc(l model.Location) string {
	return formatLoc(l, l.File)
}

func formatLoc(l model.Location, file string) string {
	if l.IsZero() {
		return "-"
	}
	fn := Safe(l.Function)
	if fn == "" {
		fn = "?"
	}
	if file == "" {
		return fn
	}
	return fn + " " + Safe(file) + ":" + strconv.Itoa(l.Line)
}

// fileLine formats the short "file:line" of l, "" when the file is unknown.
func fileLine(l model.Location) string {
	if l.File == "" {
		return ""
	}
	return Safe(ShortFile(l.File)) + ":" + strconv.Itoa(l.Line)
}

// stateText is the STATE shown for g: the wait reason of a waiting
// goroutine, "leaked: <reason>" for a leaked one, otherwise the status.
func stateText(g *model.Goroutine) string {
	if g.Status == model.StatusLeaked && g.WaitReason != "" {
		return "leaked: " + Safe(g.WaitReason)
	}
	return Safe(chains.State(g))
}

// labelsText formats labels as sorted "k=v,k=v", "-" when there are none,
// cut to max runes with a trailing "…" (no cut when max <= 0).
func labelsText(labels map[string]string, max int) string {
	if len(labels) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(Safe(k) + "=" + Safe(labels[k]))
	}
	return truncate(b.String(), max)
}

// truncate cuts s to max runes, the last one being "…".
func truncate(s string, max int) string {
	if max <= 0 {
		return s
	}
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "…"
}

// taskText formats a tracker task as "t:id name", "-" for none.
func taskText(t *model.Task) string {
	if t == nil {
		return "-"
	}
	return TaskName(t)
}

// sampleIDs lists up to maxSampleIDs ids separated by commas, then "…".
func sampleIDs(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i == maxSampleIDs {
			b.WriteString(",…")
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// plural formats "1 goroutine", "2 goroutines".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
