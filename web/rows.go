package web

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// Row is one goroutine as the ps table shows it in the browser: every
// column already formatted, plus what the filters match on.
type Row struct {
	ID     int64  `json:"id"`
	Parent int64  `json:"parent"`
	State  string `json:"state"`
	// Status and WaitReason are what the state filter matches.
	Status     string            `json:"status"`
	WaitReason string            `json:"wait_reason"`
	WaitNs     int64             `json:"wait_ns"`
	Wait       string            `json:"wait"`
	Labels     map[string]string `json:"labels"`
	LabelsText string            `json:"labels_text"`
	TaskID     uint64            `json:"task_id"`
	Task       string            `json:"task"`
	Group      string            `json:"group"`
	Location   string            `json:"location"`
	CreatedBy  string            `json:"created_by"`
	System     bool              `json:"system"`
}

// Columns are the ps table's columns, in order: the names sort and group
// take.
var Columns = []string{"id", "parent", "state", "wait", "labels", "task", "group", "location", "created_by"}

// NewRow formats g for the table.
func NewRow(g *model.Goroutine) Row {
	r := Row{ID: g.ID, Parent: g.ParentID, State: chains.State(g), Status: g.Status, WaitReason: g.WaitReason,
		WaitNs: int64(g.Waited), Wait: "-", Labels: g.Labels, LabelsText: labelsText(g.Labels),
		Task: "-", Group: "-", Location: locationText(g), CreatedBy: "-", System: g.System}
	if g.Status == model.StatusLeaked && g.WaitReason != "" {
		r.State = "leaked: " + g.WaitReason
	}
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	if g.Waited > 0 {
		r.Wait = render.GoroutineWaitText(g) // "≥" or a range on a core
	}
	if g.LabelsIncomplete != "" {
		r.LabelsText += " (incomplete: " + render.Safe(g.LabelsIncomplete) + ")"
	}
	if t := g.Task; t != nil {
		r.TaskID, r.Task = t.ID, render.TaskName(t)
		if t.GroupID != 0 && t.Group != "" {
			r.Group = t.Group
		}
	}
	if site := chains.CreationSite(g); site.Function != "" {
		r.CreatedBy = site.Function
	}
	return r
}

func labelsText(labels map[string]string) string {
	if len(labels) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return strings.Join(parts, ",")
}

func locationText(g *model.Goroutine) string {
	if g.Unreadable != "" {
		return "(unreadable: " + g.Unreadable + ")"
	}
	l := g.Location
	if l.IsZero() {
		l = g.CurrentLocation
	}
	if l.IsZero() {
		return "-"
	}
	return l.Function + " " + render.ShortFile(l.File) + ":" + strconv.Itoa(l.Line)
}

// cell is the text of column col of r ("" for an unknown column).
func (r *Row) cell(col string) string {
	switch col {
	case "id":
		return strconv.FormatInt(r.ID, 10)
	case "parent":
		return strconv.FormatInt(r.Parent, 10)
	case "state":
		return r.State
	case "wait":
		return r.Wait
	case "labels":
		return r.LabelsText
	case "task":
		return r.Task
	case "group":
		return r.Group
	case "location":
		return r.Location
	case "created_by":
		return r.CreatedBy
	}
	return ""
}

// compare orders a and b by column col (numbers as numbers).
func compare(a, b *Row, col string) int {
	switch col {
	case "id":
		return cmp.Compare(a.ID, b.ID)
	case "parent":
		return cmp.Compare(a.Parent, b.Parent)
	case "wait":
		return cmp.Compare(a.WaitNs, b.WaitNs)
	case "task":
		return cmp.Compare(a.TaskID, b.TaskID)
	}
	return strings.Compare(a.cell(col), b.cell(col))
}

// TableQuery is one request for a page of the ps table.
type TableQuery struct {
	// Text keeps rows where some column contains it (case-insensitive).
	Text string
	// Sort is a column of Columns (default id); Desc reverses it.
	Sort string
	Desc bool
	// Group, a column of Columns, counts the selected rows by that
	// column's value; GroupValue keeps only the rows of one value.
	Group      string
	GroupValue *string
	// Offset and Limit are the page.
	Offset, Limit int
}

// GroupCount is one value of the group-by column and how many rows have it.
type GroupCount struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// TablePage is one page of the table.
type TablePage struct {
	// Total counts the rows the query layer selected (label and state
	// filters); Matched those also matching Text and the group value.
	Total   int          `json:"total"`
	Matched int          `json:"matched"`
	Offset  int          `json:"offset"`
	Rows    []Row        `json:"rows"`
	Groups  []GroupCount `json:"groups"`
	Columns []string     `json:"columns"`
}

// maxPage bounds how many rows one page carries.
const maxPage = 1000

// Page filters, groups, sorts and cuts rows (already selected by the
// query layer's label and state filters).
func Page(rows []Row, q TableQuery) TablePage {
	text := strings.ToLower(q.Text)
	matched := make([]*Row, 0, len(rows))
	groups := map[string]int{}
	for i := range rows {
		r := &rows[i]
		if text != "" && !rowContains(r, text) {
			continue
		}
		if q.Group != "" {
			v := r.cell(q.Group)
			groups[v]++
			if q.GroupValue != nil && v != *q.GroupValue {
				continue
			}
		}
		matched = append(matched, r)
	}
	col := q.Sort
	if !slices.Contains(Columns, col) {
		col = "id"
	}
	slices.SortStableFunc(matched, func(a, b *Row) int {
		c := compare(a, b, col)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if q.Desc {
			return -c
		}
		return c
	})
	limit := q.Limit
	if limit <= 0 || limit > maxPage {
		limit = 100
	}
	off := min(max(q.Offset, 0), len(matched))
	end := min(off+limit, len(matched))
	p := TablePage{Total: len(rows), Matched: len(matched), Offset: off, Rows: make([]Row, 0, end-off),
		Groups: []GroupCount{}, Columns: Columns}
	for _, r := range matched[off:end] {
		p.Rows = append(p.Rows, *r)
	}
	for k, n := range groups {
		p.Groups = append(p.Groups, GroupCount{Key: k, Count: n})
	}
	slices.SortFunc(p.Groups, func(a, b GroupCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return p
}

func rowContains(r *Row, lowerText string) bool {
	for _, c := range Columns {
		if strings.Contains(strings.ToLower(r.cell(c)), lowerText) {
			return true
		}
	}
	return false
}
