package tracker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func spawnHere(ctx context.Context, name string, fn func(ctx context.Context) error, opts ...Option) {
	Go(ctx, name, fn, opts...)
}

func TestGoLiveAndTerminated(t *testing.T) {
	ids := make(chan uint64, 2)
	goids := make(chan uint64, 1)
	release := make(chan struct{})
	var childID atomic.Uint64
	spawnHere(context.Background(), "parent-task", func(ctx context.Context) error {
		ids <- currentTaskID(ctx)
		goids <- stackGoid()
		Go(ctx, "child-task", func(ctx context.Context) error {
			childID.Store(currentTaskID(ctx))
			ids <- currentTaskID(ctx)
			<-release
			return nil
		})
		<-release
		return nil
	})
	parent, goid := <-ids, <-goids
	child := <-ids
	if parent == 0 || child == 0 || parent == child {
		t.Fatalf("task ids parent=%d child=%d", parent, child)
	}
	pr, ok := liveByID(parent)
	if !ok {
		t.Fatalf("parent %d not live", parent)
	}
	if pr.nameStr() != "parent-task" || pr.parentID != 0 {
		t.Errorf("parent record name=%q parentID=%d", pr.nameStr(), pr.parentID)
	}
	if pr.goid != goid {
		t.Errorf("parent goid = %d, goroutine is %d", pr.goid, goid)
	}
	if pr.startNanos <= 0 || pr.startNanos > time.Now().UnixNano() {
		t.Errorf("startNanos = %d", pr.startNanos)
	}
	if funcs := symbolize(pr.pcs[:pr.npcs]); !containsFunc(funcs, ".spawnHere") || !containsFunc(funcs, ".TestGoLiveAndTerminated") {
		t.Errorf("creation stack %v lacks spawnHere/TestGoLiveAndTerminated", funcs)
	} else if containsFunc(funcs[:1], "tracker.Go") {
		t.Errorf("creation stack starts inside tracker.Go: %v", funcs)
	}
	cr, ok := liveByID(child)
	if !ok || cr.parentID != parent || cr.nameStr() != "child-task" {
		t.Fatalf("child record %+v ok=%v, want parent %d", cr, ok, parent)
	}
	close(release)
	pe := waitEnded(t, parent)
	ce := waitEnded(t, child)
	for _, e := range []endRecord{pe, ce} {
		if e.outcome != outcomeReturned || e.endNanos < e.startNanos || e.npcs == 0 {
			t.Errorf("end record %d: outcome=%d start=%d end=%d npcs=%d", e.id, e.outcome, e.startNanos, e.endNanos, e.npcs)
		}
	}
	if ce.parentID != parent || ce.nameStr() != "child-task" || pe.goid != goid {
		t.Errorf("end records: child parent=%d name=%q; parent goid=%d", ce.parentID, ce.nameStr(), pe.goid)
	}
	// The end record is written first and the live record cleared right after (readers
	// take a task with both as ended): wait for the second step.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, ok := liveByID(parent); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("parent still live 5 s after its end record")
		}
	}
	if r := atomic.LoadInt64(&root.recentNanos); r <= pe.endNanos-touchGrain || r > time.Now().UnixNano() {
		t.Errorf("recentNanos %d more than %v older than the last end %d, or in the future", r, time.Duration(touchGrain), pe.endNanos)
	}
}

func TestOutcomes(t *testing.T) {
	long := strings.Repeat("x", 1000)
	cases := []struct {
		name    string
		fn      func(ctx context.Context) error
		outcome uint64
		text    string
	}{
		{"ok", func(context.Context) error { return nil }, outcomeReturned, ""},
		{"err", func(context.Context) error { return errors.New("disk full") }, outcomeError, "disk full"},
		{"long", func(context.Context) error { return errors.New(long) }, outcomeError, long[:textMax]},
		{"cancelled", func(ctx context.Context) error {
			<-ctx.Done()
			return fmt.Errorf("stopping: %w", ctx.Err())
		}, outcomeCancelled, "stopping: context canceled"},
		{"err-after-cancel", func(ctx context.Context) error {
			<-ctx.Done()
			return errors.New("unrelated")
		}, outcomeError, "unrelated"},
	}
	for _, c := range cases {
		ctx, cancel := WithCancel(context.Background())
		idc := make(chan uint64, 1)
		Go(ctx, c.name, func(ctx context.Context) error { idc <- currentTaskID(ctx); return c.fn(ctx) })
		id := <-idc
		cancel()
		e := waitEnded(t, id)
		if e.outcome != c.outcome || e.textStr() != c.text || e.nameStr() != c.name {
			t.Errorf("%s: outcome=%d text=%.40q name=%q; want %d %.40q", c.name, e.outcome, e.textStr(), e.nameStr(), c.outcome, c.text)
		}
	}
}

