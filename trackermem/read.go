package trackermem

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// DefaultMaxBytes bounds the bytes one Read takes from the target unless
// Options says otherwise: a full live arena (4096 chunks of 120,832 bytes)
// and preserved arena (1024 chunks of 64 KiB) with room for the rings.
const DefaultMaxBytes = 1 << 30

// DefaultMaxTime bounds the time one Read spends reading unless Options
// says otherwise. A live target stays stopped while it is read, so a bad
// layout must not hold it longer than this: what is not read in time is
// counted as not read and the result is marked partial.
const DefaultMaxTime = 5 * time.Second

// Options tune Read.
type Options struct {
	// MaxBytes bounds the bytes read from the target (0: DefaultMaxBytes).
	MaxBytes int64
	// Stopped says the target cannot run while it is read (a halted process
	// or a core: every read through Delve): each page is read once instead
	// of three times. Records caught mid-write are still skipped.
	Stopped bool
	// SkipLive leaves the live arena out: for readers of the history only.
	SkipLive bool
	// MaxTime bounds the time spent reading (0: DefaultMaxTime). Each part
	// of the tracker (live arena, preserved arena, cancellation ring,
	// terminated ring) keeps a share for the parts read after it, so a
	// part that takes too long cannot starve the others.
	MaxTime time.Duration
}

// Result is what Read found.
type Result struct {
	// Tracker holds the records; every Frame has only its PC set, for the
	// caller to symbolize (PCs lists them, each once).
	Tracker *model.Tracker
	PCs     []uint64
	Root    Root
	// Problems describes structures that could not be read (a corrupt ring
	// header, an unreadable chunk); their records are counted in
	// Tracker.Skipped. Tracker.Problems holds the same lines.
	Problems []string
	// Partial is set when the time or byte budget cut the read.
	Partial bool
	// Reads and Bytes count the memory reads made.
	Reads int
	Bytes int64
}

// Read walks the tracker whose root variable is at rootAddr, following
// tracker/LAYOUT.md: it reads the root, the live chunks, the rings and the
// preserved chunks in bulk (at most MaxRead bytes per call) and decodes
// every record, applying the seqlock protocol: for each page of records the
// seq words are taken from a read made before the body's read and from one
// made after it. An error means the root itself is unusable; anything below
// it that cannot be read is reported in Problems and Skipped.
func Read(ctx context.Context, mem Memory, rootAddr uint64, l Layout, opts Options) (*Result, error) {
	if err := l.Check(); err != nil {
		return nil, err
	}
	budget := opts.MaxBytes
	if budget <= 0 {
		budget = DefaultMaxBytes
	}
	maxTime := opts.MaxTime
	if maxTime <= 0 {
		maxTime = DefaultMaxTime
	}
	w := &walker{r: reader{ctx: ctx, mem: mem, budget: budget}, l: &l, stopped: opts.Stopped,
		skipped: map[string]int{}, pcs: map[uint64]struct{}{}, deadline: time.Now().Add(maxTime), reserve: maxTime / 8}
	buf := make([]byte, l.span())
	if err := w.r.read(buf, rootAddr); err != nil {
		return nil, fmt.Errorf("read tracker root: %w", err)
	}
	root, err := DecodeRoot(&l, buf)
	if err != nil {
		return nil, err
	}
	w.d = &Decoder{l: l, lim: root.Limits}
	var live []model.Task
	if !opts.SkipLive {
		w.section("live arena", 3)
		live = w.live(root.Live)
	}
	w.section("preserved arena", 2)
	pres := w.preserved(root.Preserved)
	w.section("cancellation ring", 1)
	cancels := w.cancelRing(root.Cancels)
	w.section("terminated ring", 0)
	ended := w.endRing(root.Ended)
	if err := w.fatal(); err != nil {
		return nil, err
	}
	terminated := mergeTerminated(ended, pres)
	t := &model.Tracker{
		Version:       int(root.Version),
		Live:          dropEnded(live, terminated),
		Terminated:    terminated,
		Cancellations: cancels,
		Skipped:       w.skipped,
		Dropped:       clampInt(root.Live.Dropped, root.Preserved.Dropped),
		Problems:      w.problems,
		Partial:       w.partial,
	}
	if root.RecentNanos > 0 {
		t.Now = unixTime(root.RecentNanos)
	}
	t.Now = newestTime(t)
	res := &Result{Tracker: t, Root: root, Problems: w.problems, Partial: w.partial, Reads: w.r.reads, Bytes: w.r.bytes}
	for pc := range w.pcs {
		res.PCs = append(res.PCs, pc)
	}
	sort.Slice(res.PCs, func(i, j int) bool { return res.PCs[i] < res.PCs[j] })
	return res, nil
}

