package chains

import (
	"slices"
	"strconv"
	"strings"
)

// Collapse returns a copy of the trees under nodes in which identical
// sibling subtrees are merged into one node, so that a thousand identical
// workers under one parent show as one node with Count 1000. Two subtrees are
// identical when their roots show the same line (equal LineOf: start
// function, task name, state, blocked-in function, creation site; for exited
// creators, the same record or the lack of one) and their collapsed children
// are identical in the same order with the same counts. Exited markers merge
// like live goroutines, so a hundred connections each served by goroutines
// whose short-lived creator has exited show as one marker with Count 100. A
// merged node keeps the first subtree's identity (ID, Goroutine, Exited) and
// order of appearance; its Count and IDs, and those of its descendants, add
// up those of all merged subtrees. The input is not modified.
func Collapse(nodes []*Node) []*Node {
	c := collapser{
		sigs:   map[sigKey]int{},
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
	sigs   map[sigKey]int // subtree signature -> small interned id
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
		ID:         n.ID,
		Goroutine:  n.Goroutine,
		Exited:     n.Exited,
		CallbackID: n.CallbackID,
		Count:      max(n.Count, 1),
		IDs:        slices.Clone(n.IDs),
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
	if slices.Contains(childKeys, "") {
		return cp, noSig
	}
	key := sigKey{line: LineOf(n), children: strings.Join(childKeys, "\x00")}
	sig, ok := c.sigs[key]
	if !ok {
		sig = len(c.sigs)
		c.sigs[key] = sig
	}
	return cp, sig
}

// sigKey identifies a subtree: what its root's line shows and the
// signatures (with counts) of its collapsed children.
type sigKey struct {
	line     NodeLine
	children string
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
