package tracker

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// Record times are unix nanoseconds. A tracked spawn reads the clock twice (start and
// end), which made the clock the largest single cost of Go, so nowNanos avoids
// time.Now (a wall and a monotonic read, ~47 ns here):
//
//   - Monotonic path (every platform): one monotonic read (time.Since a base taken at
//     init, ~25 ns) plus a wall-clock offset re-read from time.Now every clockResync.
//   - TSC path (linux/amd64, when the CPU reports an invariant TSC and the kernel itself
//     uses the TSC as its clocksource): RDTSC (~10 ns) scaled by a rate measured against
//     the monotonic clock over the last resync interval. Every resync compares what the
//     TSC predicted with the monotonic clock and switches the TSC path off for good if
//     they disagree by more than tscTolerance (a TSC that stopped, jumped, or changed
//     rate, e.g. after a live migration).
//
// Either way the result follows the wall clock, including steps, within clockResync;
// between resyncs it advances at the rate of the monotonic clock.

// clockResync is how old the wall-clock offset and the TSC calibration may get before
// nowNanos reads the wall clock again. Durations the tracker keeps as
// constants are plain int64 nanoseconds, not time.Duration: Delve names a
// value after any constant of its named type, so a time.Duration constant
// here would make every 1s duration of the user's program print as
// tracker.clockResync.
const clockResync = int64(time.Second)

// tscFirstWindow is how long after init the TSC rate is first measured (the TSC path is
// off until then).
const tscFirstWindow = int64(20 * time.Millisecond)

// tscTolerance bounds the disagreement between the TSC's prediction and the monotonic
// clock at a resync: a fixed part plus a part of the interval (NTP slews the monotonic
// clock by at most 500 ppm).
const (
	tscToleranceFixed = 50 * time.Microsecond
	tscTolerancePPM   = 1000
)

// clockState is the writer's clock. Set up in init; resyncs are serialised by mu.
type clockState struct {
	interval int64 // resync interval in nanoseconds: clockResync (shorter in tests)

	base   time.Time    // monotonic base
	offset atomic.Int64 // unix nanoseconds minus monotonic nanoseconds since base
	synced atomic.Int64 // monotonic nanoseconds of the last resync

	// TSC calibration, read lock-free: valid while tscSeq is even and non-zero
	// (a seqlock; an odd value written for good switches the TSC path off).
	tscSeq   atomic.Uint64
	tscAt    atomic.Uint64 // TSC at the anchor
	tscNanos atomic.Int64  // unix nanoseconds at the anchor
	tscMult  atomic.Uint64 // nanoseconds per tick, 32.32 fixed point
	tscLimit atomic.Uint64 // ticks after tscAt within which the calibration is used

	tscUsable atomic.Bool // the TSC may be used: decided at init, cleared by disableTSC

	mu         sync.Mutex
	prevTSC    uint64 // TSC at the last resync (under mu)
	prevMono   int64  // monotonic nanoseconds at prevTSC (under mu)
	anchorOff  int64  // the offset in tscNanos, to compare it with the monotonic clock (under mu)
	calibrated bool   // tscMult has been measured (under mu)
}

// initClock sets the monotonic base of nowNanos and its first wall-clock offset and
// decides whether the TSC path may be used.
func initClock(c *clockState, useTSC bool, interval time.Duration) {
	c.interval = int64(interval)
	c.tscSeq.Store(0)
	c.tscUsable.Store(useTSC)
	c.calibrated = false
	t0 := rdtsc()
	c.base = time.Now()
	t1 := rdtsc()
	c.offset.Store(c.base.UnixNano())
	c.synced.Store(0)
	c.prevTSC, c.prevMono = t0+(t1-t0)/2, 0
}

// nowNanos returns the current time in unix nanoseconds, like time.Now().UnixNano().
func nowNanos() int64 { return root.internal.clock.now() }

// now returns the current time in unix nanoseconds (see nowNanos).
func (c *clockState) now() int64 {
	if s := c.tscSeq.Load(); s&1 == 0 && s != 0 {
		d := rdtsc() - c.tscAt.Load() // a TSC behind the anchor wraps to a huge d
		if d < c.tscLimit.Load() {
			n := c.tscNanos.Load() + ticksToNanos(d, c.tscMult.Load())
			if c.tscSeq.Load() == s {
				return n
			}
		}
	}
	return c.monoNanos()
}

// monoNanos is the monotonic path; it resyncs when due.
func (c *clockState) monoNanos() int64 {
	mono := int64(time.Since(c.base))
	since := mono - c.synced.Load()
	if since < c.interval && (since < tscFirstWindow || c.tscSeq.Load() != 0 || !c.tscUsable.Load()) {
		return c.offset.Load() + mono
	}
	return c.resync()
}