func TestLongNameTruncated(t *testing.T) {
	name := strings.Repeat("n", 100)
	idc := make(chan uint64, 1)
	Go(context.Background(), name, func(ctx context.Context) error { idc <- currentTaskID(ctx); return nil })
	e := waitEnded(t, <-idc)
	if e.nameLen != nameMax || e.nameStr() != name[:nameMax] {
		t.Fatalf("nameLen=%d name=%q", e.nameLen, e.nameStr())
	}
}

func TestConcurrentSpawnEndCancel(t *testing.T) {
	SetHistory(100000)
	defer SetHistory(defaultHistory)
	before := atomic.LoadUint64(&root.lastTaskID)
	const workers, per = 16, 300
	var wg sync.WaitGroup
	var ran atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				ctx, cancel := WithCancel(context.Background())
				var tw sync.WaitGroup
				tw.Add(1)
				Go(ctx, "churn", func(ctx context.Context) error {
					defer tw.Done()
					ran.Add(1)
					if i%3 == 0 {
						<-ctx.Done()
						return ctx.Err()
					}
					return nil
				})
				cancel()
				tw.Wait()
			}
		}()
	}
	wg.Wait()
	if ran.Load() != workers*per {
		t.Fatalf("ran %d tasks", ran.Load())
	}
	// Every task must reach the ring: wait for the last records to land.
	deadline := time.Now().Add(5 * time.Second)
	for atomic.LoadUint64(&root.live.count) != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := atomic.LoadUint64(&root.live.count); n != 0 {
		t.Fatalf("live count %d after all tasks ended", n)
	}
	if n := len(liveTasks()); n != 0 {
		t.Fatalf("%d live records after all tasks ended", n)
	}
	seen := map[uint64]bool{}
	cancelled := 0
	for _, e := range endedNewestFirst() {
		if e.id > before && e.nameStr() == "churn" {
			if seen[e.id] {
				t.Fatalf("task %d recorded twice", e.id)
			}
			seen[e.id] = true
			if e.outcome == outcomeCancelled {
				cancelled++
			}
		}
	}
	if len(seen) != workers*per {
		t.Fatalf("%d termination records, want %d", len(seen), workers*per)
	}
	if cancelled < workers*per/3 {
		t.Errorf("only %d cancelled outcomes", cancelled)
	}
	if c := len(cancelsNewestFirst()); c < workers*per {
		t.Errorf("%d cancel records, want >= %d", c, workers*per)
	}
	if got := atomic.LoadUint64(&root.live.used); got > workers*4 {
		t.Errorf("%d live slots used for at most %d concurrent tasks: free list not reused", got, workers*2)
	}
}

func TestRingWrapAndPreserved(t *testing.T) {
	waitNoLiveTasks(t) // the ring must hold only this test's records
	SetHistory(8)
	defer SetHistory(defaultHistory)
	var ids, preserved []uint64
	for i := 0; i < 30; i++ {
		idc := make(chan uint64, 1)
		done := make(chan struct{})
		var opts []Option
		if i == 2 || i == 5 {
			opts = append(opts, Preserve())
		}
		Go(context.Background(), "wrap-"+strconv.Itoa(i), func(ctx context.Context) error {
			idc <- currentTaskID(ctx)
			close(done)
			if i == 5 {
				return errors.New("critical failure")
			}
			return nil
		}, opts...)
		id := <-idc
		<-done
		waitEnded(t, id) // sequential ends give a deterministic ring order
		ids = append(ids, id)
		if len(opts) > 0 {
			preserved = append(preserved, id)
		}
	}
	got := endedNewestFirst()
	if len(got) != 8 {
		t.Fatalf("%d records in a ring of 8", len(got))
	}
	for i, e := range got {
		if want := ids[len(ids)-1-i]; e.id != want {
			t.Fatalf("ring[%d] = task %d, want %d (newest first)", i, e.id, want)
		}
	}
	found := map[uint64]endRecord{}
	for _, e := range preservedRecs() {
		found[e.id] = e
	}
	for _, id := range preserved {
		e, ok := found[id]
		if !ok {
			t.Fatalf("preserved task %d lost after wrap-around", id)
		}
		if e.flags&flagPreserved == 0 {
			t.Errorf("preserved record %d lacks flag", id)
		}
	}
	if e := found[preserved[1]]; e.outcome != outcomeError || e.textStr() != "critical failure" || e.nameStr() != "wrap-5" {
		t.Errorf("preserved record = outcome %d text %q name %q", e.outcome, e.textStr(), e.nameStr())
	}
}

