package tracker

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// checkClock calls c.now from several goroutines for d and checks every reading against
// time.Now (which it must stay within tol of) and against the goroutine's previous
// reading (it must not go back by more than back). It returns the number of readings.
func checkClock(t *testing.T, c *clockState, d, tol, back time.Duration) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			end := time.Now().Add(d)
			prev, n := int64(0), 0
			var worst time.Duration
			for time.Now().Before(end) {
				before := time.Now().UnixNano()
				got := c.now()
				after := time.Now().UnixNano()
				if got < before-int64(tol) || got > after+int64(tol) {
					worst = max(worst, time.Duration(max(before-got, got-after)))
				}
				if got < prev-int64(back) {
					t.Errorf("clock went back %v", time.Duration(prev-got))
					return
				}
				prev = got
				n++
			}
			if worst > 0 {
				t.Errorf("a reading was %v outside [time.Now before, after]", worst)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}

// TestClockTracksTimeNow: with short resync intervals (so that many resyncs and TSC
// recalibrations happen), every reading lies within 200 µs of time.Now taken around it,
// and no goroutine sees time go back by more than 1 µs. On a machine whose TSC is
// trusted the TSC path must be the one in use.
func TestClockTracksTimeNow(t *testing.T) {
	for _, useTSC := range []bool{false, true} {
		if useTSC && !tscTrusted() {
			t.Logf("TSC path not available on %s/%s: monotonic path only", runtime.GOOS, runtime.GOARCH)
			continue
		}
		c := new(clockState)
		initClock(c, useTSC, 50*time.Millisecond)
		n := checkClock(t, c, 600*time.Millisecond, 200*time.Microsecond, time.Microsecond)
		if c.usingTSC() != useTSC {
			t.Errorf("useTSC=%v: usingTSC() = %v after %d readings", useTSC, c.usingTSC(), n)
		}
		c.mu.Lock()
		calibrated := c.calibrated
		c.mu.Unlock()
		if calibrated != useTSC {
			t.Errorf("useTSC=%v: calibrated = %v", useTSC, calibrated)
		}
	}
}

// TestClockDropsDisagreeingTSC: a TSC whose rate no longer matches the monotonic clock
// (simulated by corrupting the measured rate) is noticed at the next resync and the
// clock falls back to the monotonic path for good, still telling the right time.
func TestClockDropsDisagreeingTSC(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("no TSC on %s", runtime.GOARCH)
	}
	c := new(clockState)
	initClock(c, true, 50*time.Millisecond)
	for deadline := time.Now().Add(2 * time.Second); !c.usingTSC(); {
		if time.Now().After(deadline) {
			if tscTrusted() {
				t.Fatal("TSC path never calibrated")
			}
			t.Skip("this machine's TSC was refused by the calibration")
		}
		c.now()
	}
	c.mu.Lock()
	s := c.tscSeq.Load()
	c.tscSeq.Store(s | 1)
	c.tscMult.Store(c.tscMult.Load() * 11 / 10) // 10% fast
	c.tscSeq.Store((s | 1) + 1)
	c.mu.Unlock()
	time.Sleep(60 * time.Millisecond) // past one interval: the next reading resyncs
	c.now()
	if c.usingTSC() || c.tscUsable.Load() {
		t.Fatal("a TSC 10% off the monotonic clock is still in use")
	}
	checkClock(t, c, 200*time.Millisecond, 200*time.Microsecond, time.Microsecond)
	if c.usingTSC() {
		t.Fatal("the TSC path came back after being switched off")
	}
}

// TestNowNanosPackageClock: the package's own clock agrees with time.Now.
func TestNowNanosPackageClock(t *testing.T) {
	before := time.Now().UnixNano()
	got := nowNanos()
	after := time.Now().UnixNano()
	if got < before-int64(time.Millisecond) || got > after+int64(time.Millisecond) {
		t.Fatalf("nowNanos() = %d, time.Now between %d and %d", got, before, after)
	}
}

func BenchmarkNowNanos(b *testing.B) {
	for i := 0; i < b.N; i++ {
		nowNanos()
	}
}

func BenchmarkTimeNow(b *testing.B) {
	for i := 0; i < b.N; i++ {
		time.Now().UnixNano()
	}
}
