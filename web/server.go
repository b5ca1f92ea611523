// Package web is dlv-tasks' browser face: an http.Handler over the query
// layer that serves the ps table (filters, group-by, sort, server-side
// paging), the creation tree, goroutine pages (stack with source lines,
// creation chain, ancestors, cancellation chain), ended tasks,
// swallowed cancellations and top (sparklines of the groups' counts over
// samples it takes), and on a live target halt, continue and cancel; and a
// self-contained HTML report of the same views (WriteReport).
//
// Like the prompt it holds no query logic: every answer is a query.Doc,
// served as its JSON() to one page of plain JavaScript that renders target
// strings as text only. The page and every script and style are inline in
// one document; nothing is fetched from outside the session.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
)

// Controller is the execution control of a live session (the part of
// terminal.Session the web view drives). A core's session is one too:
// Live reports false and nothing runs.
type Controller interface {
	// Live reports whether code can run in the target.
	Live() bool
	Continue() (model.StopState, error)
	Halt() (model.StopState, error)
	// CancelTask cancels a tracker task's context; false if it already was.
	CancelTask(taskID uint64) (bool, error)
}

// TokenHeader carries the session token on state-changing requests.
const TokenHeader = "X-Dlv-Tasks-Token"

// lockWait bounds how long a request waits for the session while the
// prompt (or a running target) holds it.
const lockWait = 5 * time.Second

// Server serves one session to browsers.
type Server struct {
	src   query.Source
	q     *query.Querier
	ctl   Controller
	lock  *Lock
	token string
	mux   *http.ServeMux
	// AnyHost accepts requests whatever their Host header names (set when
	// the user chose a non-loopback address); otherwise only loopback
	// names are served, which keeps DNS-rebinding pages out.
	AnyHost bool

	mu       sync.Mutex
	rowsOf   *model.Snapshot // the snapshot rows were built from
	rows     []Row
	sources  *sourceCache
	last     model.StopState // where the target last stopped
	lastErr  string
	hasState bool
	// run is the target the web view continued, while it runs.
	run *webRun

	// topMu guards series, the samples of the Top page.
	topMu  sync.Mutex
	series *query.TopSeries
}

// New returns a Server over src; ctl (nil for none) controls a live
// target, and lock is shared with the other faces of the session (nil: a
// new one).
func New(src query.Source, ctl Controller, lock *Lock) (*Server, error) {
	if lock == nil {
		lock = NewLock()
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("web: session token: %w", err)
	}
	s := &Server{src: src, q: query.New(src), ctl: ctl, lock: lock, token: hex.EncodeToString(b[:]),
		mux: http.NewServeMux(), sources: newSourceCache(), series: query.NewTopSeries(0)}
	s.routes()
	return s, nil
}

// Token is the per-session token state-changing requests must carry.
func (s *Server) Token() string { return s.token }

func (s *Server) live() bool { return s.ctl != nil && s.ctl.Live() }

func (s *Server) routes() {
	s.mux.HandleFunc("GET /{$}", s.page)
	s.mux.HandleFunc("GET /api/session", s.session)
	s.mux.HandleFunc("GET /api/table", s.read(s.table))
	s.mux.HandleFunc("GET /api/ps", s.read(s.ps))
	s.mux.HandleFunc("GET /api/tree", s.read(s.tree))
	s.mux.HandleFunc("GET /api/tasktree", s.read(s.taskTree))
	s.mux.HandleFunc("GET /api/goroutine/{id}", s.read(s.goroutine))
	s.mux.HandleFunc("GET /api/terminated", s.read(s.terminated))
	s.mux.HandleFunc("GET /api/terminated/{id}", s.read(s.whereTerminated))
	s.mux.HandleFunc("GET /api/swallowed", s.read(s.swallowed))
	s.mux.HandleFunc("POST /api/halt", s.post(s.halt))
	s.mux.HandleFunc("POST /api/continue", s.post(s.cont))
	s.mux.HandleFunc("POST /api/cancel", s.post(s.cancel))
	s.mux.HandleFunc("GET /api/top", s.top)
	s.mux.HandleFunc("POST /api/top/sample", s.post(s.topSample))
	s.mux.HandleFunc("POST /api/top/clear", s.post(s.topClear))
}