// newestTime returns the latest of t.Now (the root's recentNanos, which the writer lets
// lag behind its newest record by up to a millisecond) and the times of t's records,
// ignoring record times more than a second past recentNanos (corrupt memory).
func newestTime(t *model.Tracker) time.Time {
	now := t.Now
	limit := now.Add(time.Second)
	later := func(x time.Time) {
		if x.After(now) && (t.Now.IsZero() || !x.After(limit)) {
			now = x
		}
	}
	for i := range t.Live {
		later(t.Live[i].Started)
	}
	for i := range t.Terminated {
		later(t.Terminated[i].Ended)
	}
	for i := range t.Cancellations {
		later(t.Cancellations[i].Time)
	}
	return now
}

func clampInt(a, b uint64) int {
	s := a + b
	if s < a || s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(s)
}

// walker carries the state of one Read.
type walker struct {
	r        reader
	l        *Layout
	d        *Decoder
	skipped  map[string]int
	problems []string
	pcs      map[uint64]struct{}
	// buffers of one page, reused: seqs before, body, seqs after (all one
	// buffer when the target is stopped).
	pre, body, post []byte
	stopped         bool
	stop            error // context cancelled or budget exhausted
	// deadline ends the whole read; the part being read ends reserve
	// before it for each part still to come (sectionEnd).
	deadline, sectionEnd time.Time
	reserve              time.Duration
	what                 string // the part being read
	partial              bool
}

// section starts reading part what, with later parts still to come.
func (w *walker) section(what string, later int) {
	w.what = what
	w.sectionEnd = w.deadline.Add(-time.Duration(later) * w.reserve)
}

// overTime reports whether the current part has used its time, and if so
// counts n records as not read and notes it once.
func (w *walker) overTime(n uint64) bool {
	if time.Now().Before(w.sectionEnd) {
		return false
	}
	w.partial = true
	w.problem(ReasonBudget, n, "%s: read cut by the time budget, %d records not read", w.what, n)
	return true
}

// fatal returns the error that must abort the whole read (cancellation).
func (w *walker) fatal() error {
	if w.stop != nil && !errors.Is(w.stop, ErrBudget) {
		return w.stop
	}
	if w.stop != nil {
		w.partial = true
	}
	return nil
}

// problem notes a structure that could not be read and counts n records
// as skipped for reason.
func (w *walker) problem(reason string, n uint64, format string, a ...any) {
	w.count(reason, n)
	if len(w.problems) < 100 {
		w.problems = append(w.problems, fmt.Sprintf(format, a...))
	}
}

// count adds n records skipped for reason (nothing for 0).
func (w *walker) count(reason string, n uint64) {
	if n > 0 {
		w.skipped[reason] = clampInt(uint64(w.skipped[reason]), n)
	}
}

func (w *walker) skip(st Status) {
	if st == MidWrite || st == Corrupt {
		w.skipped[st.String()]++
	}
}

func (w *walker) notePCs(fs []model.Frame) {
	for _, f := range fs {
		w.pcs[f.PC] = struct{}{}
	}
}

// pageRecords is how many records of stride bytes one page holds.
func pageRecords(stride uint64) uint64 { return max(1, MaxRead/stride) }

