//go:build !linux

package dlvclient

// hostMonotonic is not available here: wait times on live targets are then
// lower bounds, as on cores.
func hostMonotonic() (int64, bool) { return 0, false }
