package dumptext

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// Options bound what Parse keeps. A zero field takes its default.
type Options struct {
	// MaxLineBytes is the longest line read (default 1 MiB); the rest of a
	// longer line is skipped, with a note.
	MaxLineBytes int
	// MaxGoroutines is the most goroutines kept over all dumps (default
	// 2,000,000: each costs about 600 bytes besides its frames).
	MaxGoroutines int
	// MaxFrames is the most frames kept per goroutine and per ancestor
	// section (default 1024; the runtime prints at most 100 logical frames
	// per stack, 50 per ancestor).
	MaxFrames int
	// MaxAncestors is the most ancestor sections kept per goroutine
	// (default model.MaxAncestors).
	MaxAncestors int
	// MaxDumps is the most dumps kept (default 1024); later ones are
	// counted in a note.
	MaxDumps int
	// MaxNotes is the most notes kept per dump (default 50); the others
	// are counted.
	MaxNotes int
}

// Defaults of Options.
const (
	DefaultMaxLineBytes  = 1 << 20
	DefaultMaxGoroutines = 2_000_000
	DefaultMaxFrames     = 1024
	DefaultMaxDumps      = 1024
	DefaultMaxNotes      = 50
	// MaxPreamble is how many preamble lines a Dump keeps.
	MaxPreamble = 32
)

func (o Options) withDefaults() Options {
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxGoroutines <= 0 {
		o.MaxGoroutines = DefaultMaxGoroutines
	}
	if o.MaxFrames <= 0 {
		o.MaxFrames = DefaultMaxFrames
	}
	if o.MaxAncestors <= 0 {
		o.MaxAncestors = model.MaxAncestors
	}
	if o.MaxDumps <= 0 {
		o.MaxDumps = DefaultMaxDumps
	}
	if o.MaxNotes <= 0 {
		o.MaxNotes = DefaultMaxNotes
	}
	return o
}

// ErrNoDump is returned by Parse when the text holds no goroutine.
var ErrNoDump = errors.New("no goroutine dump found (expected lines like \"goroutine 1 [running]:\")")

// Parse reads every goroutine dump in r. It fails only when r fails or
// holds no goroutine at all; malformed text becomes notes.
func Parse(r io.Reader, opts Options) (*File, error) {
	p := newParser(opts.withDefaults())
	br := bufio.NewReaderSize(r, 256<<10)
	for {
		line, err := p.readLine(br)
		if len(line) > 0 || err == nil {
			p.lineno++
			p.line(line)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read goroutine dump: line %d: %w", p.lineno+1, err)
		}
	}
	p.endDump()
	p.file.Lines = p.lineno
	if p.droppedDumps {
		p.file.Notes = append(p.file.Notes, Note{Text: fmt.Sprintf("only the first %d dumps were kept", p.opts.MaxDumps)})
	}
	if p.goroutines == 0 {
		return p.file, ErrNoDump
	}
	return p.file, nil
}

// section says what the lines being read belong to.
type section int

const (
	outside   section = iota // log text, preamble
	inStack                  // a goroutine's frames
	inCreated                // after "created by", waiting for its location
)

type parser struct {
	opts  Options
	file  *File
	names map[string]string // interned function, file, label strings
	// labelSets shares one map between goroutines printed with the same
	// labels text (bounded).
	labelSets map[string]map[string]string

	lineno int
	long   []byte // a line longer than bufio's buffer, assembled

	prefix []byte // the log prefix of the current dump's headers

	dump    *Dump
	ids     map[int64]int // goroutine id → index in dump.Goroutines
	g       *Goroutine    // goroutine being read (nil: none)
	skipG   bool          // the current section is not kept (goroutine 0, limits)
	anc     *Ancestor     // ancestor section being read, nil in the main stack
	sec     section
	pending *model.Frame // function line waiting for its location
	created *model.Location
	frames  []model.Frame // frames of the stack being read
	chunks  [][]Goroutine // the current dump's goroutines, chunkSize each
	count   int           // goroutines in chunks
	arena   []model.Frame // storage the goroutines' frames are copied into

	goroutines   int
	droppedDumps bool
	skipped      int // unrecognised lines inside goroutine sections
	firstSkipped int
	omitted      int // notes over MaxNotes
}

// chunkSize is how many goroutines a chunk holds while a dump is read.
const chunkSize = 4096