func TestGroupSemantics(t *testing.T) {
	g, ctx := NewGroup(context.Background(), "workers")
	errFirst := errors.New("first failure")
	var finished atomic.Int32
	started := make(chan struct{})
	for i := 0; i < 3; i++ {
		g.Go("waiter-"+strconv.Itoa(i), func(ctx context.Context) error {
			started <- struct{}{}
			<-ctx.Done()
			time.Sleep(20 * time.Millisecond) // Wait must wait for this
			finished.Add(1)
			return ctx.Err()
		})
	}
	for i := 0; i < 3; i++ {
		<-started
	}
	var failID atomic.Uint64
	g.Go("failer", func(ctx context.Context) error {
		failID.Store(currentTaskID(ctx))
		return errFirst
	})
	err := g.Wait()
	if err != errFirst {
		t.Fatalf("Wait = %v, want the first error", err)
	}
	if finished.Load() != 3 {
		t.Fatalf("Wait returned with %d of 3 tasks finished", finished.Load())
	}
	if ctx.Err() == nil || !errors.Is(context.Cause(ctx), errFirst) {
		t.Fatalf("group ctx err=%v cause=%v", ctx.Err(), context.Cause(ctx))
	}
	gctxID := currentCtxID(ctx)
	c := waitCancel(t, gctxID)
	if c.how != howExplicit || c.causeStr() != "first failure" || c.taskID != failID.Load() {
		t.Errorf("group cancel record how=%d cause=%q task=%d, want failer %d", c.how, c.causeStr(), c.taskID, failID.Load())
	}
	e := waitEnded(t, failID.Load())
	if e.groupID == 0 || string(e.groupName[:e.groupNameLen]) != "workers" || e.flags&flagInGroup == 0 || e.ctxID != gctxID {
		t.Errorf("failer record group=%d %q flags=%d ctx=%d (group ctx %d)", e.groupID, e.groupName[:e.groupNameLen], e.flags, e.ctxID, gctxID)
	}

	// No error: Wait returns nil after all tasks, and only then cancels the context.
	g2, ctx2 := NewGroup(context.Background(), "ok")
	var n atomic.Int32
	for i := 0; i < 5; i++ {
		g2.Go("ok", func(ctx context.Context) error {
			if ctx.Err() != nil {
				t.Error("group context cancelled while tasks run")
			}
			n.Add(1)
			return nil
		})
	}
	if err := g2.Wait(); err != nil || n.Load() != 5 || ctx2.Err() == nil {
		t.Fatalf("Wait = %v, ran %d, ctx err %v", err, n.Load(), ctx2.Err())
	}
}

func TestPersistentGroup(t *testing.T) {
	g := NewPersistentGroup(context.Background(), "daemons")
	failed := make(chan uint64, 1)
	g.Go("flaky", func(ctx context.Context) error {
		failed <- currentTaskID(ctx)
		return errors.New("flaky broke")
	})
	id := <-failed
	e := waitEnded(t, id)
	if e.outcome != outcomeError || e.textStr() != "flaky broke" {
		t.Fatalf("failure not recorded: %d %q", e.outcome, e.textStr())
	}
	var alive, stopped atomic.Int32
	ready := make(chan struct{}, 2)
	for i := 0; i < 2; i++ {
		g.Go("steady", func(ctx context.Context) error {
			alive.Add(1)
			ready <- struct{}{}
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond)
			stopped.Add(1)
			return ctx.Err()
		})
	}
	<-ready
	<-ready
	time.Sleep(10 * time.Millisecond)
	if alive.Load() != 2 || stopped.Load() != 0 {
		t.Fatalf("siblings affected by a failure: alive %d stopped %d", alive.Load(), stopped.Load())
	}
	g.Shutdown()
	if stopped.Load() != 2 {
		t.Fatalf("Shutdown returned before tasks ended: stopped %d", stopped.Load())
	}
	c := waitCancel(t, currentCtxID(g.core.ctx))
	if c.how != howExplicit || c.causeStr() != errShutdown.Error() || !containsFunc(cancellerFuncs(&c), ".TestPersistentGroup") {
		t.Errorf("shutdown cancel how=%d cause=%q stack=%v", c.how, c.causeStr(), cancellerFuncs(&c))
	}
}

