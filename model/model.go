// Package model holds the plain data types that dlv-tasks passes from the
// debugger client to the analysis (chains) and presentation (render) layers.
// Nothing here depends on Delve: dlvclient converts Delve's API types into
// these structs, and every other package works only with them.
package model

import (
	"sort"
	"strings"
	"time"
)

// Location is a point in the target's code.
type Location struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	PC       uint64 `json:"pc,omitempty"`
}

// ShortFile is the last two elements of a slash-separated path
// ("demo/main.go" for "/src/demo/main.go"), as tables show files.
func ShortFile(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return path
	}
	if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
		return path[j+1:]
	}
	return path
}

// IsZero reports whether the location is unknown.
func (l Location) IsZero() bool { return l.Function == "" && l.File == "" && l.Line == 0 }

// Goroutine status names, as the runtime's traceback prints them where the
// goroutine is not waiting. A waiting goroutine has StatusWaiting and a
// WaitReason.
const (
	StatusIdle      = "idle"
	StatusRunnable  = "runnable"
	StatusRunning   = "running"
	StatusSyscall   = "syscall"
	StatusWaiting   = "waiting"
	StatusDead      = "dead"
	StatusCopystack = "copystack"
	StatusPreempted = "preempted"
	StatusLeaked    = "leaked"
	StatusUnknown   = "unknown"
)

// Goroutine is one live goroutine of the target.
type Goroutine struct {
	// ID is the runtime's goroutine id (goid).
	ID int64 `json:"id"`
	// ParentID is the id of the goroutine that executed the go statement
	// (runtime.g.parentGoid); 0 when none (runtime-created goroutines, main).
	ParentID int64 `json:"parent_id"`
	// Status is one of the Status* constants.
	Status string `json:"status"`
	// WaitReason is the runtime's wait reason text ("chan receive"), empty
	// unless Status is StatusWaiting (or leaked).
	WaitReason string `json:"wait_reason"`
	// Waited is how long the goroutine has been blocked, where the runtime
	// knows it (runtime.g.waitsince is only stamped by the garbage
	// collector); 0 when unknown. It is a lower bound.
	Waited time.Duration `json:"waited_ns"`
	// WaitedAtLeast reports that Waited is a lower bound: "now" is the
	// latest clock reading the target's memory holds (a core), not the
	// clock itself (see Snapshot.Clock).
	WaitedAtLeast bool `json:"waited_lower_bound,omitempty"`
	// WaitedAtMost, when set, bounds Waited from above: the target was
	// gone by Clock.Before (a core of an idle process), so the wait lies
	// between Waited and WaitedAtMost.
	WaitedAtMost time.Duration `json:"waited_at_most_ns,omitempty"`
	// Labels are the goroutine's pprof labels.
	Labels map[string]string `json:"labels"`
	// LabelsIncomplete says what of the label set could not be read (too
	// many labels, a value over the reader's bound, unreadable memory); ""
	// when Labels is the whole set.
	LabelsIncomplete string `json:"labels_incomplete,omitempty"`
	// CurrentLocation is where the goroutine is now, runtime frames included.
	CurrentLocation Location `json:"current_location"`
	// Location is the topmost frame outside the runtime: where the user's
	// code is blocked or running.
	Location Location `json:"location"`
	// GoStatement is the go statement that created this goroutine; its
	// Function is the creator function ("created by" in tracebacks).
	GoStatement Location `json:"go_statement"`
	// Start is the goroutine's start function.
	Start Location `json:"start"`
	// ThreadID is the OS thread running the goroutine, 0 if none.
	ThreadID int `json:"thread_id,omitempty"`
	// System is true for goroutines the runtime started for itself, as the
	// runtime's own isSystemGoroutine decides it (approximated by start
	// function in package runtime).
	System bool `json:"system"`
	// Task is the tracker task this goroutine runs, nil without the tracker.
	Task *Task `json:"task"`
	// Unreadable is set when the debugger could not read this goroutine.
	Unreadable string `json:"unreadable,omitempty"`
	// CgoCallback marks the goroutine of an extra M, which runs C-to-Go
	// callbacks: the runtime keeps its id across every callback on that C
	// thread, so the goroutine now holding the id is not known to be the
	// one that created its children (they may come from an earlier
	// callback).
	CgoCallback bool `json:"cgo_callback,omitempty"`
}

// ExitedGoroutine is a goroutine that has exited but whose runtime record
// (runtime.g, status dead) has not been reused yet: a partial history that the
// runtime keeps by accident. Labels and wait state are gone.
type ExitedGoroutine struct {
	ID          int64    `json:"id"`
	ParentID    int64    `json:"parent_id"`
	GoStatement Location `json:"go_statement"`
	Start       Location `json:"start"`
	// CgoCallback marks the parked goroutine of an extra M between C-to-Go
	// callbacks (see Goroutine.CgoCallback): the id is handed to the next
	// callback on that thread.
	CgoCallback bool `json:"cgo_callback,omitempty"`
}

