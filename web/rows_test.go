package web

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPage(t *testing.T) {
	rows := []Row{
		{ID: 3, State: "chan receive", Location: "main.a a.go:1", WaitNs: 5},
		{ID: 1, State: "running", Location: "main.b b.go:2", WaitNs: 0},
		{ID: 2, State: "chan receive", Location: "main.c c.go:3", WaitNs: 9},
		{ID: 10, State: "sleep", Location: "main.a a.go:1", WaitNs: 1},
	}
	ids := func(p TablePage) []int64 {
		var out []int64
		for _, r := range p.Rows {
			out = append(out, r.ID)
		}
		return out
	}
	// Sorted by id by default, numerically (10 after 3).
	require.Equal(t, []int64{1, 2, 3, 10}, ids(Page(rows, TableQuery{})))
	require.Equal(t, []int64{2, 3, 10, 1}, ids(Page(rows, TableQuery{Sort: "wait", Desc: true})))
	// Ties keep id order.
	require.Equal(t, []int64{3, 10, 1, 2}, ids(Page(rows, TableQuery{Sort: "location"})))
	// Text matches any column, case-insensitively.
	p := Page(rows, TableQuery{Text: "MAIN.A"})
	require.Equal(t, []int64{3, 10}, ids(p))
	require.Equal(t, 4, p.Total)
	require.Equal(t, 2, p.Matched)
	// Groups count the text-filtered rows; a value keeps its rows.
	p = Page(rows, TableQuery{Group: "state"})
	require.Equal(t, []GroupCount{{"chan receive", 2}, {"running", 1}, {"sleep", 1}}, p.Groups)
	v := "chan receive"
	require.Equal(t, []int64{2, 3}, ids(Page(rows, TableQuery{Group: "state", GroupValue: &v})))
	// Pages.
	p = Page(rows, TableQuery{Offset: 3, Limit: 2})
	require.Equal(t, []int64{10}, ids(p))
	require.Equal(t, 3, p.Offset)
	require.Empty(t, Page(rows, TableQuery{Offset: 99}).Rows)
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:80": true, "localhost:1": true, "[::1]:8080": true, "127.0.0.1": true,
		"evil.example:80": false, "127.0.0.1.evil.example:80": false, "10.0.0.1:80": false,
	} {
		require.Equal(t, want, loopbackHost(host), host)
	}
}

func TestServeWarnsOffLoopback(t *testing.T) {
	s, err := New(nil, nil, nil)
	require.NoError(t, err)
	var warn strings.Builder
	url, stop, err := Serve(s, "", &warn)
	require.NoError(t, err)
	require.NoError(t, stop())
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/$`, url)
	require.Empty(t, warn.String(), "loopback: no warning")
	require.False(t, s.AnyHost)

	s, err = New(nil, nil, nil)
	require.NoError(t, err)
	_, stop, err = Serve(s, "0.0.0.0:0", &warn)
	require.NoError(t, err)
	require.NoError(t, stop())
	require.Contains(t, warn.String(), "WARNING")
	require.Contains(t, warn.String(), "NOT loopback only")
	require.True(t, s.AnyHost)
}
