package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
	"github.com/dlv-tasks/dlv-tasks/render"
	"github.com/dlv-tasks/dlv-tasks/web"
)

// chainItem is one link of the creation chain as the goroutine page shows
// it.
type chainItem struct {
	Parent string `json:"parent"`
	Text   string `json:"text"`
}

// shownChain opens goroutine id's page and reads its creation chain.
func shownChain(t *testing.T, ctx context.Context, id int64) []chainItem {
	t.Helper()
	n := renders(t, ctx)
	run(t, ctx, js(fmt.Sprintf("location.hash='#g/%d'", id)))
	waitRender(t, ctx, n)
	title := eval[string](t, ctx, `(document.querySelector('#summary h1') || {}).textContent || document.getElementById('main').textContent`)
	require.Equal(t, fmt.Sprintf("Goroutine %d", id), title)
	return eval[[]chainItem](t, ctx, `[...document.querySelectorAll('#creation ol.chain > li')].map(li => ({parent: li.dataset.parent, text: li.textContent}))`)
}

// TestReportChainEqualsLiveAndQuery crashes the relay of short-lived
// creators (testdata/ancestors) under GODEBUG=tracebackancestors: chains
// run through live creators, exited creators whose runtime record
// survives, and creators only the ancestor records describe. For several
// goroutines the chain the report shows must be the chain the served
// session's goroutine page shows and the query layer's, link by link, and
// its creators must be the traceback's "[originating from goroutine N]"
// sections.
func TestReportChainEqualsLiveAndQuery(t *testing.T) {
	ctx := browser(t)
	exe := testutil.BuildTarget(t, "ancestors")
	core, text := testutil.CrashCore(t, exe, []string{"-stages", "12", "-churn", "30"}, []string{"GODEBUG=tracebackancestors=50"})
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()

	cd, err := query.New(s).CreationChains(context.Background(), query.ChainsRequest{})
	require.NoError(t, err)
	require.Positive(t, cd.AncestorReads, "some chains meet creators without a record")

	// The goroutines to compare: the deepest chains that pass through an
	// exited creator, one that passes through a live one, and main.
	var picked []int64
	var throughExited, throughAncestors bool
	byDepth := slices.Clone(cd.IDs)
	slices.SortStableFunc(byDepth, func(a, b int64) int {
		ca, _ := cd.Chain(a)
		cb, _ := cd.Chain(b)
		return len(cb) - len(ca)
	})
	for _, id := range byDepth {
		chain, _ := cd.Chain(id)
		exited, live := false, false
		for _, l := range chain {
			exited = exited || l.Parent == nil
			live = live || (l.Parent != nil && l.ParentID != 1)
			throughAncestors = throughAncestors || l.FromAncestors
		}
		if len(picked) < 3 && exited && live {
			picked = append(picked, id)
			throughExited = true
		}
	}
	picked = append(picked, 1)
	require.True(t, throughExited, "a chain through an exited creator")
	require.True(t, throughAncestors, "a chain through the ancestor records")
	first, _ := cd.Chain(picked[0])
	require.GreaterOrEqual(t, len(first), 12, "the workers descend from every stage")

	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	require.NoError(t, err)
	_, err = web.WriteReport(context.Background(), s, "ancestors", f)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	srv, err := web.New(s, nil, nil)
	require.NoError(t, err)
	url, stop, err := web.Serve(srv, "", os.Stderr)
	require.NoError(t, err)
	defer stop()

	reported := map[int64][]chainItem{}
	run(t, ctx, chromedp.Navigate("file://"+path))
	waitRender(t, ctx, 0)
	for _, id := range picked {
		reported[id] = shownChain(t, ctx, id)
	}
	run(t, ctx, chromedp.Navigate(url))
	waitRender(t, ctx, 0)
	for _, id := range picked {
		live := shownChain(t, ctx, id)
		require.Equal(t, live, reported[id], "goroutine %d: the report's chain is the live page's", id)

		chain, ok := cd.Chain(id)
		require.True(t, ok)
		docs := render.NewLinkDocs(chain)
		require.Len(t, reported[id], len(docs), "goroutine %d", id)
		for k, l := range docs {
			item := reported[id][k]
			require.Equal(t, fmt.Sprint(l.ParentID), item.Parent, "goroutine %d link %d", id, k)
			site := fmt.Sprintf("%s %s:%d", l.GoStatement.Function, model.ShortFile(l.GoStatement.File), l.GoStatement.Line)
			require.Contains(t, item.Text, site, "goroutine %d link %d go statement", id, k)
			require.Equal(t, !l.ParentAlive, strings.Contains(item.Text, fmt.Sprintf("%d (exited)", l.ParentID)), "goroutine %d link %d: %q", id, k, item.Text)
		}
		// The runtime's own records name the same creators.
		for k, a := range tb[id].Ancestors {
			require.Equal(t, fmt.Sprint(a.ID), reported[id][k].Parent, "goroutine %d link %d against the traceback", id, k)
			_, alive := tb[a.ID]
			require.Equal(t, alive, docs[k].ParentAlive, "goroutine %d creator %d alive", id, a.ID)
		}
	}
	require.Empty(t, reported[1], "main's goroutine has no creator")
}