// resync re-reads the wall clock, re-measures the TSC rate, and returns the current
// unix nanoseconds. A caller that finds another resync running uses the current offset.
func (c *clockState) resync() int64 {
	if !c.mu.TryLock() {
		return c.offset.Load() + int64(time.Since(c.base))
	}
	defer c.mu.Unlock()
	now, tsc := c.sample()
	mono := int64(now.Sub(c.base)) // monotonic: both readings carry one
	off := now.UnixNano() - mono
	// time.Now reads the wall clock just before the monotonic clock, so the offset
	// moves by a few nanoseconds on every sync even when the wall clock is not stepped;
	// do not let that jitter make times go backwards.
	if prev := c.offset.Load(); off < prev && prev-off < int64(time.Microsecond) {
		off = prev
	}
	c.offset.Store(off)
	c.synced.Store(mono)
	if c.tscUsable.Load() {
		c.calibrateTSC(tsc, mono, off)
	}
	return off + mono
}

// sample reads time.Now and the TSC as close together as it can: the TSC reading is the
// midpoint of two around time.Now, from the best of three tries (a goroutine preempted
// in between would skew the measured rate).
func (c *clockState) sample() (now time.Time, tsc uint64) {
	best := ^uint64(0)
	for i := 0; i < 3; i++ {
		t0 := rdtsc()
		n := time.Now()
		t1 := rdtsc()
		if t1-t0 < best {
			best, now, tsc = t1-t0, n, t0+(t1-t0)/2
		}
	}
	return now, tsc
}

// calibrateTSC measures the TSC rate since the previous resync, checks what the
// published calibration says now against the monotonic clock, and publishes a new
// calibration anchored at (tsc, mono). Called with c.mu held.
//
// Readers must not see time go back at the switch: when the published time is ahead
// of the clock (by lag, a rate error of nanoseconds to microseconds), the new anchor
// starts from the published time and runs slower by lag over the next interval, so
// that the error is slewed away rather than stepped back or accumulated.
func (c *clockState) calibrateTSC(tsc uint64, mono, off int64) {
	dm := mono - c.prevMono
	if dm < tscFirstWindow {
		return // too short to measure a rate (a resync raced this one)
	}
	dt := tsc - c.prevTSC
	if tsc <= c.prevTSC || uint64(dm)>>32 >= dt {
		c.disableTSC() // went backwards, or too slow to be a TSC
		return
	}
	var lag int64
	if c.calibrated {
		publishedMono := c.tscNanos.Load() - c.anchorOff + ticksToNanos(tsc-c.tscAt.Load(), c.tscMult.Load())
		diff := publishedMono - mono
		if diff > tscAllowed(dm) || -diff > tscAllowed(dm) {
			c.disableTSC()
			return
		}
		lag = min(max(diff, 0), c.interval/2)
	}
	mult := fixedRatio(uint64(dm), dt)
	slewed := mult - uint64(float64(mult)*float64(lag)/float64(c.interval))
	s := c.tscSeq.Load()
	c.tscSeq.Store(s | 1)
	c.tscAt.Store(tsc)
	c.tscNanos.Store(off + mono + lag)
	c.tscMult.Store(slewed)
	// Used for one interval; then now falls to monoNanos, which resyncs.
	limit := fixedRatio(uint64(c.interval), mult)
	c.tscLimit.Store(limit)
	c.tscSeq.Store((s | 1) + 1)
	c.prevTSC, c.prevMono, c.anchorOff, c.calibrated = tsc, mono, off, true
}

// ticksToNanos scales a tick count by mult, nanoseconds per tick in 32.32 fixed point.
func ticksToNanos(ticks, mult uint64) int64 {
	hi, lo := bits.Mul64(ticks, mult)
	return int64(hi<<32 | lo>>32)
}

// fixedRatio returns a<<32 / b: a/b in 32.32 fixed point. The caller ensures a>>32 < b.
func fixedRatio(a, b uint64) uint64 {
	q, _ := bits.Div64(a>>32, a<<32, b)
	return q
}

// tscAllowed is the largest disagreement tolerated after an interval of dm nanoseconds.
func tscAllowed(dm int64) int64 {
	return int64(tscToleranceFixed) + dm/1_000_000*tscTolerancePPM
}

// disableTSC switches the TSC path off for good (an odd tscSeq that never changes).
func (c *clockState) disableTSC() {
	c.tscUsable.Store(false)
	c.tscSeq.Store(c.tscSeq.Load() | 1)
}

// usingTSC reports whether now currently takes the TSC path.
func (c *clockState) usingTSC() bool {
	s := c.tscSeq.Load()
	return s&1 == 0 && s != 0
}
