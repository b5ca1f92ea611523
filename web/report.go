package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// Report bounds: what a report holds beyond the goroutines themselves.
const (
	// reportStackDepth is how many frames of each goroutine's stack a
	// report keeps (stacks are stored once per distinct stack).
	reportStackDepth = 64
	// maxReportTasks bounds how many live tasks get a cancellation chain,
	// and how many ended tasks get their where-terminated document.
	maxReportTasks = 5000
	// maxReportTopGroups bounds the groups of each Top grouping.
	maxReportTopGroups = 500
)

// reportTopGroups are the Top page's groupings a report holds.
var reportTopGroups = []string{"creation", "location", "start", "parent", "task", "group"}

// reportData is the report's embedded JSON. Rows and stacks refer to
// strings by index into Strings: 100k goroutines share few locations.
type reportData struct {
	Title     string              `json:"title"`
	Created   time.Time           `json:"created"`
	Strings   []string            `json:"strings"`
	LabelSets []map[string]string `json:"label_sets"`
	// Rows are [id, parent, state, status, wait_reason, wait_ns, wait,
	// labels (index into LabelSets), labels_text, task_id, task, group,
	// location, created_by, system (0/1), stack (index into Stacks, -1
	// none), go_statement [fn, file, line], start [fn, file, line],
	// creation chain (the index of its first link in Links, -1 for none,
	// null when the report holds none)].
	Rows   [][]any       `json:"rows"`
	Stacks []reportStack `json:"stacks"`
	// Links are the links of the creation chains the query layer computed
	// (query.CreationChains): [parent_id, go_statement, parent_alive
	// (0/1), parent_state, parent_location, parent_exited_start, next (the
	// next link's index, -1 at the end), and child_id only where the child
	// is not the goroutine or the previous link's parent], locations as
	// [fn, file, line] or null.
	Links           [][]any        `json:"links"`
	Tree            any            `json:"tree"`
	TaskTree        any            `json:"task_tree"`
	Terminated      map[string]any `json:"terminated"`
	WhereTerminated map[string]any `json:"where_terminated"`
	Swallowed       map[string]any `json:"swallowed"`
	Cancel          map[string]any `json:"cancel"`
	CancelNote      string         `json:"cancel_note"`
	// Top is what top says of the core's one snapshot (counts per group,
	// no trend), by group key.
	Top         map[string]query.TopView `json:"top"`
	Sources     map[string]string        `json:"sources"`
	Notes       []string                 `json:"notes"`
	stringIndex map[string]int           `json:"-"`
	labelIndex  map[string]int           `json:"-"`
	stackIndex  map[string]int           `json:"-"`
	linkIndex   map[string]int           `json:"-"`
}

type reportStack struct {
	Frames [][3]any `json:"frames"`
	More   bool     `json:"more"`
}

func (d *reportData) str(s string) int {
	if i, ok := d.stringIndex[s]; ok {
		return i
	}
	d.Strings = append(d.Strings, s)
	d.stringIndex[s] = len(d.Strings) - 1
	return len(d.Strings) - 1
}

func (d *reportData) loc(l model.Location) []any {
	return []any{d.str(l.Function), d.str(l.File), l.Line}
}

func (d *reportData) labels(r *Row) int {
	if i, ok := d.labelIndex[r.LabelsText]; ok {
		return i
	}
	d.LabelSets = append(d.LabelSets, r.Labels)
	d.labelIndex[r.LabelsText] = len(d.LabelSets) - 1
	return len(d.LabelSets) - 1
}

func (d *reportData) stack(st model.Stack, sources *sourceCache) int {
	var key bytes.Buffer
	for _, f := range st.Frames {
		fmt.Fprintf(&key, "%s\x00%s\x00%d\x00", f.Function, f.File, f.Line)
	}
	if st.More {
		key.WriteString("+")
	}
	if i, ok := d.stackIndex[key.String()]; ok {
		return i
	}
	rs := reportStack{Frames: make([][3]any, len(st.Frames)), More: st.More}
	for i, f := range st.Frames {
		rs.Frames[i] = [3]any{d.str(f.Function), d.str(f.File), f.Line}
	}
	sources.add(d.Sources, st.Frames)
	d.Stacks = append(d.Stacks, rs)
	d.stackIndex[key.String()] = len(d.Stacks) - 1
	return len(d.Stacks) - 1
}

