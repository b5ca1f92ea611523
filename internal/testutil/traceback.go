package testutil

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// TracebackFrame is one frame of a goroutine's stack in a runtime traceback.
type TracebackFrame struct {
	// Function is the function name as printed, e.g. "main.level3",
	// "net/http.(*Server).Serve", "main.main.func1" or "main.F[...]".
	Function string
	// File and Line locate the frame.
	File string
	Line int
}

// TracebackGoroutine is one goroutine of a runtime traceback.
type TracebackGoroutine struct {
	// ID is the goroutine id.
	ID int64
	// State is the text between the header's brackets without the ", N
	// minutes", ", locked to thread", ", synctest bubble N" and labels parts:
	// "chan receive", "running", "select", "IO wait", "sync.Mutex.Lock",
	// "chan receive (nil chan)", "select (no cases)", "sleep"...
	State string
	// Minutes is how long the goroutine has been blocked, when the runtime
	// printed it (one minute or more), else 0.
	Minutes int
	// Locked reports ", locked to thread".
	Locked bool
	// Labels are the goroutine's pprof labels, printed in the header only when
	// the target runs with GODEBUG=tracebacklabels=1 (CrashCore sets it); nil
	// when none were printed.
	Labels map[string]string
	// Header is the complete header line.
	Header string
	// Frames is the stack, innermost first, without the "created by" frame.
	Frames []TracebackFrame
	// Elided reports that frames were left out ("...additional frames
	// elided..." or "...N frames elided...").
	Elided bool
	// StackUnavailable reports "goroutine running on other thread; stack
	// unavailable": Frames is then empty.
	StackUnavailable bool
	// CreatedBy is the function containing the go statement that created the
	// goroutine, e.g. "main.level2"; "" for goroutine 1 and for the rare
	// goroutines the runtime prints no creator for.
	CreatedBy string
	// CreatedAt is the location of that go statement (Function is CreatedBy).
	CreatedAt TracebackFrame
	// ParentID is the id P in "created by F in goroutine P", 0 if absent (as
	// for goroutines started by timers, e.g. time.AfterFunc callbacks, which
	// are "created by time.goFunc").
	ParentID int64
	// Ancestors are the "[originating from goroutine N]" sections printed when
	// the target runs with GODEBUG=tracebackancestors=N: the creator first,
	// then its creator, and so on.
	Ancestors []TracebackAncestor
}

// TracebackAncestor is an ancestor section of a goroutine's traceback: the
// stack its creator had when it executed the go statement.
type TracebackAncestor struct {
	// ID is the ancestor goroutine's id.
	ID int64
	// Frames is the ancestor's stack at creation time, innermost first.
	Frames []TracebackFrame
	// CreatedBy and CreatedAt locate the go statement that created the
	// ancestor ("" for goroutine 1).
	CreatedBy string
	CreatedAt TracebackFrame
}

// headerRE matches a goroutine header line in both formats:
//
//	goroutine 7 [chan receive]:
//	goroutine 7 gp=0xc000003500 m=nil [chan receive, 2 minutes]:
//	goroutine 1 gp=0xc000002380 m=0 mp=0x6d5e60 [running]:
var headerRE = regexp.MustCompile(`^goroutine (\d+)((?: gp=\S+)?(?: m=\S+)?(?: mp=\S+)?) \[(.*)\]:$`)

var (
	minutesRE  = regexp.MustCompile(`^(\d+) minutes?$`)
	createdRE  = regexp.MustCompile(`^created by (.+?)(?: in goroutine (\d+))?$`)
	ancestorRE = regexp.MustCompile(`^\[originating from goroutine (\d+)\]:$`)
	elidedRE   = regexp.MustCompile(`^\.\.\.(?:additional|\d+) frames elided\.\.\.$`)
)