// gAt returns the current dump's i-th goroutine.
func (p *parser) gAt(i int) *Goroutine { return &p.chunks[i/chunkSize][i%chunkSize] }

func newParser(opts Options) *parser {
	return &parser{opts: opts, file: &File{}, names: map[string]string{}, labelSets: map[string]map[string]string{}}
}

// readLine returns the next line without its end of line, at most
// MaxLineBytes of it.
func (p *parser) readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		p.long = append(p.long[:0], line...)
		truncated := false
		for err == bufio.ErrBufferFull {
			line, err = br.ReadSlice('\n')
			if len(p.long)+len(line) > p.opts.MaxLineBytes {
				truncated = true
				line = line[:max(0, min(len(line), p.opts.MaxLineBytes-len(p.long)))]
			}
			p.long = append(p.long, line...)
		}
		if truncated {
			p.notef(p.lineno+1, "line longer than %d bytes: the rest was skipped", p.opts.MaxLineBytes)
		}
		line = p.long
	}
	if len(line) > p.opts.MaxLineBytes {
		line = line[:p.opts.MaxLineBytes]
		p.notef(p.lineno+1, "line longer than %d bytes: the rest was skipped", p.opts.MaxLineBytes)
	}
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	return line, err
}

func (p *parser) intern(b []byte) string {
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	if len(p.names) > 1<<20 {
		return string(b) // bound the table: a hostile text of unique names
	}
	s := string(b)
	p.names[s] = s
	return s
}

// notef records a note in the current dump (or the file outside any dump).
func (p *parser) notef(line int, format string, args ...any) {
	notes := &p.file.Notes
	if p.dump != nil {
		notes = &p.dump.Notes
	}
	if len(*notes) >= p.opts.MaxNotes {
		p.omitted++
		return
	}
	*notes = append(*notes, Note{Line: line, Text: fmt.Sprintf(format, args...)})
}

// line handles one line of text.
func (p *parser) line(raw []byte) {
	body, ok := p.stripPrefix(raw)
	if !ok {
		// Not this dump's prefix: another header prefix, or an
		// interleaved log line.
		if i := headerIndex(raw); i >= 0 {
			p.prefix = append(p.prefix[:0], raw[:i]...)
			p.header(raw[i:])
			return
		}
		if p.sec == outside {
			p.preamble(raw, true)
		}
		return
	}
	if len(body) == 0 {
		p.endGoroutine()
		return
	}
	switch p.sec {
	case inStack, inCreated:
		if p.stackLine(body) {
			if p.dump != nil {
				p.dump.LastLine = p.lineno
			}
			return
		}
	}
	if bytes.HasPrefix(body, goroutinePrefix) && isHeader(body) {
		p.header(body)
		return
	}
	if i := headerIndex(raw); i >= 0 {
		p.prefix = append(p.prefix[:0], raw[:i]...)
		p.header(raw[i:])
		return
	}
	if p.sec != outside {
		if isNoise(body) {
			p.endGoroutine()
			p.preamble(body, false)
			return
		}
		if p.skipped == 0 {
			p.firstSkipped = p.lineno
		}
		p.skipped++
		return
	}
	p.preamble(body, len(p.prefix) == 0)
}

var (
	goroutinePrefix = []byte("goroutine ")
	createdPrefix   = []byte("created by ")
	inGoroutine     = []byte(" in goroutine ")
	originating     = []byte("[originating from goroutine ")
	elidedPrefix    = []byte("...")
	elidedSuffix    = []byte(" frames elided...")
	unavailable     = []byte("goroutine running on other thread; stack unavailable")
)

// stripPrefix removes the current dump's log prefix from raw. A prefix
// matches when it is the same text, or the same text with different digits
// (timestamps, counters); ok is false when raw does not carry it.
func (p *parser) stripPrefix(raw []byte) ([]byte, bool) {
	if len(p.prefix) == 0 {
		return raw, true
	}
	if bytes.HasPrefix(raw, p.prefix) {
		return raw[len(p.prefix):], true
	}
	i, j := 0, 0
	for i < len(p.prefix) {
		if j >= len(raw) {
			return nil, false
		}
		if isDigit(p.prefix[i]) && isDigit(raw[j]) {
			for i < len(p.prefix) && isDigit(p.prefix[i]) {
				i++
			}
			for j < len(raw) && isDigit(raw[j]) {
				j++
			}
			continue
		}
		if p.prefix[i] != raw[j] {
			return nil, false
		}
		i++
		j++
	}
	return raw[j:], true
}