// readPage reads n records of stride bytes at addr three times: the first
// and last reads provide the seq words, the middle one the bodies. When the
// target is stopped one read serves as all three: nothing can change between
// them, and a record the target was writing when it stopped still shows an
// odd (or zero) seq inside the body. It returns false (after noting the
// problem) when memory cannot be read.
func (w *walker) readPage(addr, n, stride uint64, what string) bool {
	if w.stop != nil {
		return false
	}
	size := n * stride
	if w.stopped {
		if uint64(cap(w.body)) < size {
			w.body = make([]byte, size)
		}
		w.body = w.body[:size]
		w.pre, w.post = w.body, w.body
		if err := w.r.read(w.body, addr); err != nil {
			w.readFailed(err, n, what)
			return false
		}
		return true
	}
	if uint64(cap(w.body)) < size {
		w.pre, w.body, w.post = make([]byte, size), make([]byte, size), make([]byte, size)
	}
	w.pre, w.body, w.post = w.pre[:size], w.body[:size], w.post[:size]
	for _, b := range [][]byte{w.pre, w.body, w.post} {
		if err := w.r.read(b, addr); err != nil {
			w.readFailed(err, n, what)
			return false
		}
	}
	return true
}

// readFailed notes a page of n records that could not be read: stops the
// whole read on cancellation or an exhausted byte budget.
func (w *walker) readFailed(err error, n uint64, what string) {
	reason := ReasonUnreadable
	if w.r.ctx.Err() != nil || errors.Is(err, ErrBudget) {
		w.stop = err
	}
	if errors.Is(err, ErrBudget) {
		reason = ReasonBudget
	}
	w.problem(reason, n, "%s: %v", what, err)
}

// seqs returns the seq words of record i of the page (before and after)
// and its body.
func (w *walker) seqs(i, stride, seqOff uint64) (uint64, []byte, uint64) {
	o := i * stride
	f := Field{Off: o + seqOff, Size: 8}
	return u64(w.pre, f), w.body[o : o+stride], u64(w.post, f)
}

// chunkSlots reads the first n slots of a chunked arena (chunks of chunkLen
// records laid out as st), a page at a time, and calls each with every
// slot's index k (0, 1, ...) and its seq words and body.
//
// A chunk whose address repeats, or whose records overlap another chunk's,
// is not read: chunks are separate allocations, so the directory is
// corrupt there, and reading it would only repeat records (4096 entries
// naming one chunk would read it 4096 times). When everWritten is set
// (the live arena: every slot below used has been handed out and written
// at least once) two pages in a row of never-written slots end the walk:
// the arena's header claims more than it holds.
func (w *walker) chunkSlots(chunks []uint64, chunkLen, n uint64, st Struct, what string, everWritten bool, each func(k, seq1 uint64, body []byte, seq2 uint64)) {
	stride, seqOff := st.Size, st.Fields["seq"].Off
	bad := overlapping(chunks, chunkLen*stride)
	dup, dupSlots, blank, blankFrom := 0, uint64(0), 0, uint64(0)
	defer func() {
		if dup > 0 {
			w.problem(ReasonDuplicate, dupSlots, "%s: %d chunk-directory entries repeat or overlap another chunk (not read)", what, dup)
		}
	}()
	for c, p := range chunks {
		first := uint64(c) * chunkLen
		if first >= n {
			break
		}
		inChunk := min(n-first, chunkLen)
		if p == 0 {
			w.problem(ReasonUnreadable, inChunk, "%s chunk %d: nil", what, c)
			continue
		}
		if bad[c] {
			dup++
			dupSlots += inChunk
			continue
		}
		for s := uint64(0); s < inChunk; s += pageRecords(stride) {
			k := min(pageRecords(stride), inChunk-s)
			if w.overTime(n - first - s) {
				return
			}
			if !w.readPage(p+s*stride, k, stride, fmt.Sprintf("%s chunk %d", what, c)) {
				continue
			}
			if everWritten && w.neverWritten(k, stride, seqOff) {
				if blank++; blank == 1 {
					blankFrom = first + s
				} else {
					w.problem(ReasonCorrupt, n-blankFrom, "%s: slots from %d on never written although the arena says %d are in use (corrupt header?): %d not read", what, blankFrom, n, n-blankFrom)
					return
				}
				continue // never-written slots are not records
			}
			blank = 0
			for i := uint64(0); i < k; i++ {
				seq1, body, seq2 := w.seqs(i, stride, seqOff)
				each(first+s+i, seq1, body, seq2)
			}
		}
	}
}

