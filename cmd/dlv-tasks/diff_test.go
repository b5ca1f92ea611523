package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// growthCores dumps two cores of one run of the growth target, window
// apart, with Delve's dump, and leaves the target running (detached).
func growthCores(t *testing.T, window time.Duration) (exe, core1, core2 string, tg *testutil.Target) {
	t.Helper()
	exe = testutil.BuildTarget(t, "growth")
	tg = testutil.StartTracedTarget(t, exe, []string{"-leak", "20", "-idle", "50"}, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()
	dir := t.TempDir()
	core1, core2 = filepath.Join(dir, "core.1"), filepath.Join(dir, "core.2")
	// A fresh stop: attach stopped the target a while ago.
	runFor(t, s, 500*time.Millisecond)
	require.NoError(t, s.Dump(core1))
	runFor(t, s, window)
	require.NoError(t, s.Dump(core2))
	return exe, core1, core2, tg
}

// runFor lets the target run for d, then halts it.
func runFor(t *testing.T, s *dlvclient.Session, d time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := s.Continue()
		done <- err
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case err := <-done:
			require.NoError(t, err)
			return
		case <-timer.C:
			_, err := s.Halt()
			require.NoError(t, err)
			timer.Reset(50 * time.Millisecond) // a halt that came before the continue is lost
		}
	}
}

func TestDiffTwoCores(t *testing.T) {
	exe, core1, core2, tg := growthCores(t, 4*time.Second)
	r := run(t, "", nil, "diff", exe, core1, core2, "--group", "start", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var tr chains.Trend
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &tr))
	require.Len(t, tr.Samples, 2)
	assert.Equal(t, "core.1", tr.Samples[0].Name)
	t.Logf("cores %s apart", tr.Elapsed)
	require.NotEmpty(t, tr.Verdicts)
	assert.Equal(t, chains.VerdictLeak, tr.Verdicts[0].Kind, "%+v", tr.Verdicts)
	assert.Equal(t, "main.fetchOnce", tr.Verdicts[0].Subject)
	leak := tr.Groups[0]
	assert.Equal(t, "main.fetchOnce", leak.Key)
	assert.InEpsilon(t, 20.0, leak.RatePerSec, 0.2, "leak rate from the cores' times")
	verdicts := map[string]string{}
	for _, g := range tr.Groups {
		verdicts[g.Key] = g.Verdict
	}
	assert.Equal(t, chains.VerdictSteady, verdicts["main.worker"])
	assert.Equal(t, chains.VerdictSteady, verdicts["main.handle"])
	assert.Equal(t, chains.VerdictSteady, verdicts["main.idle"])
	assert.Equal(t, chains.VerdictHot, verdicts["main.spin"])
	assert.Equal(t, chains.VerdictPileUp, verdicts["main.runReportJob"])

	r = run(t, "", nil, "diff", exe, core1, core2, "--limit", "3")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "diff core.1 (")
	assert.Regexp(t, `leak suspect: main\.leakLoop \S+growth/main\.go:\d+ \+\d+\.\d/s, 0 ended, all blocked in chan receive at main\.fetchOnce `, r.stdout)
	assert.Contains(t, r.stdout, "more groups")
	t.Logf("dlv-tasks diff EXE core.1 core.2 --limit 3:\n%s", r.stdout)

	// The target was detached, running.
	status, err := os.ReadFile("/proc/" + itoa(tg.Pid) + "/status")
	require.NoError(t, err)
	require.NotContains(t, string(status), "tracing stop")
}

func TestDiffRefusesCoresOfAnotherBuild(t *testing.T) {
	zooExe, zooCoreFile, _ := zooCore(t)
	exe, core1, _, _ := growthCores(t, 100*time.Millisecond)
	r := run(t, "", nil, "diff", exe, core1, zooCoreFile)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, zooCoreFile+": the core was not produced by "+exe+" (Go build ids differ)")
	r = run(t, "", nil, "diff", zooExe, zooCoreFile, core1)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, core1+": the core was not produced by "+zooExe)
	r = run(t, "", nil, "diff", exe, core1, core1, "--group", "stack")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "-group stack reads every stack")
	r = run(t, "", nil, "diff", exe, core1, core1)
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "diff core.1"), r.stdout)
}