// trimSpaceRight removes trailing spaces.
func trimSpaceRight(s []byte) []byte {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isHeader reports whether s is a goroutine header: "goroutine N" followed
// by " [" or " gp=", ending with "]:" (and maybe spaces).
func isHeader(s []byte) bool { return hasHeaderEnd(s) && hasHeaderStart(s) }

// hasHeaderEnd reports whether s ends like a goroutine header: "]:", or
// "}:" after Go 1.27's labels.
func hasHeaderEnd(s []byte) bool {
	s = trimSpaceRight(s)
	return bytes.HasSuffix(s, []byte("]:")) || bytes.HasSuffix(s, []byte("}:"))
}

// hasHeaderStart reports whether s starts like a goroutine header.
func hasHeaderStart(s []byte) bool {
	if !bytes.HasPrefix(s, goroutinePrefix) {
		return false
	}
	rest := s[len(goroutinePrefix):]
	n := 0
	for n < len(rest) && isDigit(rest[n]) {
		n++
	}
	if n == 0 {
		return false
	}
	rest = rest[n:]
	return bytes.HasPrefix(rest, []byte(" [")) || bytes.HasPrefix(rest, []byte(" gp="))
}

// headerIndex returns where a goroutine header starts in raw (after a log
// prefix), or -1. It is linear in raw's length: the end is checked once,
// and the digit runs after each "goroutine " do not overlap.
func headerIndex(raw []byte) int {
	if !hasHeaderEnd(raw) {
		return -1
	}
	off := 0
	for {
		i := bytes.Index(raw[off:], goroutinePrefix)
		if i < 0 {
			return -1
		}
		if hasHeaderStart(raw[off+i:]) {
			return off + i
		}
		off += i + len(goroutinePrefix)
	}
}

// isNoise reports lines the runtime prints around goroutine sections that
// end a section: register dumps, signal and runtime messages.
func isNoise(s []byte) bool {
	for _, p := range noisePrefixes {
		if bytes.HasPrefix(s, p) {
			return true
		}
	}
	// Register dump: "rax    0x0".
	i := 0
	for i < len(s) && ('a' <= s[i] && s[i] <= 'z' || isDigit(s[i])) {
		i++
	}
	if i >= 2 && i <= 8 {
		rest := bytes.TrimLeft(s[i:], " ")
		if len(rest) < len(s)-i && bytes.HasPrefix(rest, []byte("0x")) {
			return true
		}
	}
	return false
}

var noisePrefixes = [][]byte{
	[]byte("panic: "), []byte("fatal error: "), []byte("SIG"), []byte("PC="), []byte("[signal "),
	[]byte("signal "), []byte("runtime: "), []byte("runtime."), []byte("stack: "), []byte("unexpected "),
	[]byte("exit status "), []byte("goroutine profile: "), []byte("-----"), []byte("fatal: "),
}

// preamble handles a line outside goroutine sections: the lines that start
// a dump are kept, others (log text) ignored. search also finds them after
// an unknown log prefix.
func (p *parser) preamble(s []byte, search bool) {
	kind, at := preambleKind(s, search)
	if kind == "" {
		return
	}
	s = s[at:]
	switch kind {
	case "panic", "fatal", "profile":
		// A new crash or profile page after goroutines: a new dump.
		if p.dump != nil && p.count > 0 {
			p.endDump()
		}
	}
	d := p.currentDump()
	if d == nil {
		return
	}
	if p.count > 0 {
		// The crash output of other threads (GOTRACEBACK=crash): part of
		// this dump, not kept.
		return
	}
	if len(d.Preamble) < MaxPreamble {
		d.Preamble = append(d.Preamble, string(s))
	}
	if kind == "panic" || kind == "nested" {
		d.Panics = append(d.Panics, parsePanic(s))
	}
	if kind == "profile" && bytes.HasPrefix(s, []byte("goroutine profile: total ")) {
		p.notef(p.lineno, "a debug=1 goroutine profile holds no goroutine ids or parents: fetch it with ?debug=2")
	}
}

// preambleKind classifies a preamble line; at is where it starts in s.
func preambleKind(s []byte, search bool) (kind string, at int) {
	starts := []struct {
		kind string
		p    []byte
	}{
		{"panic", []byte("panic: ")}, {"fatal", []byte("fatal error: ")}, {"profile", []byte("goroutine profile: ")},
		{"signal", []byte("SIGQUIT: ")}, {"signal", []byte("SIGABRT: ")}, {"signal", []byte("SIGSEGV: ")},
		{"signal", []byte("SIGBUS: ")}, {"signal", []byte("SIGILL: ")}, {"signal", []byte("SIGFPE: ")},
		{"signal", []byte("SIGTRAP: ")}, {"signal", []byte("[signal ")}, {"signal", []byte("PC=")},
		{"nested", []byte("\tpanic: ")},
	}
	for _, st := range starts {
		if bytes.HasPrefix(s, st.p) {
			return st.kind, 0
		}
	}
	if !search {
		return "", 0
	}
	for _, st := range starts[:3] {
		if i := bytes.Index(s, st.p); i > 0 {
			return st.kind, i
		}
	}
	return "", 0
}

// parsePanic parses "panic: VALUE [recovered]" (or a nested "\tpanic: …").
func parsePanic(s []byte) Panic {
	s = bytes.TrimPrefix(bytes.TrimPrefix(s, []byte("\t")), []byte("panic: "))
	var pa Panic
	switch {
	case bytes.HasSuffix(s, []byte(" [recovered, repanicked]")):
		pa.Recovered, pa.Repanicked = true, true
		s = s[:len(s)-len(" [recovered, repanicked]")]
	case bytes.HasSuffix(s, []byte(" [recovered]")):
		pa.Recovered = true
		s = s[:len(s)-len(" [recovered]")]
	}
	pa.Value = string(s)
	return pa
}

// currentDump returns the dump being filled, starting one if needed; nil
// once MaxDumps dumps are kept.
func (p *parser) currentDump() *Dump {
	if p.dump != nil {
		return p.dump
	}
	if len(p.file.Dumps) >= p.opts.MaxDumps {
		return nil
	}
	p.dump = &Dump{Index: len(p.file.Dumps), FirstLine: p.lineno}
	p.ids = map[int64]int{}
	return p.dump
}

// endDump closes the current dump.
func (p *parser) endDump() {
	p.endGoroutine()
	d := p.dump
	if d == nil {
		return
	}
	if p.skipped > 0 {
		p.notef(p.firstSkipped, "%d lines inside goroutine sections were not traceback lines and were skipped (first at line %d)", p.skipped, p.firstSkipped)
	}
	if p.omitted > 0 {
		d.Notes = append(d.Notes, Note{Text: fmt.Sprintf("%d more notes not shown", p.omitted)})
	}
	p.skipped, p.omitted = 0, 0
	// One exact-size copy of the goroutines, rather than the repeated
	// copies of a growing slice.
	d.Goroutines = make([]Goroutine, p.count)
	for i, c := range p.chunks {
		copy(d.Goroutines[i*chunkSize:], c)
	}
	p.chunks, p.count = nil, 0
	if len(d.Goroutines) > 0 {
		p.file.Dumps = append(p.file.Dumps, d)
	} else {
		p.file.Notes = append(p.file.Notes, d.Notes...)
	}
	p.dump, p.ids = nil, nil
}

// header starts a goroutine section.
func (p *parser) header(s []byte) {
	p.endGoroutine()
	g, warnings, err := parseHeader(s, p)
	if err != nil {
		if p.currentDump() != nil {
			p.notef(p.lineno, "%v", err)
		}
		p.sec, p.skipG = inStack, true // read its frames, keep nothing
		return
	}
	g.Line = p.lineno
	prev, seen := p.ids[g.ID]
	// A goroutine printed as "running on other thread" first is printed
	// again by its own thread (GOTRACEBACK=crash): merged. Printed again
	// after its stack: the next dump.
	merge := seen && p.gAt(prev).StackUnavailable
	if seen && !merge {
		p.endDump()
	}
	d := p.currentDump()
	p.sec = inStack
	if d != nil {
		for _, w := range warnings {
			p.notef(p.lineno, "%s", w)
		}
	}
	if d == nil {
		p.skipG, p.droppedDumps = true, true
		return
	}
	if g.ID == 0 {
		p.skipG = true
		return
	}
	if merge {
		// The later section has the stack; the creator is printed both
		// times.
		old := p.gAt(prev)
		if g.CreatedBy.IsZero() {
			g.CreatedBy, g.ParentID = old.CreatedBy, old.ParentID
		}
		*old = g
		p.g = old
		return
	}
	if p.goroutines >= p.opts.MaxGoroutines {
		if p.goroutines == p.opts.MaxGoroutines {
			p.notef(p.lineno, "more than %d goroutines: the rest are not kept", p.opts.MaxGoroutines)
			p.goroutines++
		}
		p.skipG = true
		return
	}
	p.goroutines++
	p.ids[g.ID] = p.count
	if p.count%chunkSize == 0 {
		p.chunks = append(p.chunks, make([]Goroutine, 0, chunkSize))
	}
	c := &p.chunks[len(p.chunks)-1]
	*c = append(*c, g)
	p.count++
	p.g = &(*c)[len(*c)-1]
	d.LastLine = p.lineno
}

// endGoroutine closes the goroutine section being read.
func (p *parser) endGoroutine() {
	if p.sec == outside {
		return
	}
	if p.pending != nil {
		p.notef(p.lineno, "frame %s has no location line", p.pending.Function)
		p.pending = nil
	}
	if p.sec == inCreated {
		p.notef(p.lineno, "\"created by\" line has no location line")
	}
	p.flushFrames()
	p.g, p.anc, p.created, p.sec, p.skipG = nil, nil, nil, outside, false
	p.frames = p.frames[:0]
}

// flushFrames stores the frames read into the goroutine or ancestor they
// belong to.
func (p *parser) flushFrames() {
	if p.skipG || p.g == nil {
		p.frames = p.frames[:0]
		return
	}
	fs := p.store(p.frames)
	if p.anc != nil {
		p.anc.Frames = fs
	} else {
		p.g.Frames = fs
	}
	p.frames = p.frames[:0]
}

// store copies frames into the arena, so that 100k goroutines share a few
// large allocations.
func (p *parser) store(fs []model.Frame) []model.Frame {
	if len(fs) == 0 {
		return nil
	}
	if cap(p.arena)-len(p.arena) < len(fs) {
		p.arena = make([]model.Frame, 0, max(16<<10, len(fs)))
	}
	n := len(p.arena)
	p.arena = append(p.arena, fs...)
	return p.arena[n:len(p.arena):len(p.arena)]
}

// stackLine handles a line inside a goroutine section; false if it is not
// one.
func (p *parser) stackLine(s []byte) bool {
	if s[0] == '\t' || s[0] == ' ' {
		t := s
		for len(t) > 0 && (t[0] == '\t' || t[0] == ' ') {
			t = t[1:]
		}
		if bytes.Equal(t, unavailable) {
			if p.g != nil {
				p.g.StackUnavailable = true
			}
			return true
		}
		loc, ok := p.parseLocation(t)
		if !ok {
			if p.pending != nil || p.sec == inCreated {
				p.notef(p.lineno, "malformed location line %q", clip(s))
				p.pending = nil
				if p.sec == inCreated {
					p.sec = inStack
				}
				return true
			}
			return false
		}
		switch {
		case p.sec == inCreated:
			if p.created != nil {
				p.created.File, p.created.Line = loc.File, loc.Line
			}
			p.created, p.sec = nil, inStack
		case p.pending != nil:
			p.pending.File, p.pending.Line = loc.File, loc.Line
			p.addFrame(*p.pending)
			p.pending = nil
		default:
			p.notef(p.lineno, "location line %q follows no function line", clip(s))
		}
		return true
	}
	if p.pending != nil {
		p.notef(p.lineno-1, "frame %s has no location line", p.pending.Function)
		p.pending = nil
	}
	if p.sec == inCreated {
		p.notef(p.lineno-1, "\"created by\" line has no location line")
		p.sec = inStack
	}
	switch {
	case bytes.HasPrefix(s, createdPrefix):
		p.createdBy(s[len(createdPrefix):])
		return true
	case bytes.HasPrefix(s, originating):
		p.ancestor(s)
		return true
	case bytes.HasPrefix(s, elidedPrefix) && bytes.HasSuffix(s, []byte(" elided...")):
		p.elided(s)
		return true
	}
	fn, ok := functionName(s)
	if !ok {
		return false
	}
	p.pending = &model.Frame{Location: model.Location{Function: p.intern(fn)}}
	return true
}

// addFrame appends a frame to the stack being read, up to MaxFrames.
func (p *parser) addFrame(f model.Frame) {
	if len(p.frames) >= p.opts.MaxFrames {
		if p.g != nil && p.anc == nil && !p.g.Truncated && !p.skipG {
			p.g.Truncated = true
			p.notef(p.lineno, "goroutine %d: more than %d frames: the rest are not kept", p.g.ID, p.opts.MaxFrames)
		}
		return
	}
	if f.Function == "panic" && hasSuffixString(f.File, "runtime/panic.go") {
		f.Function = "runtime.gopanic" // the runtime prints gopanic as "panic"
	}
	p.frames = append(p.frames, f)
}

func hasSuffixString(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// createdBy handles "created by F[ in goroutine P]".
func (p *parser) createdBy(s []byte) {
	var parent int64
	if i := bytes.LastIndex(s, inGoroutine); i >= 0 {
		if id, err := strconv.ParseInt(string(s[i+len(inGoroutine):]), 10, 64); err == nil && id > 0 {
			parent = id
			s = s[:i]
		}
	}
	p.sec = inCreated
	if p.g == nil || p.skipG {
		p.created = nil
		return
	}
	loc := model.Location{Function: p.intern(s)}
	if p.anc != nil {
		p.anc.CreatedBy = loc
		p.created = &p.anc.CreatedBy
		return
	}
	p.g.CreatedBy, p.g.ParentID = loc, parent
	p.created = &p.g.CreatedBy
}

// ancestor starts an "[originating from goroutine N]:" section.
func (p *parser) ancestor(s []byte) {
	rest := bytes.TrimSuffix(s[len(originating):], []byte("]:"))
	id, err := strconv.ParseInt(string(rest), 10, 64)
	if err != nil || id < 0 {
		p.notef(p.lineno, "malformed ancestor line %q", clip(s))
		return
	}
	p.flushFrames()
	if p.g == nil || p.skipG {
		return
	}
	if len(p.g.Ancestors) >= p.opts.MaxAncestors {
		p.skipG = true // the rest of this goroutine's section is not kept
		return
	}
	p.g.Ancestors = append(p.g.Ancestors, Ancestor{ID: id})
	p.anc = &p.g.Ancestors[len(p.g.Ancestors)-1]
}

// elided handles "...N frames elided..." and "...additional frames
// elided...".
func (p *parser) elided(s []byte) {
	if p.g == nil || p.skipG {
		return
	}
	if p.anc != nil {
		p.anc.Elided = true
		return
	}
	n := -1
	if bytes.HasSuffix(s, elidedSuffix) {
		if v, err := strconv.Atoi(string(s[len(elidedPrefix) : len(s)-len(elidedSuffix)])); err == nil && v > 0 {
			n = v
		}
	}
	p.g.ElidedAt, p.g.Elided = len(p.frames), n
}

// functionName returns the function of a frame line: "main.f(0x1, ...)",
// "net/http.(*conn).serve(0xc0001)", "main.F[...](...)", "panic({0x1, 0x2})".
func functionName(s []byte) ([]byte, bool) {
	if len(s) < 3 || s[len(s)-1] != ')' {
		return nil, false
	}
	i := bytes.LastIndexByte(s, '(')
	if i <= 0 {
		return nil, false
	}
	// The arguments hold no parentheses; a method's receiver does, but it
	// is followed by the method name, not the end of the line.
	if bytes.IndexByte(s[:i], ' ') >= 0 || bytes.IndexByte(s[:i], '\t') >= 0 {
		return nil, false
	}
	return s[:i], true
}

// parseLocation parses "/path/file.go:12 +0x1d fp=0x… sp=0x… pc=0x…".
func (p *parser) parseLocation(s []byte) (model.Location, bool) {
	if i := bytes.Index(s, []byte(" +0x")); i >= 0 {
		s = s[:i]
	} else if i := bytes.Index(s, []byte(" fp=")); i >= 0 {
		s = s[:i]
	}
	i := bytes.LastIndexByte(s, ':')
	if i <= 0 || i == len(s)-1 {
		return model.Location{}, false
	}
	line := 0
	for _, c := range s[i+1:] {
		if !isDigit(c) || line > 1e9 {
			return model.Location{}, false
		}
		line = line*10 + int(c-'0')
	}
	return model.Location{File: p.intern(s[:i]), Line: line}, true
}

// clip shortens a line for a note.
func clip(s []byte) string {
	if len(s) > 120 {
		return string(s[:120]) + "…"
	}
	return string(s)
}