//go:noinline
func cancelFromHere(cancel context.CancelCauseFunc) {
	cancel(errors.New("operator requested stop"))
}

//go:noinline
func cancelPlainFromHere(cancel context.CancelFunc) { cancel() }

// TestCancellerStackEveryCancelFunc checks, for each kind of CancelFunc, that the
// canceller stack (as readers show it: without the CancelFunc plumbing) starts in the
// function that called cancel, called both from a separate function and directly.
func TestCancellerStackEveryCancelFunc(t *testing.T) {
	makers := map[string]func() (context.Context, context.CancelFunc){
		"WithCancel": func() (context.Context, context.CancelFunc) { return WithCancel(context.Background()) },
		"WithCancelCause": func() (context.Context, context.CancelFunc) {
			ctx, cancel := WithCancelCause(context.Background())
			return ctx, func() { cancel(nil) }
		},
		"WithTimeout": func() (context.Context, context.CancelFunc) {
			return WithTimeout(context.Background(), time.Hour)
		},
		"WithDeadline": func() (context.Context, context.CancelFunc) {
			return WithDeadline(context.Background(), time.Now().Add(time.Hour))
		},
	}
	for name, mk := range makers {
		ctx, cancel := mk()
		cancelPlainFromHere(cancel)
		c := waitCancel(t, currentCtxID(ctx))
		funcs := cancellerFuncs(&c)
		// WithCancelCause's cancel is wrapped by the maker's closure above.
		if want := ".cancelPlainFromHere"; !strings.HasSuffix(funcs[0], want) && !(name == "WithCancelCause" && strings.HasSuffix(funcs[1], want)) {
			t.Errorf("%s: canceller stack %v, want it to start at cancelPlainFromHere (raw: %v)", name, funcs, symbolize(c.pcs[:c.npcs]))
		}
	}
	ctx, cancel := WithCancel(context.Background())
	cancel()
	c := waitCancel(t, currentCtxID(ctx))
	if funcs := cancellerFuncs(&c); !strings.HasSuffix(funcs[0], ".TestCancellerStackEveryCancelFunc") {
		t.Errorf("canceller stack %v, want it to start at the test", funcs)
	}
}