// neverWritten reports whether every one of the k records of the page just
// read has a zero seq: none was ever written.
func (w *walker) neverWritten(k, stride, seqOff uint64) bool {
	for i := uint64(0); i < k; i++ {
		if s1, _, s2 := w.seqs(i, stride, seqOff); s1 != 0 || s2 != 0 {
			return false
		}
	}
	return true
}

// overlapping marks the chunks (by directory index) that repeat an earlier
// entry's address or overlap the size bytes of another chunk; nil entries
// are left to the caller.
func overlapping(chunks []uint64, size uint64) []bool {
	bad := make([]bool, len(chunks))
	order := make([]int, 0, len(chunks))
	for c, p := range chunks {
		if p != 0 {
			order = append(order, c)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return chunks[order[i]] < chunks[order[j]] })
	for i := 1; i < len(order); i++ {
		prev, cur := chunks[order[i-1]], chunks[order[i]]
		if cur-prev < size {
			// Same or overlapping memory: keep the entry seen first in
			// the directory.
			if order[i] < order[i-1] {
				bad[order[i-1]] = true
				order[i-1], order[i] = order[i], order[i-1]
			} else {
				bad[order[i]] = true
				order[i] = order[i-1] // compare the next one with the kept chunk
			}
		}
	}
	return bad
}

