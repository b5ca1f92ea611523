package terminal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dlv-tasks/dlv-tasks/query"
	"github.com/dlv-tasks/dlv-tasks/web"
)

// webState is the web view serving this terminal's session, if any: the
// lock both faces take around their session calls, and the server.
type webState struct {
	lock *web.Lock
	url  string
	stop func() error
}

// webCommand serves the session to a browser.
func (t *Terminal) webCommand() *command {
	return &command{
		names: []string{"web"}, usage: "web [ADDR]", maxArgs: 1,
		summary: "Serve this session in a browser (loopback, a random port by default).",
		help: "Serve this session to a browser at ADDR (default 127.0.0.1 on a random port) and\n" +
			"print the URL: the goroutine table, the creation tree, goroutine pages, ended tasks\n" +
			"and swallowed cancellations, and on a live target halt, continue and cancel. The\n" +
			"prompt keeps working on the same session. An address that is not loopback is\n" +
			"reachable from the network: dlv-tasks warns, and anyone reaching it can read the\n" +
			"target's memory through it.",
		setup: noFlags(func(_ context.Context, args []string) error {
			addr := ""
			if len(args) == 1 {
				addr = args[0]
			}
			if t.web.url != "" {
				fmt.Fprintf(t.out, "Already serving at %s\n", t.web.url)
				return nil
			}
			url, err := t.StartWeb(addr)
			if err != nil {
				return err
			}
			fmt.Fprintf(t.out, "Serving this session at %s\n", url)
			return nil
		}),
	}
}

// reportCommand writes the self-contained HTML report.
func (t *Terminal) reportCommand() *command {
	return &command{
		names: []string{"report"}, usage: "report FILE", minArgs: 1, maxArgs: 1, missing: "file name",
		summary: "Write a self-contained HTML report of this stop to FILE.",
		help: "Write one HTML file with the goroutine table, the creation tree, goroutine pages\n" +
			"(stacks), ended tasks and swallowed cancellations at this stop: inline script and\n" +
			"data, it opens offline in any browser.",
		setup: noFlags(func(ctx context.Context, args []string) error {
			stats, err := WriteReportFile(ctx, t.session, args[0], filepath.Base(args[0]))
			if err != nil {
				return err
			}
			fmt.Fprintf(t.out, "Report written to %s (%d goroutines, %d distinct stacks, %d bytes)\n",
				args[0], stats.Goroutines, stats.Stacks, stats.Bytes)
			return nil
		}),
	}
}

// WriteReportFile writes the HTML report of src to path.
func WriteReportFile(ctx context.Context, src query.Source, path, title string) (web.ReportStats, error) {
	f, err := os.Create(path)
	if err != nil {
		return web.ReportStats{}, err
	}
	stats, err := web.WriteReport(ctx, src, title, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("report: %w", cerr)
	}
	return stats, err
}

// StartWeb serves the session at addr (web.DefaultAddr when empty) and
// returns the URL; from then on prompt commands and web requests take
// turns on the session.
func (t *Terminal) StartWeb(addr string) (string, error) {
	if t.web.lock == nil {
		t.web.lock = web.NewLock()
	}
	srv, err := web.New(t.session, t.session, t.web.lock)
	if err != nil {
		return "", err
	}
	url, stop, err := web.Serve(srv, addr, t.errOut)
	if err != nil {
		return "", err
	}
	t.web.url, t.web.stop = url, stop
	return url, nil
}

// StopWeb stops the web view, if one is serving.
func (t *Terminal) StopWeb() error {
	if t.web.stop == nil {
		return nil
	}
	err := t.web.stop()
	t.web.url, t.web.stop = "", nil
	return err
}

// acquire takes the session for command c while a web view serves it. A
// halt goes through while the web view runs the target (Halt is the one
// call allowed then); continue marks the session running so that the
// web view's halt can stop it.
func (t *Terminal) acquire(ctx context.Context, c *command) (release func(), err error) {
	l := t.web.lock
	if l == nil {
		return func() {}, nil
	}
	if c.names[0] == "halt" && l.Running() {
		return func() {}, nil
	}
	if !l.TryAcquire() {
		fmt.Fprintln(t.errOut, "waiting for the web view (if it continued the target, halt stops it; Ctrl-C gives up)")
		if err := l.Acquire(ctx); err != nil {
			return nil, query.ErrInterrupted
		}
	}
	running := c.names[0] == "continue"
	if running {
		l.SetRunning(true)
	}
	return func() {
		if running {
			l.SetRunning(false)
		}
		l.Release()
	}, nil
}
