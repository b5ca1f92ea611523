package render

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// randomSnapshot draws a snapshot from small pools of values, so that
// goroutines often agree on some shown fields and differ in others.
func randomSnapshot(r *rand.Rand) *model.Snapshot {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	sites := []model.Location{
		{Function: "main.spawn", File: "/src/app/main.go", Line: 10},
		{Function: "main.spawn", File: "/src/app/main.go", Line: 11},
		{Function: "main.other", File: "/vendor/x/app/main.go", Line: 10}, // same short file:line
	}
	states := [][2]string{
		{model.StatusWaiting, "chan receive"}, {model.StatusWaiting, "select"},
		{model.StatusRunning, ""}, {model.StatusLeaked, "chan receive"}, {model.StatusWaiting, ""},
	}
	draw := func(id int64) model.Goroutine {
		st := states[r.IntN(len(states))]
		return model.Goroutine{
			ID:          id,
			Status:      st[0],
			WaitReason:  st[1],
			Start:       model.Location{Function: pick("main.a", "main.b", ""), File: "/src/app/main.go", Line: 1},
			Location:    model.Location{Function: pick("main.a", "main.b", "main.work", ""), File: "/src/app/main.go", Line: 40 + r.IntN(2)},
			GoStatement: sites[r.IntN(len(sites))],
		}
	}
	// Goroutines are near copies of a few kinds: most agree on everything
	// shown, some differ in one field.
	kinds := []model.Goroutine{draw(0), draw(0), draw(0)}
	s := &model.Snapshot{}
	n := 1 + r.IntN(40)
	for id := int64(1); id <= int64(n); id++ {
		g := kinds[r.IntN(len(kinds))]
		g.ID = id
		if r.IntN(3) == 0 {
			other := draw(id)
			switch r.IntN(5) {
			case 0:
				g.Status, g.WaitReason = other.Status, other.WaitReason
			case 1:
				g.Start = other.Start
			case 2:
				g.Location = other.Location
			case 3:
				g.GoStatement = other.GoStatement
			default:
				g.Location.Line = other.Location.Line // not shown
			}
		}
		switch k := r.IntN(10); {
		case k == 0:
			g.ParentID = 0
		case k < 3:
			g.ParentID = 1000 + int64(r.IntN(6)) // exited, maybe recorded
		case k < 8:
			g.ParentID = 1 + r.Int64N(min(id, 2)) // a hub
		default:
			g.ParentID = 1 + r.Int64N(id) // an earlier goroutine, or itself
		}
		if r.IntN(4) == 0 {
			g.Task = &model.Task{ID: uint64(id), Name: pick("job", "sync", "")}
			g.GoStatement = model.Location{Function: chains.TrackerPackage + ".run", File: "/tracker/tracker.go", Line: 5}
			g.Task.Created = []model.Frame{{Location: sites[r.IntN(len(sites))]}}
		}
		s.Goroutines = append(s.Goroutines, g)
	}
	for id := int64(1000); id < 1006; id++ {
		if r.IntN(3) == 0 {
			continue // no record
		}
		e := model.ExitedGoroutine{
			ID:          id,
			Start:       model.Location{Function: pick("main.conn", "main.other", ""), File: "/src/app/main.go", Line: 3},
			GoStatement: sites[r.IntN(len(sites))],
		}
		if r.IntN(2) == 0 {
			e.ParentID = 1 + r.Int64N(int64(n))
		}
		s.Exited = append(s.Exited, e)
	}
	s.Sort()
	return s
}

// lineOf renders the one line of a node without children.
func lineOf(t *testing.T, n *chains.Node) string {
	var b strings.Builder
	require.NoError(t, Tree(&b, []*chains.Node{{ID: n.ID, Goroutine: n.Goroutine, Exited: n.Exited, Count: n.Count, IDs: n.IDs}}))
	return strings.TrimSuffix(b.String(), "\n")
}

var (
	identityRE = regexp.MustCompile(`^(#\d+|×\d+) `)
	sampleRE   = regexp.MustCompile(` \(ids [0-9,…]+\)$`)
	taskIDRE   = regexp.MustCompile(`^task t:\d+ ?`)
)

// withoutIdentity removes from a tree line what tells its goroutines apart:
// the id or count, the sample of ids and a task's id.
func withoutIdentity(line string) string {
	line = sampleRE.ReplaceAllString(identityRE.ReplaceAllString(line, ""), "")
	return taskIDRE.ReplaceAllString(line, "task ")
}

// TestFoldedLinesAgreeWithEveryMember is the property that makes pstree's
// folding safe: over generated snapshots, every goroutine (or exited
// creator) a folded line stands for, drawn alone, shows the same line apart
// from its identity, and hangs under a member of the folded parent.
func TestFoldedLinesAgreeWithEveryMember(t *testing.T) {
	folded := 0
	for seed := uint64(0); seed < 2000; seed++ {
		s := randomSnapshot(rand.New(rand.NewPCG(seed, 7)))
		whole := chains.BuildTree(s)
		original := map[int64]*chains.Node{}
		parentOf := map[int64]int64{}
		var index func(ns []*chains.Node, parent int64)
		index = func(ns []*chains.Node, parent int64) {
			for _, n := range ns {
				original[n.ID] = n
				parentOf[n.ID] = parent
				index(n.Children, n.ID)
			}
		}
		index(whole, 0)

		seen := 0
		var check func(ns []*chains.Node, parent *chains.Node)
		check = func(ns []*chains.Node, parent *chains.Node) {
			for _, n := range ns {
				want := withoutIdentity(lineOf(t, n))
				require.Len(t, n.IDs, n.Count, "seed %d: node %d", seed, n.ID)
				for _, id := range n.IDs {
					m := original[id]
					require.NotNil(t, m, "seed %d: folded id %d is not in the tree", seed, id)
					require.Equal(t, want, withoutIdentity(lineOf(t, m)),
						"seed %d: goroutine %d folded into a line that does not describe it", seed, id)
					if parent == nil {
						require.Zero(t, parentOf[id], "seed %d: %d folded into a root", seed, id)
					} else {
						require.Contains(t, parent.IDs, parentOf[id], "seed %d: %d folded under the wrong parent", seed, id)
					}
					seen++
				}
				if n.Count > 1 {
					folded++
				}
				check(n.Children, n)
			}
		}
		check(chains.Collapse(whole), nil)
		require.Equal(t, len(original), seen, "seed %d: every node is shown exactly once", seed)
	}
	require.Greater(t, folded, 1000, "the generator produces foldable siblings")
}
