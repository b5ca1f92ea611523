package dlvclient

import (
	"sync"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// locationCache memoizes locations by program counter, so that Delve is
// asked once per distinct pc. It is safe for concurrent use; the zero value
// is ready.
type locationCache struct {
	mu sync.Mutex
	m  map[uint64]model.Location
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
