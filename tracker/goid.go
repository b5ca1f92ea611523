package tracker

import (
	"runtime"
	"sync"
	"unsafe"
)

// Goroutine ids. The fast path reads runtime.g.goid through the g pointer returned by a
// two-instruction assembly function (amd64, arm64); the offset of goid inside runtime.g is
// discovered once at start-up by comparing against ids parsed from runtime.Stack for
// several goroutines, and must be unique, else the fast path is disabled. The slow path
// (runtime.Stack, about 2 µs) is only used for cancel records; tasks then record goid 0
// and a reader matches them through the task.id pprof label.

const goidScanMax = 256 // bytes of runtime.g scanned for the goid field

// stackGoid parses the goroutine id from the header line of runtime.Stack.
func stackGoid() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	const prefix = "goroutine "
	if n <= len(prefix) {
		return 0
	}
	var id uint64
	for _, c := range buf[len(prefix):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

// candidates returns the 8-aligned offsets in the current g holding want.
func candidates(want uint64) []int64 {
	gp := getg()
	if gp == nil || want == 0 {
		return nil
	}
	var out []int64
	for off := int64(0); off+8 <= goidScanMax; off += 8 {
		if *(*uint64)(unsafe.Add(gp, off)) == want {
			out = append(out, off)
		}
	}
	return out
}

// findGoidOffset returns the offset of goid in runtime.g, or -1.
func findGoidOffset() int64 {
	if !haveGetg {
		return -1
	}
	common := candidates(stackGoid())
	const probes = 4
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < probes; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := candidates(stackGoid())
			mu.Lock()
			defer mu.Unlock()
			keep := common[:0]
			for _, off := range common {
				for _, o := range c {
					if o == off {
						keep = append(keep, off)
						break
					}
				}
			}
			common = keep
		}()
		wg.Wait()
	}
	if len(common) != 1 {
		return -1
	}
	return common[0]
}

// curGoid returns the current goroutine id, or 0 when the fast path is unavailable.
func curGoid() uint64 {
	off := root.goidOffset
	if off < 0 {
		return 0
	}
	return *(*uint64)(unsafe.Add(getg(), off))
}

// curGoidSlow returns the current goroutine id, using runtime.Stack if necessary.
func curGoidSlow() uint64 {
	if id := curGoid(); id != 0 {
		return id
	}
	return stackGoid()
}