func (d *reportData) optLoc(l *model.Location) any {
	if l == nil {
		return nil
	}
	return d.loc(*l)
}

// chain stores the creation chain of goroutine id and returns the index of
// its first link (-1: an empty chain). Each link refers to the next one of
// the chain, and chains that end alike share their links: a deep creation
// tree keeps one link per goroutine, not one per goroutine and level. A
// link leaves out its child, which is the goroutine for the first link and
// the previous link's parent after (as chains.CreationChain walks); a link
// that breaks that rule carries its child.
func (d *reportData) chain(id int64, links []render.LinkDoc) int {
	next := -1
	for i := len(links) - 1; i >= 0; i-- {
		l := links[i]
		alive := 0
		if l.ParentAlive {
			alive = 1
		}
		enc := []any{l.ParentID, d.loc(l.GoStatement), alive, d.str(l.ParentState), d.optLoc(l.ParentLocation),
			d.optLoc(l.ParentExitedStart), next}
		child := id
		if i > 0 {
			child = links[i-1].ParentID
		}
		if l.ChildID != child {
			enc = append(enc, l.ChildID)
		}
		key, _ := json.Marshal(enc)
		j, ok := d.linkIndex[string(key)]
		if !ok {
			d.Links = append(d.Links, enc)
			j = len(d.Links) - 1
			d.linkIndex[string(key)] = j
		}
		next = j
	}
	return next
}

// ReportStats says what went into a report.
type ReportStats struct {
	Goroutines, Stacks, Bytes int
}