func TestCancellerStackAndCause(t *testing.T) {
	ctx, cancel := WithCancelCause(context.Background())
	id := currentCtxID(ctx)
	cancelFromHere(cancel)
	cancel(errors.New("second cancel is not recorded"))
	c := waitCancel(t, id)
	funcs := cancellerFuncs(&c)
	if !strings.HasSuffix(funcs[0], ".cancelFromHere") {
		t.Errorf("canceller stack starts at %s, want cancelFromHere: %v", funcs[0], funcs)
	}
	if !containsFunc(funcs, ".TestCancellerStackAndCause") {
		t.Errorf("canceller stack %v lacks the test", funcs)
	}
	if c.causeStr() != "operator requested stop" || c.how != howExplicit || c.goid != stackGoid() || c.taskID != 0 {
		t.Errorf("record cause=%q how=%d goid=%d task=%d", c.causeStr(), c.how, c.goid, c.taskID)
	}
	n := 0
	for _, r := range cancelsNewestFirst() {
		if r.ctxID == id {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d records for one context", n)
	}
	if !errors.Is(context.Cause(ctx), ctx.Err()) && context.Cause(ctx).Error() != "operator requested stop" {
		t.Errorf("cause not delivered: %v", context.Cause(ctx))
	}
}

func TestCancellationChain(t *testing.T) {
	// root ctx <- mid (child of root) <- leaf; a task cancels root.
	rootCtx, cancelRoot := WithCancel(context.Background())
	defer cancelRoot()
	mid, cancelMid := WithCancel(context.WithValue(rootCtx, "k", "v")) // non-tracker layer between
	defer cancelMid()
	leaf, cancelLeaf := WithTimeout(mid, time.Hour)
	defer cancelLeaf()
	rootID, midID, leafID := currentCtxID(rootCtx), currentCtxID(mid), currentCtxID(leaf)

	taskID := make(chan uint64, 1)
	Go(context.Background(), "canceller", func(ctx context.Context) error {
		taskID <- currentTaskID(ctx)
		cancelRoot()
		return nil
	})
	canceller := <-taskID
	<-leaf.Done()
	lc := waitCancel(t, leafID)
	mc := waitCancel(t, midID)
	rc := waitCancel(t, rootID)
	if lc.how != howParent || lc.parentCtxID != midID {
		t.Errorf("leaf: how=%d parent=%d, want parent %d", lc.how, lc.parentCtxID, midID)
	}
	if mc.how != howParent || mc.parentCtxID != rootID {
		t.Errorf("mid: how=%d parent=%d, want parent %d", mc.how, mc.parentCtxID, rootID)
	}
	if rc.how != howExplicit || rc.parentCtxID != 0 || rc.taskID != canceller || rc.goid == 0 {
		t.Errorf("root: how=%d parent=%d task=%d goid=%d, want task %d", rc.how, rc.parentCtxID, rc.taskID, rc.goid, canceller)
	}
	e := waitEnded(t, canceller)
	if e.goid != rc.goid {
		t.Errorf("canceller task goid %d, cancel record goid %d", e.goid, rc.goid)
	}
}

// TestParentCauseInChildRecords cancels parents with a cause a hundred times: each child
// without a deadline (watched through its parent) and with one (watched through itself)
// records how=parent, its parent's id and the parent's cause. (The child without a
// deadline is recorded from its parent's AfterFunc, which may run before the
// parent's cancellation reaches the child itself; that interleaving is rare and this
// test does not force it: it pins the recorded values.)
func TestParentCauseInChildRecords(t *testing.T) {
	for i := 0; i < 100; i++ {
		parent, cancel := WithCancelCause(context.Background())
		std, stdCancel := context.WithCancel(parent) // a standard layer in between
		plain, cancelPlain := WithCancel(std)
		timed, cancelTimed := WithTimeout(parent, time.Hour)
		cause := fmt.Sprintf("stop %d", i)
		cancel(errors.New(cause))
		for _, c := range []struct {
			name     string
			ctx      context.Context
			parentID uint64
		}{{"plain", plain, currentCtxID(parent)}, {"timed", timed, currentCtxID(parent)}} {
			<-c.ctx.Done()
			r := waitCancel(t, currentCtxID(c.ctx))
			if r.how != howParent || r.parentCtxID != c.parentID || r.causeStr() != cause || r.npcs != 0 {
				t.Fatalf("round %d, %s: how=%d parent=%d cause=%q npcs=%d, want parent %d cause %q",
					i, c.name, r.how, r.parentCtxID, r.causeStr(), r.npcs, c.parentID, cause)
			}
		}
		cancelPlain()
		cancelTimed()
		stdCancel()
	}
}

func TestDeadlineRecorded(t *testing.T) {
	ctx, cancel := WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	c := waitCancel(t, currentCtxID(ctx))
	if c.how != howDeadline || c.causeStr() != context.DeadlineExceeded.Error() || c.npcs != 0 {
		t.Fatalf("deadline record how=%d cause=%q npcs=%d", c.how, c.causeStr(), c.npcs)
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("ctx err %v", ctx.Err())
	}
	d, ok := ctx.Deadline()
	if !ok || c.nanos < d.UnixNano() {
		t.Fatalf("deadline %v ok=%v, record at %d", d, ok, c.nanos)
	}
	// WithDeadline in the past is cancelled at once, still as a deadline.
	ctx2, cancel2 := WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if c2 := waitCancel(t, currentCtxID(ctx2)); c2.how != howDeadline {
		t.Fatalf("past deadline how=%d", c2.how)
	}
}

func TestLabelsInGoroutineProfile(t *testing.T) {
	release := make(chan struct{})
	idc := make(chan uint64, 1)
	base := pprof.WithLabels(context.Background(), pprof.Labels("service", "billing"))
	Go(base, "labelled-task", func(ctx context.Context) error {
		idc <- currentTaskID(ctx)
		<-release
		return nil
	})
	id := <-idc
	defer func() { close(release); waitEnded(t, id) }() // ended before the next test
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatalf("goroutine profile: %v", err)
	}
	want := fmt.Sprintf(`labels: {"service":"billing", "task":"labelled-task", "task.id":"%d"}`, id)
	if !strings.Contains(buf.String(), want) {
		t.Fatalf("profile lacks %s:\n%s", want, buf.String())
	}
}

