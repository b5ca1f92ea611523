package dlvclient

import (
	"sync"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// locationCache memoizes locations by program counter, so that Delve is
// asked once per distinct pc. It also remembers a set of marked pcs (the
// start cache marks wrappers whose answer depends on the goroutine). It is
// safe for concurrent use; the zero value is ready.
type locationCache struct {
	mu     sync.Mutex
	m      map[uint64]model.Location
	marked map[uint64]bool
}

func (c *locationCache) get(pc uint64) (model.Location, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	loc, ok := c.m[pc]
	return loc, ok
}

func (c *locationCache) put(pc uint64, loc model.Location) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[uint64]model.Location{}
	}
	c.m[pc] = loc
}

// mark remembers pc in the marked set.
func (c *locationCache) mark(pc uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.marked == nil {
		c.marked = map[uint64]bool{}
	}
	c.marked[pc] = true
}

// isMarked reports whether pc was marked.
func (c *locationCache) isMarked(pc uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.marked[pc]
}