// WriteReport writes one self-contained HTML file of the session's views:
// the page, its CSS and script inline, and the data as JSON inside it. It
// opens offline in any browser and fetches nothing (its
// Content-Security-Policy forbids any connection).
func WriteReport(ctx context.Context, src query.Source, title string, w io.Writer) (ReportStats, error) {
	var stats ReportStats
	q := query.New(src)
	d := &reportData{Title: title, Created: time.Now().UTC(), stringIndex: map[string]int{}, labelIndex: map[string]int{},
		stackIndex: map[string]int{}, linkIndex: map[string]int{}, Links: [][]any{}, Sources: map[string]string{}, Cancel: map[string]any{}, WhereTerminated: map[string]any{}}
	sources := newSourceCache()

	ps, err := q.Ps(ctx, query.PsRequest{})
	if err != nil {
		return stats, fmt.Errorf("report: ps: %w", err)
	}
	d.Notes = append(d.Notes, ps.Notes()...)
	gs := ps.(*query.PsDoc).Goroutines
	ids := make([]int64, len(gs))
	for i := range gs {
		ids[i] = gs[i].ID
	}
	stacks := src.Stacks(ctx, ids, reportStackDepth)
	if ctx.Err() != nil {
		return stats, query.ErrInterrupted
	}
	// Creation chains: the query layer's, as the goroutine page shows them
	// live.
	cd, err := q.CreationChains(ctx, query.ChainsRequest{})
	if err != nil {
		return stats, fmt.Errorf("report: creation chains: %w", err)
	}
	d.Notes = append(d.Notes, cd.Notes()...)
	d.Rows = make([][]any, len(gs))
	for i := range gs {
		g := &gs[i]
		r := NewRow(g)
		stackIdx := -1
		if st, ok := stacks[g.ID]; ok {
			stackIdx = d.stack(st, sources)
		}
		sys := 0
		if r.System {
			sys = 1
		}
		d.Rows[i] = []any{r.ID, r.Parent, d.str(r.State), d.str(r.Status), d.str(r.WaitReason), r.WaitNs, d.str(r.Wait),
			d.labels(&r), d.str(r.LabelsText), r.TaskID, d.str(r.Task), d.str(r.Group), d.str(r.Location), d.str(r.CreatedBy),
			sys, stackIdx, d.loc(chains.CreationSite(g)), d.loc(g.Start), nil}
		if chain, ok := cd.Chain(g.ID); ok {
			d.Rows[i][18] = d.chain(g.ID, render.NewLinkDocs(chain))
		}
	}

	tree, err := q.Tree(ctx, query.TreeRequest{OnlyGoroutines: true})
	if err != nil {
		return stats, fmt.Errorf("report: tree: %w", err)
	}
	d.Tree = tree.JSON()
	if tasks, err := q.Tree(ctx, query.TreeRequest{OnlyTasks: true}); err == nil {
		d.TaskTree = tasks.JSON()
	} else if !errors.Is(err, chains.ErrNoTracker) {
		return stats, fmt.Errorf("report: task tree: %w", err)
	}

	term, err := q.PsTerminated(ctx, query.PsTerminatedRequest{})
	if err != nil {
		return stats, fmt.Errorf("report: ended tasks: %w", err)
	}
	ended, tracked := term.(*query.PsTerminatedDoc)
	d.Terminated = map[string]any{"tracker": tracked, "doc": term.JSON()}
	if tracked {
		for i, e := range ended.Ended {
			if i == maxReportTasks {
				d.Notes = append(d.Notes, fmt.Sprintf("the details of the %d newest ended tasks only", maxReportTasks))
				break
			}
			wt, err := q.WhereTerminated(ctx, chains.ID{Task: e.Task.ID})
			if err == nil {
				d.WhereTerminated["t:"+strconv.FormatUint(e.Task.ID, 10)] = wt.JSON()
			}
		}
	}

	sw, err := q.Ps(ctx, query.PsRequest{Cancelled: true})
	if err != nil {
		return stats, fmt.Errorf("report: swallowed cancellations: %w", err)
	}
	d.Swallowed = map[string]any{"doc": sw.JSON(), "notes": sw.Notes()}

	// Cancellation chains: from the tracker's records, for the goroutines
	// that run a task (walking every goroutine's frame contexts would cost
	// a debugger round trip per frame).
	if tracked {
		n := 0
		for i := range gs {
			if gs[i].Task == nil {
				continue
			}
			if n++; n > maxReportTasks {
				d.Notes = append(d.Notes, fmt.Sprintf("cancellation chains of the first %d tasks only", maxReportTasks))
				break
			}
			cd, err := q.CancelChain(ctx, chains.ID{Goroutine: gs[i].ID})
			if err != nil {
				continue
			}
			if c, ok := cd.(*query.CancelChainDoc); ok {
				for _, h := range c.Hops {
					sources.add(d.Sources, h.Stack)
				}
			}
			d.Cancel[strconv.FormatInt(gs[i].ID, 10)] = cd.JSON()
		}
		d.CancelNote = "this goroutine runs no tracker task: the report holds no cancellation chain for it (the live view walks its frames' contexts)"
	} else {
		d.CancelNote = "the target does not use the tracker: a report holds no cancellation chains (the live view walks a goroutine's frame contexts)"
	}
	// Top: the one snapshot's counts, for each group key that needs no
	// label key or stack.
	d.Top = map[string]query.TopView{}
	for _, group := range reportTopGroups {
		td, err := q.TopOne(ctx, group, "", maxReportTopGroups)
		if err != nil {
			return stats, fmt.Errorf("report: top by %s: %w", group, err)
		}
		d.Top[group] = td.View()
	}
	if d.LabelSets == nil {
		d.LabelSets = []map[string]string{}
	}

	// json.Marshal escapes <, > and & (as \u003c …): the data cannot close
	// its script element, whatever the target's strings hold.
	data, err := json.Marshal(d)
	if err != nil {
		return stats, fmt.Errorf("report: encode: %w", err)
	}
	nonce := newNonce()
	cw := &countingWriter{w: w}
	err = writePage(cw, pageData{Title: "dlv-tasks report: " + title, Nonce: nonce, CSP: csp(nonce, "'none'"),
		Data: templateJS(data)})
	stats = ReportStats{Goroutines: len(gs), Stacks: len(d.Stacks), Bytes: cw.n}
	if err != nil {
		return stats, fmt.Errorf("report: write: %w", err)
	}
	return stats, nil
}

type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}
