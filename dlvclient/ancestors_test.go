package dlvclient_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// TestCreationChainRunsThroughAncestorRecords crashes a relay of
// short-lived goroutines under GODEBUG=tracebackancestors: many creators
// have exited and their runtime records were reused, so the snapshot alone
// has holes. Every goroutine's creation chain must list, link by link, the
// creators of the traceback's "[originating from goroutine N]" sections, with
// their go statements and whether they are alive, and the creation tree
// must hang every goroutine of the relay under goroutine 1.
func TestCreationChainRunsThroughAncestorRecords(t *testing.T) {
	forEachToolchain(t, "ancestors", func(t *testing.T, exe string) {
		core, text := testutil.CrashCore(t, exe, []string{"-stages", "12", "-churn", "30"}, []string{"GODEBUG=tracebackancestors=50"})
		tb, err := testutil.ParseTraceback(text)
		require.NoError(t, err)
		s, err := dlvclient.OpenCore(exe, core)
		require.NoError(t, err)
		defer s.Close()
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		missing := chains.MissingCreators(snap)
		require.NotEmpty(t, missing, "the relay leaves creators without a runtime record")

		deepest := 0
		for _, g := range snap.Goroutines {
			want := tb[g.ID]
			if len(want.Ancestors) == 0 {
				continue
			}
			records, on, err := s.Ancestors(g.ID, dlvclient.MaxAncestors, dlvclient.AncestorStackMax)
			require.NoError(t, err)
			require.True(t, on)
			chain, err := chains.CreationChainWithAncestors(snap, g.ID, records)
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(chain), len(want.Ancestors), "goroutine %d: chain shorter than the runtime's records", g.ID)
			for k, a := range want.Ancestors {
				l := chain[k]
				require.Equal(t, a.ID, l.ParentID, "goroutine %d link %d", g.ID, k)
				require.True(t, l.Parent != nil || l.ParentExited != nil, "goroutine %d link %d: creator %d shown without record", g.ID, k, a.ID)
				_, alive := tb[a.ID]
				require.Equal(t, alive, l.Parent != nil, "goroutine %d link %d: creator %d alive", g.ID, k, a.ID)
				// The go statement of link k created the goroutine of section
				// k-1 (the goroutine itself for k = 0).
				site := want.CreatedAt
				if k > 0 {
					site = want.Ancestors[k-1].CreatedAt
				}
				require.Equal(t, site.Function, l.GoStatement.Function, "goroutine %d link %d go statement", g.ID, k)
				require.Equal(t, site.Line, l.GoStatement.Line, "goroutine %d link %d go statement line", g.ID, k)
			}
			deepest = max(deepest, len(want.Ancestors))
		}
		require.GreaterOrEqual(t, deepest, 12, "the workers descend from every stage")

		records, on := s.AncestorsOf(missing)
		require.True(t, on)
		withRecords, _ := chains.WithAncestors(snap, records)
		for _, root := range chains.BuildTree(withRecords) {
			if root.IsExited() {
				t.Errorf("creator %d is a root: the records were not followed", root.ID)
				continue
			}
			if root.ID == 1 {
				continue
			}
			// Other roots are the runtime's own goroutines.
			require.Zero(t, tb[root.ID].ParentID, "goroutine %d is a root but the traceback names its creator", root.ID)
		}
	})
}
