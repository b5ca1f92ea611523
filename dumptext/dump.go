// Package dumptext reads goroutine dumps: the text the Go runtime prints on
// a crash, an unrecovered panic or SIGQUIT (any GOTRACEBACK level), the
// /debug/pprof/goroutine?debug=2 page, and runtime.Stack(buf, true) output,
// in the formats of Go 1.21 to 1.27. A dump may be embedded in a log (a
// prefix repeated on every line, such as a timestamp or "[pod-x] ", is
// stripped; other lines interleaved with it are skipped), and a file may
// hold several dumps.
//
// Parse is pure and bounded: it reads the text once, line by line, keeps no
// more than Options allows, and never fails on malformed text — what it
// cannot read is reported as a Note with its line number, and everything else
// is still used. Each Dump converts into the model.Snapshot the other
// sources (live process, core) produce.
package dumptext

import "github.com/dlv-tasks/dlv-tasks/model"

// File is everything Parse found in one text.
type File struct {
	// Dumps are the goroutine dumps in text order.
	Dumps []*Dump
	// Lines is the number of lines read.
	Lines int
	// Notes are remarks about text outside any dump (limits reached).
	Notes []Note
}

// Dump is one goroutine dump: one crash, one SIGQUIT, one profile page or one
// runtime.Stack call.
type Dump struct {
	// Index is the dump's position in its file, from 0.
	Index int
	// FirstLine and LastLine are the 1-based line numbers the dump spans.
	FirstLine, LastLine int
	// Preamble holds the lines that introduced the dump ("panic: …",
	// "fatal error: …", "SIGQUIT: quit", "PC=…", "[signal …]"), prefix
	// stripped, at most MaxPreamble of them.
	Preamble []string
	// Panics are the "panic: " lines of the preamble, outermost first.
	Panics []Panic
	// Goroutines are in the order the text prints them; goroutine 0 (the
	// g0 stacks of threads, printed with GOTRACEBACK=crash) is not a
	// goroutine and is left out.
	Goroutines []Goroutine
	// Notes are what could not be read, with line numbers.
	Notes []Note
}

// Panic is one "panic: VALUE" line of a crash.
type Panic struct {
	Value string
	// Recovered is " [recovered]"; Repanicked is " [recovered,
	// repanicked]" (Go 1.25+: the value was re-panicked after recovery).
	Recovered, Repanicked bool
}

// Goroutine is one goroutine section of a dump.
type Goroutine struct {
	ID int64
	// Line is the 1-based line number of the goroutine's header.
	Line int
	// State is the text between the header's brackets, without the
	// minutes, "locked to thread", synctest bubble and labels parts.
	State string
	// Status is one of the model.Status* constants; WaitReason is the
	// runtime's wait reason when Status is waiting or leaked.
	Status, WaitReason string
	// WaitMinutes is the ", N minutes" of the header: the goroutine had
	// been blocked at least that many whole minutes (0: less than one, or
	// not printed).
	WaitMinutes int
	// Locked is ", locked to thread".
	Locked bool
	// Labels are the pprof labels printed with GODEBUG=tracebacklabels=1:
	// inside the brackets, quoted, in Go 1.26 (labels:{"k": "v"}), after
	// them, bare where possible, from Go 1.27 ({k: v}); nil when none
	// were printed.
	Labels map[string]string
	// M is the header's "m=" value with GOTRACEBACK=system/crash ("nil",
	// or the M's id), "" when absent.
	M string
	// Frames is the stack, innermost first, as printed.
	Frames []model.Frame
	// ElidedAt is the index in Frames where the runtime left Elided frames
	// out ("...N frames elided..."); Elided is -1 for the older
	// "...additional frames elided..." (count unknown), 0 when none.
	ElidedAt, Elided int
	// Truncated is set when Frames was cut at Options.MaxFrames.
	Truncated bool
	// StackUnavailable is "goroutine running on other thread; stack
	// unavailable".
	StackUnavailable bool
	// CreatedBy is the go statement that created the goroutine ("created
	// by F in goroutine P" and its location line); zero when not printed.
	CreatedBy model.Location
	// ParentID is P of "created by F in goroutine P" (Go 1.21+), 0 when
	// absent.
	ParentID int64
	// Ancestors are the "[originating from goroutine N]" sections
	// (GODEBUG=tracebackancestors=N): the creator first, then its creator.
	Ancestors []Ancestor
}

// Ancestor is an "[originating from goroutine N]" section: the creator's
// stack at the moment it executed the go statement.
type Ancestor struct {
	ID     int64
	Frames []model.Frame
	// Elided is "...additional frames elided..." after the frames.
	Elided    bool
	CreatedBy model.Location
}

// Note is a remark about the text, with the line it is about.
type Note struct {
	Line int
	Text string
}

// Cut reports whether the printed stack misses frames: elided by the
// runtime, or cut at Options.MaxFrames.
func (g *Goroutine) Cut() bool { return g.Elided != 0 || g.Truncated }

// Goroutine returns the goroutine with the given id, or nil.
func (d *Dump) Goroutine(id int64) *Goroutine {
	for i := range d.Goroutines {
		if d.Goroutines[i].ID == id {
			return &d.Goroutines[i]
		}
	}
	return nil
}
