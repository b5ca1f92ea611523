package dumptext

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// parseHeader parses a goroutine header, as runtime.goroutineheader prints
// it:
//
//	goroutine 7 [chan receive]:
//	goroutine 7 gp=0xc000003500 m=nil [chan receive, 2 minutes]:
//	goroutine 1 gp=0xc000002380 m=0 mp=0x6d5e60 [running, locked to thread]:
//	goroutine 9 [select, 5 minutes, locked to thread, synctest bubble 3 labels:{"k": "v"}]:  (Go 1.26)
//	goroutine 9 [select, 5 minutes] {k: v, "a b": "c\n"}:  (Go 1.27)
//	goroutine 4 [chan receive (leaked)]:
//
// Parts it cannot read (labels, an unknown ", …" part) are warnings: the
// goroutine is kept without them.
func parseHeader(s []byte, p *parser) (g Goroutine, warnings []string, err error) {
	s = trimSpaceRight(s)
	rest := s[len(goroutinePrefix):]
	n := 0
	for n < len(rest) && isDigit(rest[n]) {
		n++
	}
	id, err := strconv.ParseInt(string(rest[:n]), 10, 64)
	if err != nil {
		return Goroutine{}, nil, fmt.Errorf("malformed goroutine header %q: bad id", clip(s))
	}
	g = Goroutine{ID: id}
	rest = rest[n:]
	// gp=, m=, mp= (GOTRACEBACK=system/crash, or a throwing M's goroutine).
	for {
		if !bytes.HasPrefix(rest, []byte(" ")) || bytes.HasPrefix(rest, []byte(" [")) {
			break
		}
		end := bytes.IndexByte(rest[1:], ' ')
		if end < 0 {
			return Goroutine{}, nil, fmt.Errorf("malformed goroutine header %q", clip(s))
		}
		tok := rest[1 : 1+end]
		switch {
		case bytes.HasPrefix(tok, []byte("gp=")), bytes.HasPrefix(tok, []byte("mp=")):
		case bytes.HasPrefix(tok, []byte("m=")):
			g.M = string(tok[2:])
		default:
			return Goroutine{}, nil, fmt.Errorf("malformed goroutine header %q: unknown field %q", clip(s), clip(tok))
		}
		rest = rest[1+end:]
	}
	if !bytes.HasPrefix(rest, []byte(" [")) {
		return Goroutine{}, nil, fmt.Errorf("malformed goroutine header %q", clip(s))
	}
	// The state holds no ']': the first one closes it, unless Go 1.26's
	// labels (inside the brackets, quoted) come first.
	rest = rest[2:]
	closeAt := bytes.IndexByte(rest, ']')
	labels126 := bytes.Index(rest, []byte(" labels:{"))
	var inner []byte
	switch {
	case labels126 >= 0 && (closeAt < 0 || labels126 < closeAt):
		// Go 1.26: [state, … labels:{"k": "v"}]:
		if !bytes.HasSuffix(rest, []byte("}]:")) {
			return Goroutine{}, nil, fmt.Errorf("malformed goroutine header %q", clip(s))
		}
		inner = rest[:labels126]
		g.Labels, warnings = p.labels(rest[labels126+len(" labels:{"):len(rest)-2], parseLabels, id, warnings)
	case closeAt < 0:
		return Goroutine{}, nil, fmt.Errorf("malformed goroutine header %q", clip(s))
	default:
		inner = rest[:closeAt]
		switch after := rest[closeAt+1:]; {
		case bytes.Equal(after, []byte(":")):
		case bytes.HasPrefix(after, []byte(" {")) && bytes.HasSuffix(after, []byte("}:")):
			// Go 1.27: [state, …] {k: v, "k 2": "v 2"}:
			g.Labels, warnings = p.labels(after[2:len(after)-1], parseLabels127, id, warnings)
		default:
			return Goroutine{}, nil, fmt.Errorf("malformed goroutine header %q", clip(s))
		}
	}
	state := inner
	if i := bytes.Index(inner, []byte(", ")); i >= 0 {
		state = inner[:i]
		for parts := inner[i+2:]; len(parts) > 0; {
			part := parts
			if j := bytes.Index(parts, []byte(", ")); j >= 0 {
				part, parts = parts[:j], parts[j+2:]
			} else {
				parts = nil
			}
			switch {
			case bytes.Equal(part, []byte("locked to thread")):
				g.Locked = true
			case bytes.HasPrefix(part, []byte("synctest bubble ")):
			case bytes.HasSuffix(part, []byte(" minutes")), bytes.HasSuffix(part, []byte(" minute")):
				v, err := strconv.Atoi(string(part[:bytes.IndexByte(part, ' ')]))
				if err != nil || v < 0 {
					warnings = append(warnings, fmt.Sprintf("goroutine %d: bad wait time %q", id, clip(part)))
					continue
				}
				g.WaitMinutes = v
			default:
				warnings = append(warnings, fmt.Sprintf("goroutine %d: header part %q not understood", id, clip(part)))
			}
		}
	}
	g.State = p.intern(state)
	g.Status, g.WaitReason = classifyState(string(g.State))
	if g.WaitReason != "" {
		g.WaitReason = p.intern([]byte(g.WaitReason))
	}
	return g, warnings, nil
}

