package render

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// TrackerNote is the one line a command prints (to its notes, text or
// JSON alike) when the tracker read behind its answer is incomplete:
// records skipped, with counts by reason, a read cut by its budget, tasks
// the tracker itself could not record, and the first problem met; or, when
// the tracker could not be read at all (readErr), why, and that the answer
// comes from the runtime alone. It returns "" for a complete read, for a
// target without the tracker (nil, nil) and for an interrupted read.
//
//	note: tracker records skipped: 1044224 duplicate chunk, 2 mid-write; read partial (budget); first problem: live: 4095 chunk-directory entries repeat or overlap another chunk (not read)
//	note: tracker unreadable (tracker root: magic 0x6b7361742d766c9b, …): answers come from the runtime alone
func TrackerNote(tr *model.Tracker, readErr error) string {
	if readErr != nil {
		if errors.Is(readErr, context.Canceled) {
			return ""
		}
		return "note: tracker unreadable (" + Safe(readErr.Error()) + "): answers come from the runtime alone"
	}
	if tr == nil {
		return ""
	}
	var parts []string
	reasons := make([]string, 0, len(tr.Skipped))
	total := 0
	for r, n := range tr.Skipped {
		if n > 0 {
			reasons = append(reasons, r)
			total += n
		}
	}
	slices.SortFunc(reasons, func(a, b string) int {
		if tr.Skipped[a] != tr.Skipped[b] {
			return tr.Skipped[b] - tr.Skipped[a]
		}
		return strings.Compare(a, b)
	})
	if len(reasons) > 0 {
		counts := make([]string, len(reasons))
		for i, r := range reasons {
			counts[i] = fmt.Sprintf("%d %s", tr.Skipped[r], Safe(r))
		}
		parts = append(parts, plural(total, "tracker record")+" skipped: "+strings.Join(counts, ", "))
	}
	if tr.Partial {
		parts = append(parts, "read partial (budget): some records not read")
	}
	if tr.Dropped > 0 {
		parts = append(parts, plural(tr.Dropped, "task")+" not recorded by the tracker (arenas full)")
	}
	if len(tr.Problems) > 0 {
		p := "first problem: " + Safe(tr.Problems[0])
		if n := len(tr.Problems) - 1; n > 0 {
			p += fmt.Sprintf(" (and %d more)", n)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	return "note: " + strings.Join(parts, "; ")
}
