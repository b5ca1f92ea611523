package terminal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
	"github.com/dlv-tasks/dlv-tasks/web"
)

// runningSession is a live fake whose Continue runs until Halt.
type runningSession struct {
	*fakeSession
	mu     sync.Mutex
	halted chan struct{}
}

func (s *runningSession) Continue() (model.StopState, error) {
	s.mu.Lock()
	h := make(chan struct{})
	s.halted = h
	s.mu.Unlock()
	<-h
	return s.fakeSession.Continue()
}

func (s *runningSession) Halt() (model.StopState, error) {
	s.mu.Lock()
	if s.halted != nil {
		close(s.halted)
		s.halted = nil
	}
	s.mu.Unlock()
	return s.fakeSession.Halt()
}

// syncBuffer is a bytes.Buffer safe for the prompt's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// The prompt and the web view drive one session in turns: a continue from
// either is halted by the other, and reads wait or are refused meanwhile.
func TestWebAndPromptShareTheSession(t *testing.T) {
	s := &runningSession{fakeSession: taskSession()}
	s.live = true
	var out, errOut syncBuffer
	term := New(s, &out, &errOut)
	defer term.StopWeb()
	require.NoError(t, term.ExecuteContext(context.Background(), "web"))
	url := regexp.MustCompile(`Serving this session at (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(out.String())
	require.NotNil(t, url, out.String())
	base := url[1]
	resp, err := http.Get(base)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := regexp.MustCompile(`data-token="([0-9a-f]+)"`).FindSubmatch(page)
	require.NotNil(t, token, "the page carries the token")

	get := func(path string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		var v map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	post := func(path string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+path, nil)
		req.Header.Set(web.TokenHeader, string(token[1]))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	waitRunning := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, v := get("api/session")
			if v["running"] == want {
				return
			}
			require.True(t, time.Now().Before(deadline), "running never became %v", want)
			time.Sleep(5 * time.Millisecond)
		}
	}
	code, _ := get("api/table")
	require.Equal(t, http.StatusOK, code)

	// continue at the prompt, halt from the page.
	done := make(chan error, 1)
	go func() { done <- term.ExecuteContext(context.Background(), "continue") }()
	waitRunning(true)
	code, v := get("api/table")
	require.Equal(t, http.StatusConflict, code, "no read while the target runs")
	require.Contains(t, v["error"], "running")
	require.Equal(t, http.StatusOK, post("api/halt"))
	require.NoError(t, <-done)
	require.Contains(t, errOut.String(), "> goroutine 1 stopped at main.main")
	waitRunning(false)

	// continue from the page, halt at the prompt; meanwhile a prompt read
	// waits, and gives up when interrupted.
	require.Equal(t, http.StatusOK, post("api/continue"))
	waitRunning(true)
	require.Equal(t, http.StatusConflict, post("api/continue"), "already running")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = term.ExecuteContext(ctx, "ps")
	require.True(t, errors.Is(err, query.ErrInterrupted), "%v", err)
	require.Contains(t, errOut.String(), "waiting for the web view")
	require.NoError(t, term.ExecuteContext(context.Background(), "halt"))
	waitRunning(false)
	out2 := len(out.String())
	require.NoError(t, term.ExecuteContext(context.Background(), "ps"))
	require.True(t, strings.Contains(out.String()[out2:], "goroutines"), "the prompt has the session again")
}