// Frame is one frame of a stack, innermost first in a Stack.
type Frame struct {
	Location
	// Err is set when the debugger could not unwind past this frame.
	Err string `json:"err,omitempty"`
}

// Ancestor is a goroutine that created another one, as recorded by the
// runtime with GODEBUG=tracebackancestors=N: its id and its stack at the
// moment it executed the go statement.
type Ancestor struct {
	ID         int64   `json:"id"`
	Stack      []Frame `json:"stack"`
	Unreadable string  `json:"unreadable,omitempty"`
}

// Task is a tracker task: a goroutine started through the tracker package
// (github.com/dlv-tasks/dlv-tasks/tracker).
type Task struct {
	ID       uint64 `json:"id"`
	Name     string `json:"name"`
	ParentID uint64 `json:"parent_id"`
	// Group names the tracker group the task belongs to ("" for none);
	// GroupID identifies it.
	Group   string `json:"group"`
	GroupID uint64 `json:"group_id"`
	// GoroutineID is the goroutine running (or that ran) the task; 0 if
	// the tracker could not learn it.
	GoroutineID int64 `json:"goroutine_id"`
	// ContextID is the tracker context the task was started with (0: an
	// untracked context).
	ContextID uint64    `json:"context_id"`
	Started   time.Time `json:"started"`
	// Created is the stack of the code that started the task.
	Created []Frame `json:"created"`
}

// Task outcomes, as recorded when a task ends.
const (
	OutcomeReturned  = "returned"
	OutcomeError     = "error"
	OutcomeCancelled = "cancelled"
	OutcomePanic     = "panic"
	OutcomeGoexit    = "goexit"
)

// Termination is the record of a tracker task that has ended.
type Termination struct {
	Task Task `json:"task"`
	// Outcome is one of the Outcome* constants.
	Outcome string `json:"outcome"`
	// Text is the error text or the panic value, cut to the tracker's limit.
	Text string `json:"text"`
	// PanicStack is where the task panicked (empty unless Outcome is panic).
	PanicStack []Frame       `json:"panic_stack"`
	Ended      time.Time     `json:"ended"`
	Duration   time.Duration `json:"duration_ns"`
	Preserved  bool          `json:"preserved"`
}

// How a context came to be cancelled.
const (
	CancelExplicit = "cancel"   // its cancel function was called
	CancelParent   = "parent"   // its parent was cancelled
	CancelDeadline = "deadline" // its deadline passed
)

// Cancellation is the tracker's record of one context being cancelled.
type Cancellation struct {
	ContextID uint64 `json:"context_id"`
	// ParentContextID is the tracker context this one derives from (0:
	// none, or an untracked parent).
	ParentContextID uint64 `json:"parent_context_id"`
	// How is one of the Cancel* constants.
	How string `json:"how"`
	// GoroutineID and TaskID name the canceller (TaskID 0: not in a task).
	GoroutineID int64  `json:"goroutine_id"`
	TaskID      uint64 `json:"task_id"`
	// Stack is the canceller's stack when it called cancel.
	Stack []Frame   `json:"stack"`
	Time  time.Time `json:"time"`
	Cause string    `json:"cause"`
}

// Tracker is everything the tracker package recorded in the target, as
// read from its memory.
type Tracker struct {
	Version int `json:"version"`
	// Now is the most recent time the tracker wrote: roughly when a core
	// was taken.
	Now  time.Time `json:"now"`
	Live []Task    `json:"live"`
	// Terminated are ended tasks, newest first; preserved records included
	// once.
	Terminated []Termination `json:"terminated"`
	// Cancellations are cancelled tracker contexts, newest first.
	Cancellations []Cancellation `json:"cancellations"`
	// Skipped counts records that were not read, by reason ("mid-write",
	// "corrupt"): never shown torn.
	Skipped map[string]int `json:"skipped"`
	// Dropped counts what the tracker itself could not record (arenas full).
	Dropped int `json:"dropped"`
	// Problems says, one line each (at most a few dozen), what could not be
	// read or was rejected: a corrupt ring header, an unreadable chunk,
	// duplicate chunk pointers, a task that claims a goroutine whose
	// task.id label says otherwise, a read cut by its time budget.
	Problems []string `json:"problems,omitempty"`
	// Partial is set when a read stopped at its time or byte budget: some
	// records were not read (counted in Skipped as "not read (budget)").
	Partial bool `json:"partial,omitempty"`
}

// ContextNode is one context on the path from a context value up to the
// root of its tree, as found in a goroutine's frame variables.
type ContextNode struct {
	// Type is the dynamic type (*context.cancelCtx, *context.timerCtx,
	// *context.valueCtx, …).
	Type string `json:"type"`
	Addr uint64 `json:"addr"`
	// Err is the context's error ("context canceled", "context deadline
	// exceeded"), empty while it is not cancelled.
	Err string `json:"err"`
	// Cause is the cancellation cause text, when set and different from Err.
	Cause string `json:"cause"`
	// Deadline is set for timer contexts.
	Deadline time.Time `json:"deadline"`
	// Unreadable is set when the context's memory could not be read (a
	// pointer to unmapped memory): the path ends here, and whether the
	// contexts above it are cancelled is not known.
	Unreadable string `json:"unreadable,omitempty"`
}

