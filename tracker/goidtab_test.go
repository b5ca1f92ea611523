package tracker

import "testing"

// TestGoidTableOverflow enters more tasks than one goidTab window holds, all hashing
// to the same window, and checks lookups through the table and its overflow maps.
func TestGoidTableOverflow(t *testing.T) {
	const n = goidProbe + 3
	base := uint64(1) << 40 // far above the goroutine ids of this process
	var tasks []*task
	for g := base; len(tasks) < n; g++ {
		if goidHash(g) == goidHash(base) {
			tasks = append(tasks, &task{id: ^uint64(0) - g, goid: g})
		}
	}
	for _, tk := range tasks {
		setGoroutineTask(tk)
	}
	if got := root.internal.goidOverflow.Load(); got < n-goidProbe {
		t.Errorf("overflow count %d, want >= %d", got, n-goidProbe)
	}
	for _, tk := range tasks {
		if got := goroutineTask(tk.goid); got != tk.id {
			t.Errorf("goroutineTask(%d) = %d, want %d", tk.goid, got, tk.id)
		}
		if got := liveTaskByID(tk.id); got != tk {
			t.Errorf("liveTaskByID(%d) = %p, want %p", tk.id, got, tk)
		}
	}
	for _, tk := range tasks {
		clearGoroutineTask(tk)
		if got := goroutineTask(tk.goid); got != 0 {
			t.Errorf("goroutineTask(%d) = %d after clear", tk.goid, got)
		}
	}
	if got := root.internal.goidOverflow.Load(); got != 0 {
		t.Errorf("overflow count %d after clearing", got)
	}
}
