package render

import (
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// TerminationDoc is one terminated task in JSON: the tracker's record
// (task, outcome, text, panic_stack, ended, duration_ns, preserved) plus
// ago_ns, how long before the tracker's newest record it ended.
type TerminationDoc struct {
	model.Termination
	Ago time.Duration `json:"ago_ns"`
}

// PsTerminatedDoc is the document of ps-terminated --json.
type PsTerminatedDoc struct {
	// Now is the tracker's newest timestamp.
	Now time.Time `json:"now"`
	// Total is the number of terminated records read.
	Total int `json:"total"`
	// Skipped counts records not shown, by reason ("mid-write").
	Skipped map[string]int `json:"skipped"`
	// Problems and Partial say what of the tracker could not be read (as
	// model.Tracker's); TrackerNote puts them in one line.
	Problems []string `json:"problems"`
	Partial  bool     `json:"partial"`
	// TrackerNote is TrackerNote's line for the read ("" when complete).
	TrackerNote string `json:"tracker_note,omitempty"`
	// Terminated are the selected records, newest first.
	Terminated []TerminationDoc `json:"terminated"`
}

// TaskRefDoc is a task, live or ended, in JSON.
type TaskRefDoc struct {
	ID    uint64 `json:"id"`
	Known bool   `json:"known"`
	Live  bool   `json:"live"`
	Name  string `json:"name"`
	// GoroutineID is the goroutine that runs (or ran) the task.
	GoroutineID int64 `json:"goroutine_id"`
	// State and Location describe the live goroutine, when read.
	State    string          `json:"state,omitempty"`
	Location *model.Location `json:"location,omitempty"`
	// Outcome and Ended are set for an ended task.
	Outcome string     `json:"outcome,omitempty"`
	Ended   *time.Time `json:"ended,omitempty"`
}

// CancelHopDoc is one hop of a cancellation chain in JSON.
type CancelHopDoc struct {
	ContextID uint64 `json:"context_id"`
	// ParentContextID is the parent of a context cancelled through it.
	ParentContextID uint64 `json:"parent_context_id"`
	// TaskID is the task whose context this is (0: reached as a parent).
	TaskID uint64 `json:"task_id"`
	// How is "cancel", "parent" or "deadline".
	How   string        `json:"how"`
	Time  time.Time     `json:"time"`
	Ago   time.Duration `json:"ago_ns"`
	Cause string        `json:"cause"`
	// CancellerGoroutineID and CancellerTaskID name who called cancel.
	CancellerGoroutineID int64  `json:"canceller_goroutine_id"`
	CancellerTaskID      uint64 `json:"canceller_task_id"`
	CancellerAlive       bool   `json:"canceller_alive"`
	// Canceller is the canceller's task, null when not in a task.
	Canceller *TaskRefDoc `json:"canceller"`
	// Stack is the canceller's stack when it called cancel.
	Stack []model.Frame `json:"stack"`
	// End says why the chain stops here ("" when it goes on).
	End string `json:"end"`
}

// CancelChainDoc is the document of cancel-chain --json. With the tracker
// Task and Hops are set; without it, Contexts (the goroutine's context
// variables walked to the root).
type CancelChainDoc struct {
	Task     *TaskRefDoc          `json:"task"`
	Hops     []CancelHopDoc       `json:"hops"`
	Contexts []model.ContextChain `json:"contexts"`
}

// WhereTerminatedDoc is the document of where-terminated --json.
type WhereTerminatedDoc struct {
	Termination TerminationDoc `json:"termination"`
	// CreationChain are the parent tasks, nearest first.
	CreationChain []TaskRefDoc `json:"creation_chain"`
	// CancelChain is set when the task's context was cancelled.
	CancelChain []CancelHopDoc `json:"cancel_chain"`
	// TrackerNote is TrackerNote's line for the read ("" when complete).
	TrackerNote string `json:"tracker_note,omitempty"`
}

// SwallowedDoc is one entry of ps -cancelled --json.
type SwallowedDoc struct {
	GoroutineID int64       `json:"goroutine_id"`
	Task        *model.Task `json:"task"`
	ContextID   uint64      `json:"context_id"`
	How         string      `json:"how"`
	Cause       string      `json:"cause"`
	Err         string      `json:"err"`
	// Cancelled is when, null when unknown; Ago how long before the
	// tracker's newest record (0 unknown).
	Cancelled *time.Time    `json:"cancelled"`
	Ago       time.Duration `json:"ago_ns"`
	// State and Location are where the goroutine is stuck.
	State    string         `json:"state"`
	Location model.Location `json:"location"`
	// Context is the cancelled context variable (without the tracker).
	Context *model.ContextChain `json:"context"`
}

// TaskNodeDoc is one task of pstree -tasks --json.
type TaskNodeDoc struct {
	TaskRefDoc
	Group    string         `json:"group"`
	GroupID  uint64         `json:"group_id"`
	Children []TaskNodeDoc  `json:"children"`
	Groups   []TaskScopeDoc `json:"groups"`
}

// TaskScopeDoc is a tracker group and its tasks.
type TaskScopeDoc struct {
	GroupID uint64        `json:"group_id"`
	Name    string        `json:"name"`
	Tasks   []TaskNodeDoc `json:"tasks"`
}

// TaskForestDoc is the document of pstree -tasks --json.
type TaskForestDoc struct {
	Tasks  []TaskNodeDoc  `json:"tasks"`
	Groups []TaskScopeDoc `json:"groups"`
}

// NewTerminationDoc converts a record.
func NewTerminationDoc(tr *model.Tracker, e model.Termination) TerminationDoc {
	e.PanicStack = nonNil(e.PanicStack)
	e.Task.Created = nonNil(e.Task.Created)
	return TerminationDoc{Termination: e, Ago: since(nowOf(tr), e.Ended)}
}

// NewPsTerminatedDoc builds the ps-terminated --json document.
func NewPsTerminatedDoc(tr *model.Tracker, ts []model.Termination) PsTerminatedDoc {
	d := PsTerminatedDoc{Skipped: map[string]int{}, Problems: []string{}, Terminated: make([]TerminationDoc, len(ts))}
	if tr != nil {
		d.Now, d.Total, d.Partial = tr.Now, len(tr.Terminated), tr.Partial
		d.Problems = append(d.Problems, tr.Problems...)
		d.TrackerNote = TrackerNote(tr, nil)
		for k, v := range tr.Skipped {
			d.Skipped[k] = v
		}
	}
	for i, e := range ts {
		d.Terminated[i] = NewTerminationDoc(tr, e)
	}
	return d
}

// NewTaskRefDoc converts a task reference.
func NewTaskRefDoc(id uint64, known bool, r chains.TaskRef) TaskRefDoc {
	d := TaskRefDoc{ID: id, Known: known}
	if !known {
		return d
	}
	d.Live, d.Name, d.GoroutineID = r.Live, r.Task.Name, r.Task.GoroutineID
	if g := r.Goroutine; g != nil {
		loc := whereNow(g)
		d.GoroutineID, d.State, d.Location = g.ID, stateText(g), &loc
	}
	if e := r.Ended; e != nil {
		ended := e.Ended
		d.Outcome, d.Ended = e.Outcome, &ended
	}
	return d
}

// NewCancelHopDocs converts a cancellation chain; never nil.
func NewCancelHopDocs(tr *model.Tracker, hops []chains.CancelHop) []CancelHopDoc {
	out := make([]CancelHopDoc, len(hops))
	for i, h := range hops {
		d := CancelHopDoc{
			ContextID: h.ContextID, TaskID: h.TaskID, How: h.How, Time: h.Time, Ago: since(nowOf(tr), h.Time),
			Cause: h.Cause, CancellerGoroutineID: h.CancellerGoroutine, CancellerTaskID: h.CancellerTask,
			CancellerAlive: h.CancellerAlive, Stack: nonNil(h.Stack), End: h.End,
		}
		if h.Record != nil {
			d.ParentContextID = h.Record.ParentContextID
		}
		if h.CancellerTask != 0 {
			r := NewTaskRefDoc(h.CancellerTask, h.CancellerKnown, h.CancellerRef)
			if h.Canceller != nil {
				loc := whereNow(h.Canceller)
				r.State, r.Location = stateText(h.Canceller), &loc
			}
			d.Canceller = &r
		}
		out[i] = d
	}
	return out
}

// NewWhereTerminatedDoc builds the where-terminated --json document.
func NewWhereTerminatedDoc(tr *model.Tracker, e model.Termination, chain []chains.TaskAncestor, hops []chains.CancelHop) WhereTerminatedDoc {
	d := WhereTerminatedDoc{Termination: NewTerminationDoc(tr, e), CreationChain: make([]TaskRefDoc, len(chain)), CancelChain: NewCancelHopDocs(tr, hops),
		TrackerNote: TrackerNote(tr, nil)}
	for i, a := range chain {
		d.CreationChain[i] = NewTaskRefDoc(a.ID, a.Known, a.Ref)
	}
	return d
}

// NewSwallowedDocs converts swallowed cancellations; never nil.
func NewSwallowedDocs(ss []chains.Swallowed) []SwallowedDoc {
	out := make([]SwallowedDoc, len(ss))
	for i, s := range ss {
		d := SwallowedDoc{GoroutineID: s.Goroutine.ID, Task: s.Task, ContextID: s.ContextID, How: s.How, Cause: s.Cause,
			Err: s.Err, Ago: s.Ago, State: stateText(s.Goroutine), Location: whereNow(s.Goroutine), Context: s.Chain}
		if !s.Cancelled.IsZero() {
			c := s.Cancelled
			d.Cancelled = &c
		}
		if d.Task != nil && d.Task.Created == nil {
			t := *d.Task
			t.Created = []model.Frame{}
			d.Task = &t
		}
		out[i] = d
	}
	return out
}

// NewTaskForestDoc converts a task forest.
func NewTaskForestDoc(f chains.TaskForest) TaskForestDoc {
	onPath := map[*chains.TaskNode]bool{}
	return TaskForestDoc{Tasks: taskNodeDocs(f.Tasks, onPath), Groups: scopeDocs(f.Scopes, onPath)}
}

func taskNodeDocs(ns []*chains.TaskNode, onPath map[*chains.TaskNode]bool) []TaskNodeDoc {
	out := make([]TaskNodeDoc, 0, len(ns))
	for _, n := range ns {
		if n == nil || onPath[n] {
			continue
		}
		onPath[n] = true
		out = append(out, TaskNodeDoc{
			TaskRefDoc: NewTaskRefDoc(n.ID, n.Known, n.Ref),
			Group:      n.Ref.Task.Group, GroupID: n.Ref.Task.GroupID,
			Children: taskNodeDocs(n.Children, onPath), Groups: scopeDocs(n.Scopes, onPath),
		})
		delete(onPath, n)
	}
	return out
}

func scopeDocs(ss []*chains.TaskScope, onPath map[*chains.TaskNode]bool) []TaskScopeDoc {
	out := make([]TaskScopeDoc, len(ss))
	for i, s := range ss {
		out[i] = TaskScopeDoc{GroupID: s.GroupID, Name: s.Name, Tasks: taskNodeDocs(s.Tasks, onPath)}
	}
	return out
}