// ServeHTTP serves the page and its JSON endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.AnyHost && !loopbackHost(r.Host) {
		http.Error(w, "dlv-tasks serves loopback host names only", http.StatusMisdirectedRequest)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

// loopbackHost reports whether a Host header names this machine's loopback.
func loopbackHost(host string) bool {
	h := host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		h = host[:i]
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h) // a name like 127.0.0.1.evil.example is not an IP
	return ip != nil && ip.IsLoopback()
}

// httpError is an error with the status it is served with.
type httpError struct {
	status int
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Errorf(format, args...)}
}

// errRunning refuses reads while the target runs.
var errRunning = &httpError{http.StatusConflict, errors.New("the target is running: halt it to read it")}

// read wraps a handler that reads the session: it takes the session lock
// and serves the value the handler returns as JSON.
func (s *Server) read(h func(context.Context, *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.lock.Running() {
			writeError(w, errRunning)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), lockWait)
		err := s.lock.Acquire(ctx)
		cancel()
		if err != nil {
			writeError(w, &httpError{http.StatusServiceUnavailable, errors.New("the session is busy (a command at the prompt, or the target running): try again")})
			return
		}
		v, err := h(r.Context(), r)
		s.lock.Release()
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// post wraps a state-changing handler: POST only (the mux), same origin,
// with the session token.
func (s *Server) post(h func(context.Context, *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkPost(r); err != nil {
			writeError(w, err)
			return
		}
		if !s.live() {
			writeError(w, &httpError{http.StatusConflict, model.ErrNotLive})
			return
		}
		v, err := h(r.Context(), r)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// checkPost refuses a state-changing request without the session token or
// from another origin.
func (s *Server) checkPost(r *http.Request) error {
	forbidden := func(msg string) error { return &httpError{http.StatusForbidden, errors.New(msg)} }
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return forbidden("cross-origin request refused")
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != "http://"+r.Host {
		return forbidden("cross-origin request refused")
	}
	got := r.Header.Get(TokenHeader)
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
		return forbidden("missing or wrong session token")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client is gone if this fails
}

func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var he *httpError
	switch {
	case errors.As(err, &he):
		status = he.status
	case errors.Is(err, model.ErrUnknownGoroutine), errors.Is(err, chains.ErrNoTracker):
		status = http.StatusNotFound
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// sessionDoc describes the session for the page's header.
type sessionDoc struct {
	Live       bool            `json:"live"`
	Running    bool            `json:"running"`
	Exited     bool            `json:"exited"`
	ExitStatus int             `json:"exit_status"`
	Stopped    *model.Location `json:"stopped_at"`
	Breakpoint string          `json:"breakpoint"`
	Error      string          `json:"error"`
}

func (s *Server) session(w http.ResponseWriter, _ *http.Request) {
	d := sessionDoc{Live: s.live(), Running: s.lock.Running()}
	s.mu.Lock()
	if s.hasState {
		d.Exited, d.ExitStatus, d.Breakpoint = s.last.Exited, s.last.ExitStatus, s.last.Breakpoint
		if !s.last.Location.IsZero() {
			loc := s.last.Location
			d.Stopped = &loc
		}
	}
	d.Error = s.lastErr
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, d)
}

// psRequest reads the query layer's filters: label (k=v or k, comma
// separated) and state (comma separated).
func psRequest(r *http.Request) query.PsRequest {
	var req query.PsRequest
	for _, l := range splitList(r.FormValue("label")) {
		req.Filter.Labels = append(req.Filter.Labels, chains.ParseLabelMatch(l))
	}
	req.Filter.States = splitList(r.FormValue("state"))
	return req
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// allRows returns the rows of every goroutine at this stop, built once per
// snapshot.
func (s *Server) allRows(ctx context.Context) ([]Row, *model.Snapshot, error) {
	d, err := s.q.Ps(ctx, query.PsRequest{})
	if err != nil {
		return nil, nil, err
	}
	snap := s.src.Cached()
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap != nil && snap == s.rowsOf {
		return s.rows, snap, nil
	}
	gs := d.(*query.PsDoc).Goroutines
	rows := make([]Row, len(gs))
	for i := range gs {
		rows[i] = NewRow(&gs[i])
	}
	s.rows, s.rowsOf = rows, snap
	return rows, snap, nil
}

func (s *Server) table(ctx context.Context, r *http.Request) (any, error) {
	req := psRequest(r)
	var rows []Row
	if req.Filter.IsZero() {
		all, _, err := s.allRows(ctx)
		if err != nil {
			return nil, err
		}
		rows = all
	} else {
		d, err := s.q.Ps(ctx, req)
		if err != nil {
			return nil, err
		}
		gs := d.(*query.PsDoc).Goroutines
		rows = make([]Row, len(gs))
		for i := range gs {
			rows[i] = NewRow(&gs[i])
		}
	}
	tq := TableQuery{Text: r.FormValue("text"), Sort: r.FormValue("sort"), Desc: r.FormValue("desc") == "1",
		Group: r.FormValue("group")}
	if tq.Group != "" && !contains(Columns, tq.Group) {
		return nil, badRequest("unknown column %q", tq.Group)
	}
	if r.Form.Has("value") {
		v := r.FormValue("value")
		tq.GroupValue = &v
	}
	tq.Offset, _ = strconv.Atoi(r.FormValue("offset"))
	tq.Limit, _ = strconv.Atoi(r.FormValue("limit"))
	return Page(rows, tq), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) ps(ctx context.Context, r *http.Request) (any, error) {
	d, err := s.q.Ps(ctx, psRequest(r))
	if err != nil {
		return nil, err
	}
	return d.JSON(), nil
}

func (s *Server) tree(ctx context.Context, _ *http.Request) (any, error) {
	d, err := s.q.Tree(ctx, query.TreeRequest{OnlyGoroutines: true})
	if err != nil {
		return nil, err
	}
	return d.JSON(), nil
}

// taskTree answers the tracker's task tree (tasks and groups), or null
// when the target does not use the tracker.
func (s *Server) taskTree(ctx context.Context, _ *http.Request) (any, error) {
	d, err := s.q.Tree(ctx, query.TreeRequest{OnlyTasks: true})
	if errors.Is(err, chains.ErrNoTracker) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return d.JSON(), nil
}

// GoroutinePage is everything the goroutine page shows.
type GoroutinePage struct {
	Row *Row `json:"row"`
	// Where is the where document (stack, creation chain, ancestors).
	Where any `json:"where"`
	// Cancel is the cancel-chain document, null with CancelError set when
	// there is none.
	Cancel      any    `json:"cancel"`
	CancelError string `json:"cancel_error"`
	// Sources are the source lines of the stack's frames, by "file:line",
	// where the file is readable.
	Sources map[string]string `json:"sources"`
	Notes   []string          `json:"notes"`
}

func (s *Server) goroutine(ctx context.Context, r *http.Request) (any, error) {
	id, err := chains.ParseID(r.PathValue("id"))
	if err != nil {
		return nil, badRequest("%v", err)
	}
	wd, err := s.q.Where(ctx, query.WhereRequest{ID: id})
	if err != nil {
		return nil, err
	}
	where := wd.(*query.WhereDoc)
	p := GoroutinePage{Where: wd.JSON(), Notes: append([]string{}, wd.Notes()...), Sources: map[string]string{}}
	if where.Goroutine != nil {
		row := NewRow(where.Goroutine)
		p.Row = &row
		if cd, err := s.q.CancelChain(ctx, chains.ID{Goroutine: where.ID}); err != nil {
			p.CancelError = err.Error()
		} else {
			p.Cancel = cd.JSON()
			p.Notes = append(p.Notes, cd.Notes()...)
			if c, ok := cd.(*query.CancelChainDoc); ok {
				for _, h := range c.Hops {
					s.sources.add(p.Sources, h.Stack)
				}
			}
		}
	}
	s.sources.add(p.Sources, where.Frames)
	for _, a := range where.Ancestors {
		s.sources.add(p.Sources, a.Stack)
	}
	return p, nil
}

func (s *Server) terminated(ctx context.Context, r *http.Request) (any, error) {
	var req query.PsTerminatedRequest
	if n := r.FormValue("name"); n != "" {
		re, err := regexp.Compile(n)
		if err != nil {
			return nil, badRequest("name: %v", err)
		}
		req.Filter.Name = re
	}
	if o := r.FormValue("outcome"); o != "" {
		outs, err := chains.ParseOutcomes(o)
		if err != nil {
			return nil, badRequest("%v", err)
		}
		req.Filter.Outcomes = outs
	}
	req.Filter.Group = r.FormValue("group")
	req.Runtime = r.FormValue("runtime") == "1"
	d, err := s.q.PsTerminated(ctx, req)
	if err != nil {
		return nil, err
	}
	_, tracked := d.(*query.PsTerminatedDoc)
	return map[string]any{"tracker": tracked, "doc": d.JSON()}, nil
}

func (s *Server) whereTerminated(ctx context.Context, r *http.Request) (any, error) {
	id, err := chains.ParseID(r.PathValue("id"))
	if err != nil {
		return nil, badRequest("%v", err)
	}
	d, err := s.q.WhereTerminated(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.JSON(), nil
}

func (s *Server) swallowed(ctx context.Context, _ *http.Request) (any, error) {
	d, err := s.q.Ps(ctx, query.PsRequest{Cancelled: true})
	if err != nil {
		return nil, err
	}
	return map[string]any{"doc": d.JSON(), "notes": d.Notes()}, nil
}

func (s *Server) noteStop(st model.StopState, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last, s.hasState, s.lastErr = st, true, ""
	if err != nil {
		s.lastErr = err.Error()
	}
}

// halt stops a target the web view or the prompt continued; Halt is the
// one session call allowed while Continue runs, so it takes no lock. A
// target the web view continued is halted until its Continue returns.
func (s *Server) halt(context.Context, *http.Request) (any, error) {
	if !s.lock.Running() {
		return nil, &httpError{http.StatusConflict, errors.New("the target is not running")}
	}
	if r := s.currentRun(); r != nil {
		if _, err := s.stopRun(r, false); err != nil {
			return nil, err
		}
	} else if _, err := s.ctl.Halt(); err != nil { // the prompt continued it: its continue returns
		return nil, err
	}
	return map[string]bool{"halted": true}, nil
}

// cont resumes the target: Continue runs in the background, holding the
// session, until a breakpoint, an exit or halt.
func (s *Server) cont(context.Context, *http.Request) (any, error) {
	if !s.lock.TryAcquire() {
		return nil, &httpError{http.StatusConflict, errors.New("the session is busy (the target is running or the prompt is running a command)")}
	}
	s.startRun()
	return map[string]bool{"running": true}, nil
}

func (s *Server) cancel(ctx context.Context, r *http.Request) (any, error) {
	id, err := chains.ParseID(r.FormValue("task"))
	if err != nil || !id.IsTask() {
		return nil, badRequest("task: want t:N")
	}
	wait, cancelWait := context.WithTimeout(ctx, lockWait)
	err = s.lock.Acquire(wait)
	cancelWait()
	if err != nil {
		return nil, &httpError{http.StatusServiceUnavailable, errors.New("the session is busy: try again")}
	}
	defer s.lock.Release()
	if err := s.q.RequireTracker(ctx); err != nil {
		return nil, err
	}
	done, err := s.ctl.CancelTask(id.Task)
	if err != nil {
		return nil, fmt.Errorf("cancel %s: %w", id, err)
	}
	return map[string]bool{"cancelled": done}, nil
}