type blockingErr struct {
	calls atomic.Int32
	gate  chan struct{}
	ready chan struct{}
}

// Error returns the panic text; its second call (by the runtime printing the re-raised
// panic) lets the child's main goroutine inspect the record first.
func (b *blockingErr) Error() string {
	if b.calls.Add(1) == 2 {
		close(b.ready)
		<-b.gate
	}
	return "boom from task"
}

// TestPanicChild is the subprocess body of TestPanicRecordedAndPropagates.
func TestPanicChild(t *testing.T) {
	if os.Getenv("TRACKER_PANIC_CHILD") != "1" {
		t.Skip("subprocess only")
	}
	be := &blockingErr{gate: make(chan struct{}), ready: make(chan struct{})}
	idc := make(chan uint64, 1)
	Go(context.Background(), "doomed", func(ctx context.Context) error {
		idc <- currentTaskID(ctx)
		panicHere(be)
		return nil
	}, Preserve())
	id := <-idc
	<-be.ready
	e := waitEnded(t, id)
	funcs := symbolize(e.panicPCs[:e.panicNpcs])
	fmt.Printf("RECORD outcome=%d text=%q panicHere=%v preserved=%d\n", e.outcome, e.textStr(),
		containsFunc(funcs, ".panicHere"), len(preservedRecs()))
	close(be.gate)
	time.Sleep(5 * time.Second) // the re-raised panic ends the process first
	fmt.Println("NOT REACHED")
}

//go:noinline
func panicHere(v any) { panic(v) }

func TestPanicRecordedAndPropagates(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPanicChild$", "-test.v")
	cmd.Env = append(os.Environ(), "TRACKER_PANIC_CHILD=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("child exit: %v, want status 2 (panic)\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{
		`RECORD outcome=4 text="boom from task" panicHere=true preserved=1`,
		"panic: ",
		"boom from task",
		"panicHere",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("child output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "NOT REACHED") {
		t.Errorf("panic did not end the child")
	}
}

func TestGoexitRecorded(t *testing.T) {
	idc := make(chan uint64, 1)
	Go(context.Background(), "exits", func(ctx context.Context) error {
		idc <- currentTaskID(ctx)
		runtimeGoexit()
		return nil
	})
	if e := waitEnded(t, <-idc); e.outcome != outcomeGoexit {
		t.Fatalf("outcome %d, want goexit", e.outcome)
	}
}

func TestRecordingAllocatesNothing(t *testing.T) {
	lr := &taskRecord{id: 1, nameLen: 4}
	copy(lr.name[:], "test")
	pcs := make([]uintptr, 10)
	ei := &endInfo{outcome: outcomeError, text: "some error", endNanos: 1, goid: 3, panicPCs: pcs}
	if a := testing.AllocsPerRun(1000, func() { recordEnd(lr, -1, ei) }); a != 0 {
		t.Errorf("recordEnd allocates %v per run", a)
	}
	ci := &cancelInfo{ctxID: 1, how: howExplicit, cause: "stop", pcs: pcs, nanos: 1}
	if a := testing.AllocsPerRun(1000, func() { recordCancel(ci) }); a != 0 {
		t.Errorf("recordCancel allocates %v per run", a)
	}
	// The whole cancel path of a tracker context, after creation.
	ctxs := make([]context.CancelFunc, 1002)
	for i := range ctxs {
		_, ctxs[i] = WithCancel(context.Background())
	}
	i := 0
	if a := testing.AllocsPerRun(1000, func() { ctxs[i](); i++ }); a != 0 {
		t.Errorf("cancel allocates %v per run", a)
	}
}