// ContextChain is a context variable of a goroutine's frame and its path to
// the root, innermost first. Cancelled is the index of the first cancelled
// context on the path (-1: none on the part walked).
type ContextChain struct {
	Frame     int           `json:"frame"`
	Function  string        `json:"function"`
	Variable  string        `json:"variable"`
	Path      []ContextNode `json:"path"`
	Cancelled int           `json:"cancelled"`
	// Incomplete says why the walk stopped before the root (cut after its
	// depth or time bound, unreadable memory, a cycle, a variable the
	// compiler optimized away); "" when it reached the root. With
	// Cancelled -1 it means "not known", not "not cancelled".
	Incomplete string `json:"incomplete,omitempty"`
	// HoldsCancel is set when the goroutine also holds the cancel function
	// of the context where this path's cancellation started (its topmost
	// cancelled context): it cancelled the context (or owns it), it is
	// not a victim of the cancellation.
	HoldsCancel bool `json:"holds_cancel,omitempty"`
}

// Target describes the debugged program.
type Target struct {
	// Kind is how the session reached the target: "connect", "attach",
	// "exec" or "core".
	Kind string `json:"kind"`
	PID  int    `json:"pid,omitempty"`
	// Executable is the path of the target binary, when known.
	Executable string `json:"executable,omitempty"`
	// Core is the core file, for post-mortem sessions.
	Core string `json:"core,omitempty"`
	// Live is false for core dumps: nothing can run.
	Live bool `json:"live"`
}

// Snapshot is everything read from the target at one stop.
type Snapshot struct {
	Target Target `json:"target"`
	// Goroutines are the live goroutines, ordered by ID.
	Goroutines []Goroutine `json:"goroutines"`
	// Exited are goroutines whose runtime record survives them, ordered by ID.
	Exited []ExitedGoroutine `json:"exited"`
	// Tracker is what the tracker package recorded; nil when the target
	// does not use it.
	Tracker *Tracker `json:"tracker"`
	// Clock is the "now" wait times are measured to.
	Clock Clock `json:"clock"`
	// Reader names how the goroutines were read: "runtime" (dlv-tasks'
	// reader of the runtime's structures) or "delve listing" (Delve's
	// goroutine listing, where the executable is not at hand).
	Reader string `json:"reader,omitempty"`
	// ReaderNote says why Delve's listing was used, or what the runtime
	// reader found corrupt in the target's memory; "" when all is well.
	ReaderNote string `json:"reader_note,omitempty"`
	// TargetPaused is how long a low-pause snapshot stopped the target to
	// copy what it reads; 0 for every other snapshot.
	TargetPaused time.Duration `json:"target_paused_ns,omitempty"`
}

// Clock is the target's monotonic clock (the runtime's nanotime) at the
// moment of a snapshot, as far as it is known.
type Clock struct {
	// Now is the runtime's nanotime; 0 when unknown.
	Now int64 `json:"now_ns"`
	// Source names where Now comes from: "CLOCK_MONOTONIC" (a live target
	// on this host), or the runtime variable that held the latest reading
	// (a core: "runtime.sched.lastpoll", "runtime.allp[i].limiterEvent", …).
	Source string `json:"source"`
	// LowerBound reports that the clock ran on after Now: wait times are
	// at least what they say.
	LowerBound bool `json:"lower_bound"`
	// Before, when set, is a nanotime the target did not live to (a core:
	// the runtime's system monitor would have woken and read the clock
	// again by then); BeforeSource names it.
	Before       int64  `json:"before_ns,omitempty"`
	BeforeSource string `json:"before_source,omitempty"`
}

// Sort orders Goroutines and Exited by ID, as the lookups below require.
// dlvclient returns sorted snapshots; hand-built ones call Sort.
func (s *Snapshot) Sort() {
	sort.Slice(s.Goroutines, func(i, j int) bool { return s.Goroutines[i].ID < s.Goroutines[j].ID })
	sort.Slice(s.Exited, func(i, j int) bool { return s.Exited[i].ID < s.Exited[j].ID })
}

// Goroutine returns the live goroutine with the given id, or nil.
func (s *Snapshot) Goroutine(id int64) *Goroutine {
	lo, hi := 0, len(s.Goroutines)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case s.Goroutines[m].ID < id:
			lo = m + 1
		case s.Goroutines[m].ID > id:
			hi = m
		default:
			return &s.Goroutines[m]
		}
	}
	return nil
}

// ExitedGoroutine returns the exited goroutine record with the given id, or nil.
func (s *Snapshot) ExitedGoroutine(id int64) *ExitedGoroutine {
	i := sort.Search(len(s.Exited), func(i int) bool { return s.Exited[i].ID >= id })
	if i < len(s.Exited) && s.Exited[i].ID == id {
		return &s.Exited[i]
	}
	return nil
}
