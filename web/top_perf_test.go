package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/query"
	"github.com/dlv-tasks/dlv-tasks/web"
)

// TestTopPauseAgainstPrompt measures what a sample pauses testdata/growth
// for, taken by the web view's Top page (POST /api/top/sample while the
// target runs) and by top at the prompt (query.Top), on the same session.
// It runs only when DLV_TASKS_WEB_PERF is set:
//
//	DLV_TASKS_WEB_PERF=1 go test ./web -run TestTopPauseAgainstPrompt -v
func TestTopPauseAgainstPrompt(t *testing.T) {
	if os.Getenv("DLV_TASKS_WEB_PERF") == "" {
		t.Skip("set DLV_TASKS_WEB_PERF to measure")
	}
	const n = 10
	exe := testutil.BuildTarget(t, "growth")
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	srv, err := web.New(s, s, nil)
	require.NoError(t, err)
	url, stop, err := web.Serve(srv, "", os.Stderr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = stop() })

	var webPauses []time.Duration
	for i := 0; i <= n; i++ {
		req, err := http.NewRequest(http.MethodPost, url+"api/top/sample?run=1", strings.NewReader(""))
		require.NoError(t, err)
		req.Header.Set(web.TokenHeader, srv.Token())
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var a struct {
			View struct {
				PauseNs time.Duration `json:"pause_ns"`
			} `json:"view"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		if i > 0 { // the first sample finds the target stopped
			webPauses = append(webPauses, a.View.PauseNs)
		}
		time.Sleep(300 * time.Millisecond) // the interval between samples, as a page's timer
	}
	req, _ := http.NewRequest(http.MethodPost, url+"api/halt", strings.NewReader(""))
	req.Header.Set(web.TokenHeader, srv.Token())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	var promptPauses []time.Duration
	bg, err := query.New(s).Top(context.Background(), query.TopRequest{Interval: 300 * time.Millisecond, Samples: n + 1}, s, nil, func(d *query.TopDoc) error {
		if d.Seq > 1 {
			promptPauses = append(promptPauses, d.Pause)
		}
		return nil
	})
	require.NoError(t, err)
	_, err = bg.Stop()
	require.NoError(t, err)
	stats := func(ps []time.Duration) (time.Duration, time.Duration) {
		slices.Sort(ps)
		return ps[len(ps)/2], ps[len(ps)-1]
	}
	wm, wx := stats(webPauses)
	pm, px := stats(promptPauses)
	t.Logf("pause of a sample of testdata/growth, %d samples each: web median %v max %v; prompt median %v max %v",
		n, wm.Round(time.Millisecond), wx.Round(time.Millisecond), pm.Round(time.Millisecond), px.Round(time.Millisecond))
}