// live reads the used slots of every live chunk.
func (w *walker) live(a LiveArena) []model.Task {
	seen := map[uint64]bool{}
	var out []model.Task
	w.chunkSlots(a.Chunks, LiveChunkLen, a.Used, w.l.TaskRecord, "live", true, func(_, seq1 uint64, body []byte, seq2 uint64) {
		rec, st := w.d.DecodeTask(seq1, body, seq2)
		if st != Valid {
			w.skip(st)
			return
		}
		if seen[rec.Task.ID] {
			w.skip(Corrupt)
			return
		}
		seen[rec.Task.ID] = true
		w.notePCs(rec.Task.Created)
		out = append(out, rec.Task)
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ring reads the header of the ring at addr and calls each, in memory
// order, for every claimed slot with the write index it must hold.
func (w *walker) ring(addr uint64, stride uint64, seqOff uint64, what string, each func(want, capacity, seq1 uint64, body []byte, seq2 uint64)) {
	if addr == 0 {
		w.problem(ReasonCorrupt, 0, "%s: nil ring", what)
		return
	}
	hdr := make([]byte, w.l.Ring.Size)
	if err := w.r.read(hdr, addr); err != nil {
		if w.r.ctx.Err() != nil || errors.Is(err, ErrBudget) {
			w.stop = err
		}
		w.problem(ReasonUnreadable, 0, "%s header: %v", what, err)
		return
	}
	r, err := DecodeRing(w.l, hdr)
	if err != nil {
		// With the ring's magic intact, its write index still says how
		// many records were claimed (up to the capacity bound): count
		// them as lost to the corrupt header.
		var lost uint64
		if f := w.l.Ring.Fields; u64(hdr, f["magic"]) == RingMagic {
			lost = min(u64(hdr, f["writeIndex"]), MaxCapacity)
		}
		w.problem(ReasonCorrupt, lost, "%s: %v", what, err)
		return
	}
	if r.Recs+r.Capacity*stride < r.Recs || r.Capacity > math.MaxUint64/stride {
		w.problem(ReasonCorrupt, 0, "%s: records at %#x overflow the address space", what, r.Recs)
		return
	}
	n := min(r.WriteIndex, r.Capacity) // claimed slots: write indexes w-n+1 .. w
	if n == 0 {
		return
	}
	newest := (r.WriteIndex - 1) % r.Capacity
	// The claimed slots form at most two runs in memory: [0, newest] and
	// [cap-(n-newest-1), cap) when they wrap, else [newest-n+1, newest].
	type run struct{ lo, hi uint64 }
	var runs []run
	if n <= newest+1 {
		runs = []run{{newest + 1 - n, newest}}
	} else {
		runs = []run{{0, newest}, {r.Capacity - (n - newest - 1), r.Capacity - 1}}
	}
	left := n // claimed slots not looked at yet
	blank, pending := 0, uint64(0)
	defer func() { // a lone never-written page: slots claimed, not written yet
		w.count(ReasonMidWrite, pending)
	}()
	for _, rn := range runs {
		for s := rn.lo; s <= rn.hi; s += pageRecords(stride) {
			k := min(pageRecords(stride), rn.hi-s+1)
			if w.overTime(left) {
				return
			}
			left -= k
			if !w.readPage(r.Recs+s*stride, k, stride, what) {
				// Give up on this ring: the rest is likely unreadable too.
				w.count(ReasonUnreadable, left)
				return
			}
			// Claimed slots are written (but for the few being written
			// when the target stopped): two pages in a row of slots never
			// written mean the header claims more than the ring holds.
			if w.neverWritten(k, stride, seqOff) {
				pending += k
				if blank++; blank == 2 {
					w.problem(ReasonCorrupt, left+pending, "%s: claims %d records (capacity %d) but slots near %d were never written (corrupt header?): %d not read", what, n, r.Capacity, s, left+pending)
					pending = 0
					return
				}
				continue
			}
			w.count(ReasonMidWrite, pending)
			blank, pending = 0, 0
			for i := uint64(0); i < k; i++ {
				slot := s + i
				want := r.WriteIndex - (newest+r.Capacity-slot)%r.Capacity
				seq1, body, seq2 := w.seqs(i, stride, seqOff)
				each(want, r.Capacity, seq1, body, seq2)
			}
		}
	}
}

// indexStatus classifies a record whose index is not the expected one: an
// older record of the same slot (the newer claim is not written yet) is
// mid-write; anything else is corrupt.
func indexStatus(got, want, capacity uint64) Status {
	if got < want && (want-got)%capacity == 0 {
		return MidWrite
	}
	return Corrupt
}

// ringRecords reads a ring of records laid out as st, keeping the valid
// ones, newest first. decode returns a record, the write index stored in it
// and its status; a slot claimed but not written yet, or holding an older
// record, counts as mid-write, any other index mismatch as corrupt.
func ringRecords[R any](w *walker, addr uint64, st Struct, what string, decode func(seq1 uint64, body []byte, seq2 uint64) (R, uint64, Status)) []R {
	type at struct {
		index uint64 // write index: larger is newer
		rec   R
	}
	var found []at
	w.ring(addr, st.Size, st.Fields["seq"].Off, what, func(want, capacity, seq1 uint64, body []byte, seq2 uint64) {
		rec, index, status := decode(seq1, body, seq2)
		switch {
		case status == Empty:
			status = MidWrite // claimed but not written yet
		case status == Valid && index != want:
			status = indexStatus(index, want, capacity)
		}
		if status != Valid {
			w.skip(status)
			return
		}
		found = append(found, at{want, rec})
	})
	sort.Slice(found, func(i, j int) bool { return found[i].index > found[j].index })
	out := make([]R, len(found))
	for i := range found {
		out[i] = found[i].rec
	}
	return out
}

// endRing reads the terminated-task ring, newest first.
func (w *walker) endRing(addr uint64) []model.Termination {
	recs := ringRecords(w, addr, w.l.EndRecord, "terminated ring", func(seq1 uint64, body []byte, seq2 uint64) (EndRecord, uint64, Status) {
		rec, st := w.d.DecodeEnd(seq1, body, seq2)
		return rec, rec.Index, st
	})
	seen := map[uint64]bool{}
	out := make([]model.Termination, 0, len(recs))
	for _, r := range recs {
		t := r.Termination
		if seen[t.Task.ID] {
			w.skip(Corrupt)
			continue
		}
		seen[t.Task.ID] = true
		w.notePCs(t.Task.Created)
		w.notePCs(t.PanicStack)
		out = append(out, t)
	}
	return out
}

// preserved reads the written slots of the preserved arena: slot k holds
// index k+1 once written.
func (w *walker) preserved(a PresArena) []model.Termination {
	var out []model.Termination
	w.chunkSlots(a.Chunks, PresChunkLen, a.Reserved, w.l.EndRecord, "preserved", false, func(k, seq1 uint64, body []byte, seq2 uint64) {
		rec, st := w.d.DecodeEnd(seq1, body, seq2)
		if st == Valid && rec.Index != k+1 {
			st = Corrupt
		}
		if st != Valid {
			w.skip(st)
			return
		}
		rec.Termination.Preserved = true
		out = append(out, rec.Termination)
	})
	return out
}

// dropEnded removes from live the tasks that have a termination record. A task's end
// record is written just before its live record is cleared, so a process stopped in
// between holds both: the task has ended (its goroutine is leaving the wrapper).
func dropEnded(live []model.Task, ended []model.Termination) []model.Task {
	if len(live) == 0 || len(ended) == 0 {
		return live
	}
	done := make(map[uint64]bool, len(ended))
	for _, e := range ended {
		done[e.Task.ID] = true
	}
	out := live[:0]
	for _, tk := range live {
		if !done[tk.ID] {
			out = append(out, tk)
		}
	}
	return out
}

// mergeTerminated merges the ring (newest first) with the preserved records
// that are no longer in it, by end time; each task once.
func mergeTerminated(ring, pres []model.Termination) []model.Termination {
	inRing := make(map[uint64]int, len(ring))
	for i, t := range ring {
		inRing[t.Task.ID] = i
	}
	var extra []model.Termination
	seen := map[uint64]bool{}
	for _, t := range pres {
		if i, ok := inRing[t.Task.ID]; ok {
			ring[i].Preserved = true
			continue
		}
		if !seen[t.Task.ID] {
			seen[t.Task.ID] = true
			extra = append(extra, t)
		}
	}
	sort.SliceStable(extra, func(i, j int) bool { return extra[i].Ended.After(extra[j].Ended) })
	out := make([]model.Termination, 0, len(ring)+len(extra))
	i, j := 0, 0
	for i < len(ring) || j < len(extra) {
		if j == len(extra) || (i < len(ring) && !extra[j].Ended.After(ring[i].Ended)) {
			out = append(out, ring[i])
			i++
		} else {
			out = append(out, extra[j])
			j++
		}
	}
	return out
}

// cancelRing reads the cancellation ring, newest first.
func (w *walker) cancelRing(addr uint64) []model.Cancellation {
	recs := ringRecords(w, addr, w.l.CancelRecord, "cancellation ring", func(seq1 uint64, body []byte, seq2 uint64) (CancelRecord, uint64, Status) {
		rec, st := w.d.DecodeCancel(seq1, body, seq2)
		return rec, rec.Index, st
	})
	seen := map[uint64]bool{}
	out := make([]model.Cancellation, 0, len(recs))
	for _, r := range recs {
		c := r.Cancellation
		if seen[c.ContextID] {
			w.skip(Corrupt)
			continue
		}
		seen[c.ContextID] = true
		w.notePCs(c.Stack)
		out = append(out, c)
	}
	return out
}
