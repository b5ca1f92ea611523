package chains

import (
	"cmp"
	"slices"
)

// breakParentCycles deletes, from a child -> parent map, the parent link of
// the smallest id in every cycle, so that following parents always ends.
// Corrupt target memory can produce such cycles; order lists the ids to
// start from.
func breakParentCycles[K cmp.Ordered](order []K, parent map[K]K) {
	const (
		unseen = iota
		onPath
		done
	)
	state := make(map[K]int, len(order))
	for _, start := range order {
		var path []K
		cur, cyclic := start, false
		for {
			if state[cur] != unseen {
				cyclic = state[cur] == onPath
				break
			}
			state[cur] = onPath
			path = append(path, cur)
			p, ok := parent[cur]
			if !ok {
				break
			}
			cur = p
		}
		if cyclic {
			delete(parent, slices.Min(path[slices.Index(path, cur):]))
		}
		for _, id := range path {
			state[id] = done
		}
	}
}