// classifyState maps the bracketed state to a status and wait reason: the
// runtime prints the wait reason of a waiting goroutine instead of
// "waiting", and the status name otherwise.
func classifyState(state string) (status, reason string) {
	state = strings.TrimSuffix(state, " (scan)")
	if r, ok := strings.CutSuffix(state, " (leaked)"); ok {
		return model.StatusLeaked, r
	}
	switch state {
	case "idle":
		return model.StatusIdle, ""
	case "runnable":
		return model.StatusRunnable, ""
	case "running":
		return model.StatusRunning, ""
	case "syscall":
		return model.StatusSyscall, ""
	case "waiting":
		return model.StatusWaiting, ""
	case "dead", "waiting for cgo callback":
		return model.StatusDead, ""
	case "copystack":
		return model.StatusCopystack, ""
	case "leaked":
		return model.StatusLeaked, ""
	case "???", "":
		return model.StatusUnknown, ""
	}
	// "preempted" is both a status and a wait reason; the wait reason is
	// what the runtime prints for a goroutine preempted for a stack scan,
	// the status for an asynchronously preempted one: it is reported as
	// the status.
	if state == "preempted" {
		return model.StatusPreempted, ""
	}
	return model.StatusWaiting, state
}

// labels parses a header's labels with parse (text ends with "}"), sharing
// the map with goroutines printed with the same text; a failure is a
// warning.
func (p *parser) labels(text []byte, parse func([]byte, *parser) (map[string]string, error), id int64, warnings []string) (map[string]string, []string) {
	if labels, ok := p.labelSets[string(text)]; ok {
		return labels, warnings
	}
	labels, err := parse(text, p)
	if err != nil {
		return nil, append(warnings, fmt.Sprintf("goroutine %d: labels not read: %v", id, err))
	}
	if len(p.labelSets) < 4096 && len(text) <= 4096 {
		p.labelSets[string(text)] = labels
	}
	return labels, warnings
}

// parseLabels127 parses Go 1.27's `k: v, "k 2": "v 2"}`: a key or value is
// printed bare when it is only letters, digits, '.', '/' and '_' (possibly
// empty), quoted as runtime.printquoted quotes otherwise.
func parseLabels127(s []byte, p *parser) (map[string]string, error) {
	labels := map[string]string{}
	token := func(s []byte) (string, []byte, error) {
		if len(s) > 0 && s[0] == '"' {
			return cutQuoted(s)
		}
		n := 0
		for n < len(s) && isBare(s[n]) {
			n++
		}
		return string(s[:n]), s[n:], nil
	}
	for first := true; ; first = false {
		if len(s) == 1 && s[0] == '}' {
			return labels, nil
		}
		if !first {
			if !bytes.HasPrefix(s, []byte(", ")) {
				return nil, fmt.Errorf("expected \", \" at %q", clip(s))
			}
			s = s[2:]
		}
		key, rest, err := token(s)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(rest, []byte(": ")) {
			return nil, fmt.Errorf("missing \": \" after key %q", key)
		}
		val, rest, err := token(rest[2:])
		if err != nil {
			return nil, err
		}
		if len(labels) < 1024 {
			labels[p.intern([]byte(key))] = p.intern([]byte(val))
		}
		s = rest
	}
}

// isBare reports the bytes Go 1.27 prints labels with unquoted.
func isBare(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '.' || c == '/' || c == '_'
}

// parseLabels parses `"k": "v", "k2": "v2"}` (the text after "labels:{"),
// quoted as runtime.printquoted quotes: \n \r \t \\ \" escaped, other
// non-printable or non-ASCII runes as \xNN, \uNNNN or \UNNNNNNNN.
func parseLabels(s []byte, p *parser) (map[string]string, error) {
	labels := map[string]string{}
	for {
		s = bytes.TrimLeft(s, " ,")
		if len(s) == 1 && s[0] == '}' {
			return labels, nil
		}
		key, rest, err := cutQuoted(s)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(rest, []byte(": ")) {
			return nil, fmt.Errorf("missing \": \" after key %q", key)
		}
		val, rest, err := cutQuoted(rest[2:])
		if err != nil {
			return nil, err
		}
		if len(labels) < 1024 {
			labels[p.intern([]byte(key))] = p.intern([]byte(val))
		}
		s = rest
		if len(s) > 0 && s[0] != ',' && s[0] != '}' {
			return nil, fmt.Errorf("unexpected %q after label %q", clip(s), key)
		}
	}
}

// cutQuoted unquotes the runtime-quoted string at the start of s.
func cutQuoted(s []byte) (string, []byte, error) {
	if len(s) == 0 || s[0] != '"' {
		return "", nil, fmt.Errorf("expected a quoted string at %q", clip(s))
	}
	var b []byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return string(b), s[i+1:], nil
		case '\\':
			if i+1 >= len(s) {
				return "", nil, fmt.Errorf("unterminated escape in %q", clip(s))
			}
			i++
			switch s[i] {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case '\\', '"':
				b = append(b, s[i])
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[i]]
				if i+n >= len(s) {
					return "", nil, fmt.Errorf("short escape in %q", clip(s))
				}
				v, err := strconv.ParseUint(string(s[i+1:i+1+n]), 16, 32)
				if err != nil {
					return "", nil, fmt.Errorf("bad escape in %q", clip(s))
				}
				b = utf8.AppendRune(b, rune(v))
				i += n
			default:
				return "", nil, fmt.Errorf("unknown escape \\%c in %q", s[i], clip(s))
			}
		default:
			b = append(b, c)
		}
	}
	return "", nil, fmt.Errorf("unterminated quoted string %q", clip(s))
}
