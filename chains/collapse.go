package chains

import (
	"slices"
	"strconv"
	"strings"
)

// Collapse returns a copy of the trees under nodes in which identical
// sibling subtrees are merged into one node, so that a thousand identical
// workers under one parent show as one node with Count 1000. Two subtrees are
// identical when their roots have the same start function, go statement,
// status and wait reason and user location function, and their collapsed
// children are identical in the same order with the same counts. Only
// subtrees made of live goroutines merge; exited markers never do. A merged
// node keeps the first subtree's identity (ID, Goroutine) and order of
// appearance; its Count and IDs, and those of its descendants, add up those
// of all merged subtrees. The input is not modified.
func Collapse(nodes []*Node) []*Node {
	c := collapser{
		sigs:   map[string]int{},
		onPath: map[*Node]bool{},
		merged: map[*Node]bool{},
	}
	out, _ := c.siblings(nodes)
	for n := range c.merged {
		slices.Sort(n.IDs)
	}
	return out
}

type collapser struct {
	sigs   map[string]int // subtree signature -> small interned id
	onPath map[*Node]bool // guards against cycles in hand-made trees
	merged map[*Node]bool // nodes whose IDs need sorting
}

// noSig marks a subtree that never merges.
const noSig = -1

// siblings collapses each node of a sibling list, then merges identical
// ones. It returns the new list and, for each new node, its signature
// including its count (noSig when it cannot merge).
func (c *collapser) siblings(nodes []*Node) ([]*Node, []string) {
	out := make([]*Node, 0, len(nodes))
	var sigs []int
	first := map[int]int{}
	for _, n := range nodes {
		if n == nil {
			continue
		}
		cn, sig := c.node(n)
		if sig != noSig {
			if j, ok := first[sig]; ok {
				c.merge(out[j], cn)
				continue
			}
			first[sig] = len(out)
		}
		out = append(out, cn)
		sigs = append(sigs, sig)
	}
	keys := make([]string, len(out))
	for i, n := range out {
		if sigs[i] != noSig {
			keys[i] = strconv.Itoa(sigs[i]) + "x" + strconv.Itoa(n.Count)
		}
	}
	return out, keys
}

// node returns a collapsed copy of n and its signature (without its count).
func (c *collapser) node(n *Node) (*Node, int) {
	cp := &Node{
		ID:        n.ID,
		Goroutine: n.Goroutine,
		Exited:    n.Exited,
		Count:     max(n.Count, 1),
		IDs:       slices.Clone(n.IDs),
	}
	if len(cp.IDs) == 0 {
		cp.IDs = []int64{n.ID}
	}
	if c.onPath[n] {
		return cp, noSig
	}
	c.onPath[n] = true
	defer delete(c.onPath, n)

	var childKeys []string
	cp.Children, childKeys = c.siblings(n.Children)
	g := n.Goroutine
	if g == nil || slices.Contains(childKeys, "") {
		return cp, noSig
	}
	site := CreationSite(g) // for tracker tasks, the user's call site
	taskName := ""
	if g.Task != nil {
		taskName = g.Task.Name
	}
	key := strings.Join(append([]string{
		g.Start.Function, taskName,
		site.Function, site.File, strconv.Itoa(site.Line),
		g.Status, g.WaitReason,
		g.Location.Function,
	}, childKeys...), "\x00")
	sig, ok := c.sigs[key]
	if !ok {
		sig = len(c.sigs)
		c.sigs[key] = sig
	}
	return cp, sig
}

// merge adds src, a subtree identical to dst, into dst.
func (c *collapser) merge(dst, src *Node) {
	dst.Count += src.Count
	dst.IDs = append(dst.IDs, src.IDs...)
	c.merged[dst] = true
	for i := range dst.Children {
		c.merge(dst.Children[i], src.Children[i])
	}
}
