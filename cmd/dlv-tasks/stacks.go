package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dlv-tasks/dlv-tasks/dumptext"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// Bounds of a dump fetched over HTTP.
const (
	// maxFetchBytes is the largest page read (a 1M-goroutine dump is
	// about 900 MB).
	maxFetchBytes = 2 << 30
	// fetchTimeout bounds the whole request, body included.
	fetchTimeout = 2 * time.Minute
)

func newStacksCommand(opts *options) *cobra.Command {
	index := -1
	cmd := &cobra.Command{
		Use:   "stacks FILE|URL|- [LATER-FILE|URL]",
		Short: "Read a goroutine dump (crash or SIGQUIT traceback, debug=2 profile, runtime.Stack) from a file, a URL or stdin",
		Long: "stacks reads the goroutine dump text Go programs leave behind — a crash or SIGQUIT\n" +
			"traceback (any GOTRACEBACK), /debug/pprof/goroutine?debug=2, runtime.Stack(buf, true)\n" +
			"output, also inside a log — and opens the prompt on it: ps, pstree and where work as\n" +
			"on a core. A URL is fetched (?debug=2 is added when it has no debug parameter).\n" +
			"A file with several dumps opens the last one; --index N picks another (from 0).\n" +
			"With two dumps the second is opened and the first is kept as a snapshot named\n" +
			"after it: diff shows what changed from one to the other.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(_ *cobra.Command, args []string) error {
			var earlier *dumptext.Source
			var earlierName string
			if len(args) == 2 {
				var err error
				if earlier, _, err = openDump(args[0], index); err != nil {
					return err
				}
				earlierName = dumpName(args[0])
				args = args[1:]
			}
			src, banner, err := openDump(args[0], index)
			if err != nil {
				return err
			}
			if earlier != nil {
				snap, _ := earlier.Snapshot(context.Background(), nil)
				at, _ := earlier.SnapshotTime()
				opts.preload = append(opts.preload, model.Sample{Name: earlierName, TakenAt: at, Snapshot: snap})
				banner += fmt.Sprintf("The earlier dump is kept as snapshot %q: diff compares it with this one.\n", earlierName)
			}
			return runTerminal(src, *opts, banner)
		},
	}
	cmd.Flags().IntVar(&index, "index", -1, "which dump of the text to open, from 0 (default: the last)")
	return cmd
}

// openDump reads and parses the dump at where and returns a Source over
// the chosen one, with a banner saying what was read. Notes about the text
// are printed to stderr.
func openDump(where string, index int) (*dumptext.Source, string, error) {
	if os.Getenv("GOGC") == "" {
		// Nearly everything a parse allocates is kept: collecting at the
		// default pace mostly rescans what stays. 200 cuts a 100k-goroutine
		// parse by a fifth for about a tenth more peak memory.
		debug.SetGCPercent(200)
	}
	r, name, err := openText(where)
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	file, err := dumptext.Parse(r, dumptext.Options{})
	if err != nil {
		if file != nil && len(file.Notes) > 0 {
			return nil, "", fmt.Errorf("read %s: %w (%s)", name, err, file.Notes[0].Text)
		}
		return nil, "", fmt.Errorf("read %s: %w", name, err)
	}
	n := len(file.Dumps)
	if index < 0 {
		index = n - 1
	}
	if index >= n {
		return nil, "", fmt.Errorf("%s holds %d dump(s) (--index 0 to %d); --index %d is not one", name, n, n-1, index)
	}
	d := file.Dumps[index]
	for _, note := range append(file.Notes, d.Notes...) {
		if note.Line > 0 {
			fmt.Fprintf(os.Stderr, "note: %s:%d: %s\n", name, note.Line, note.Text)
		} else {
			fmt.Fprintf(os.Stderr, "note: %s: %s\n", name, note.Text)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: dump %d of %d (lines %d-%d): %d goroutines", name, index, n, d.FirstLine, d.LastLine, len(d.Goroutines))
	for _, p := range d.Panics {
		fmt.Fprintf(&b, "; panic: %q", p.Value)
		if p.Repanicked {
			b.WriteString(" [recovered, repanicked]")
		} else if p.Recovered {
			b.WriteString(" [recovered]")
		}
	}
	if len(d.Panics) == 0 && len(d.Preamble) > 0 {
		fmt.Fprintf(&b, "; %q", d.Preamble[0])
	}
	b.WriteString("\nA goroutine dump: ps, pstree and where work; nothing can run, and there are no variables.\n" +
		"Wait times are the runtime's whole minutes: lower bounds, 0 under a minute.\n")
	target := model.Target{Kind: model.KindDump, Core: name}
	src := dumptext.NewSource(d, target)
	src.SetTakenAt(takenAt(where))
	return src, b.String(), nil
}

// takenAt is when the dump at where was written: a file's modification
// time, or now for a page just fetched; zero for stdin.
func takenAt(where string) time.Time {
	switch {
	case where == "-":
		return time.Time{}
	case strings.HasPrefix(where, "http://") || strings.HasPrefix(where, "https://"):
		return time.Now()
	}
	if fi, err := os.Stat(where); err == nil {
		return fi.ModTime()
	}
	return time.Time{}
}

// dumpName names a kept dump after its file ("before" for
// /tmp/before.txt), or "earlier".
func dumpName(where string) string {
	base := filepath.Base(where)
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	if where == "-" || strings.Contains(where, "://") || base == "" || base == "now" {
		return "earlier"
	}
	return base
}

// openText opens a file, stdin ("-") or a URL.
func openText(where string) (io.ReadCloser, string, error) {
	if where == "-" {
		return io.NopCloser(os.Stdin), "stdin", nil
	}
	if strings.HasPrefix(where, "http://") || strings.HasPrefix(where, "https://") {
		return fetch(where)
	}
	f, err := os.Open(where)
	if err != nil {
		return nil, "", fmt.Errorf("open goroutine dump: %w", err)
	}
	return f, where, nil
}

// fetch GETs a goroutine profile, adding debug=2 when the URL has no debug
// parameter, reading at most maxFetchBytes within fetchTimeout.
func fetch(raw string) (io.ReadCloser, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("goroutine dump URL %q: %w", raw, err)
	}
	q := u.Query()
	if !q.Has("debug") {
		q.Set("debug", "2")
		u.RawQuery = q.Encode()
	}
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel()
		return nil, "", fmt.Errorf("goroutine dump URL %q: %w", raw, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, "", fmt.Errorf("fetch goroutine dump: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, "", fmt.Errorf("fetch goroutine dump %s: %s", u, resp.Status)
	}
	return &boundedBody{body: resp.Body, left: maxFetchBytes, cancel: cancel, url: u.String()}, u.String(), nil
}

// errTooLarge is returned when a fetched page exceeds maxFetchBytes.
var errTooLarge = errors.New("page larger than the limit")

// boundedBody reads a response body, failing past its limit.
type boundedBody struct {
	body   io.ReadCloser
	left   int64
	cancel func()
	url    string
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("fetch %s: %w (%d bytes)", b.url, errTooLarge, int64(maxFetchBytes))
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	if b.left <= 0 && err == nil {
		// Only an error if there is more.
		var one [1]byte
		if m, _ := b.body.Read(one[:]); m == 0 {
			return n, io.EOF
		}
	}
	return n, err
}

func (b *boundedBody) Close() error {
	defer b.cancel()
	return b.body.Close()
}