// ParseTraceback parses the goroutine tracebacks that the Go runtime prints
// on a crash, on SIGQUIT or on an unrecovered panic (any GOTRACEBACK level;
// the "gp= m= mp=" header form of GOTRACEBACK=crash/system included) and
// returns the goroutines by id. Text around the goroutines (the signal line,
// register dumps, the panic message) is ignored. Stacks of system goroutines
// are kept; "goroutine 0" sections (the g0 stacks of threads, printed with
// GOTRACEBACK=crash) are not goroutines and are left out.
//
// It returns an error, with the line number, for a malformed header or
// location line, a frame without a location, or a repeated goroutine id.
func ParseTraceback(text []byte) (map[int64]TracebackGoroutine, error) {
	out := map[int64]TracebackGoroutine{}
	var (
		cur      *TracebackGoroutine
		anc      *TracebackAncestor
		frames   *[]TracebackFrame // frame list being filled
		pending  *TracebackFrame   // frame waiting for its location line
		created  *TracebackFrame   // created-by frame waiting for its location line
		lineno   int
		parseErr error
		// threadDumps is set after the first "-----" line: with
		// GOTRACEBACK=crash every thread then prints its own stacks, and a
		// thread running a goroutine (in C, say) prints that goroutine again.
		threadDumps bool
	)
	errorf := func(format string, a ...any) error {
		return fmt.Errorf("traceback line %d: %s", lineno, fmt.Sprintf(format, a...))
	}
	finish := func() error {
		if cur == nil {
			return nil
		}
		if pending != nil {
			return errorf("frame %s of goroutine %d has no location line", pending.Function, cur.ID)
		}
		if created != nil {
			return errorf("created-by frame of goroutine %d has no location line", cur.ID)
		}
		if cur.ID != 0 {
			if _, dup := out[cur.ID]; dup {
				if !threadDumps {
					return errorf("goroutine %d appears twice", cur.ID)
				}
				// A thread's own dump repeats a goroutine of the list: the
				// list's copy stays.
			} else {
				out[cur.ID] = *cur
			}
		}
		cur, anc, frames, pending, created = nil, nil, nil, nil, nil
		return nil
	}

	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		lineno++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "-----" {
			threadDumps = true
		}

		if strings.HasPrefix(line, "goroutine ") && (strings.HasSuffix(line, "]:") || strings.HasSuffix(line, "}:")) {
			if err := finish(); err != nil {
				return nil, err
			}
			g, err := parseHeader(line)
			if err != nil {
				return nil, errorf("%v", err)
			}
			cur = &g
			frames = &cur.Frames
			continue
		}
		if cur == nil {
			continue // text outside goroutine sections
		}
		if line == "" {
			if err := finish(); err != nil {
				return nil, err
			}
			continue
		}

		// Location line of the previous function or created-by line.
		if strings.HasPrefix(line, "\t") {
			if strings.TrimSpace(line) == "goroutine running on other thread; stack unavailable" {
				cur.StackUnavailable = true
				continue
			}
			file, ln, err := parseLocation(line)
			if err != nil {
				return nil, errorf("%v", err)
			}
			switch {
			case pending != nil:
				pending.File, pending.Line = file, ln
				*frames = append(*frames, *pending)
				pending = nil
			case created != nil:
				created.File, created.Line = file, ln
				created = nil
			default:
				return nil, errorf("location line %q follows no function line", line)
			}
			continue
		}
		if pending != nil {
			return nil, errorf("frame %s has no location line", pending.Function)
		}
		if created != nil {
			return nil, errorf("created-by line has no location line")
		}

		switch {
		case elidedRE.MatchString(line):
			cur.Elided = true
		case strings.HasPrefix(line, "created by "):
			m := createdRE.FindStringSubmatch(line)
			if m == nil {
				return nil, errorf("malformed created-by line %q", line)
			}
			var parent int64
			if m[2] != "" {
				parent, parseErr = strconv.ParseInt(m[2], 10, 64)
				if parseErr != nil {
					return nil, errorf("bad parent id in %q: %v", line, parseErr)
				}
			}
			if anc != nil {
				anc.CreatedBy = m[1]
				anc.CreatedAt.Function = m[1]
				created = &anc.CreatedAt
			} else {
				cur.CreatedBy = m[1]
				cur.CreatedAt.Function = m[1]
				cur.ParentID = parent
				created = &cur.CreatedAt
			}
		case ancestorRE.MatchString(line):
			id, err := strconv.ParseInt(ancestorRE.FindStringSubmatch(line)[1], 10, 64)
			if err != nil {
				return nil, errorf("bad ancestor id in %q: %v", line, err)
			}
			cur.Ancestors = append(cur.Ancestors, TracebackAncestor{ID: id})
			anc = &cur.Ancestors[len(cur.Ancestors)-1]
			frames = &anc.Frames
		default:
			fn, ok := parseFunctionLine(line)
			if !ok {
				// Not part of a goroutine section (e.g. a register dump
				// following it without a blank line): end the section.
				if err := finish(); err != nil {
					return nil, err
				}
				continue
			}
			pending = &TracebackFrame{Function: fn}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading traceback: %w", err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}

// parseHeader parses a "goroutine N ... [state]:" line. Labels are inside
// the brackets up to Go 1.26 (`[chan receive labels:{"k": "v"}]:`) and after
// them from Go 1.27 (`[chan receive] {k: v, "a b": "c"}:`).
func parseHeader(line string) (TracebackGoroutine, error) {
	var labels127 map[string]string
	if head, rest, ok := strings.Cut(line, "] {"); ok && strings.HasSuffix(line, "}:") && !strings.Contains(head, " labels:{") {
		l, err := parseLabels127(strings.TrimSuffix(rest, ":"))
		if err != nil {
			return TracebackGoroutine{}, fmt.Errorf("labels in %q: %w", line, err)
		}
		labels127 = l
		line = head + "]:"
	}
	g, err := parseHeader126(line)
	if labels127 != nil {
		g.Labels = labels127
	}
	return g, err
}

// parseLabels127 parses `k: v, "a b": "c"}` (Go 1.27: a key or value is
// quoted only when it holds a character outside [a-zA-Z0-9./_]).
func parseLabels127(s string) (map[string]string, error) {
	labels := map[string]string{}
	token := func(s string) (string, string, error) {
		if strings.HasPrefix(s, `"`) {
			return cutQuoted(s)
		}
		i := 0
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '/' || s[i] == '_') {
			i++
		}
		return s[:i], s[i:], nil
	}
	for first := true; ; first = false {
		if s == "}" {
			return labels, nil
		}
		if !first {
			var ok bool
			if s, ok = strings.CutPrefix(s, ", "); !ok {
				return nil, fmt.Errorf("expected \", \" at %q", s)
			}
		}
		key, rest, err := token(s)
		if err != nil {
			return nil, err
		}
		rest, ok := strings.CutPrefix(rest, ": ")
		if !ok {
			return nil, fmt.Errorf("missing \": \" after key %q", key)
		}
		val, rest, err := token(rest)
		if err != nil {
			return nil, err
		}
		labels[key] = val
		s = rest
	}
}

// parseHeader126 parses a header in the format up to Go 1.26.
func parseHeader126(line string) (TracebackGoroutine, error) {
	m := headerRE.FindStringSubmatch(line)
	if m == nil {
		return TracebackGoroutine{}, fmt.Errorf("malformed goroutine header %q", line)
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return TracebackGoroutine{}, fmt.Errorf("bad goroutine id in %q: %w", line, err)
	}
	g := TracebackGoroutine{ID: id, Header: line}
	inner := m[3]
	if i := strings.Index(inner, " labels:{"); i >= 0 {
		labels, err := parseLabels(inner[i+len(" labels:{"):])
		if err != nil {
			return TracebackGoroutine{}, fmt.Errorf("labels in %q: %w", line, err)
		}
		g.Labels = labels
		inner = inner[:i]
	}
	parts := strings.Split(inner, ", ")
	g.State = parts[0]
	for _, p := range parts[1:] {
		switch {
		case p == "locked to thread":
			g.Locked = true
		case strings.HasPrefix(p, "synctest bubble "):
		default:
			mm := minutesRE.FindStringSubmatch(p)
			if mm == nil {
				// Unknown suffix: keep it in the state rather than lose it.
				g.State += ", " + p
				continue
			}
			g.Minutes, _ = strconv.Atoi(mm[1])
		}
	}
	return g, nil
}

// parseLabels parses `"k": "v", "k2": "v2"}` (the text after "labels:{").
func parseLabels(s string) (map[string]string, error) {
	labels := map[string]string{}
	for {
		s = strings.TrimLeft(s, " ,")
		if strings.HasPrefix(s, "}") {
			return labels, nil
		}
		key, rest, err := cutQuoted(s)
		if err != nil {
			return nil, err
		}
		rest, ok := strings.CutPrefix(rest, ": ")
		if !ok {
			return nil, fmt.Errorf("missing \": \" after key %q", key)
		}
		val, rest, err := cutQuoted(rest)
		if err != nil {
			return nil, err
		}
		labels[key] = val
		s = rest
	}
}

// cutQuoted unquotes the Go string literal at the start of s.
func cutQuoted(s string) (string, string, error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", fmt.Errorf("expected a quoted string at %q: %w", s, err)
	}
	v, err := strconv.Unquote(q)
	if err != nil {
		return "", "", fmt.Errorf("unquoting %s: %w", q, err)
	}
	return v, s[len(q):], nil
}

// parseFunctionLine returns the function name of a frame line such as
// "main.f(0x1, ...)", "net/http.(*Server).Serve(...)" or "panic({0x1?, 0x2?})".
func parseFunctionLine(line string) (string, bool) {
	if !strings.HasSuffix(line, ")") || strings.HasPrefix(line, " ") {
		return "", false
	}
	i := strings.LastIndexByte(line, '(')
	if i <= 0 {
		return "", false
	}
	return line[:i], true
}

// parseLocation parses "\t/path/file.go:12 +0x1d fp=... sp=... pc=...".
func parseLocation(line string) (string, int, error) {
	s := strings.TrimPrefix(line, "\t")
	if i := strings.Index(s, " +0x"); i >= 0 {
		s = s[:i]
	} else if i := strings.Index(s, " fp="); i >= 0 {
		s = s[:i]
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("malformed location line %q", line)
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return "", 0, fmt.Errorf("malformed line number in %q: %w", line, err)
	}
	return s[:i], n, nil
}
