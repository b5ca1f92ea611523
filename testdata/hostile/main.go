// Command hostile is a debugger test target that attacks its debugger
// through the tracker's records. Its tasks, groups, error texts, causes and
// pprof labels carry terminal escape sequences (window title, clear screen,
// a forged table row, a C1 CSI, a bidi override, a cut UTF-8 sequence), and
// with -corrupt it then scribbles over its own tracker memory through
// unsafe, following tracker/LAYOUT.md, as a memory corruption would:
//
//	namelen        every live record's nameLen set to 2^31
//	ringcap0       the terminated ring's capacity set to 0
//	ringunmapped   the terminated ring's records pointer set to unmapped memory
//	magic          the root's magic broken
//	dupchunks      all 4096 live chunk-directory entries pointing at chunk 0,
//	               nchunks 4096 and used 1,048,576
//	bigring        the terminated ring claiming 10,000,000 records
//	goid           the live record of "spare" claims goroutine 1
//	startafterend  a terminated record ("finished-late") starting an hour after it ended
//	cycle          a live record ("spare") naming itself as its parent
//	oddseq         one live record ("spare") caught mid-write (odd seq)
//
// Several modes combine with commas. Tasks, in start order (ids 1..10):
//
//	1 "\x1b]0;PWNED\a\x1b[2J\x1b[H\r\nFAKE LINE t:999" live, [chan receive], with hostile pprof labels
//	2 "member\u009b31m\u202e" live, in group "pool\x1b[31m"
//	3 "spare" live
//	4 "stubborn" live, on a context cancelled by main with a hostile cause, which it ignores
//	5 "quick" returned
//	6 "failing\x1b[2K" error with a hostile text
//	7 "keeper\a" preserved, error "lost\r\nFAKE LINE"
//	8 "exiter" runtime.Goexit
//	9 "finished-late" returned
//	10 "\xff\xfe bad utf-8" returned
//
// Once everything is recorded and scribbled main calls ready() (break on
// main.ready), prints "READY <pid>" and blocks forever.
package main

import (
	"context"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

// Hostile strings.
const (
	evilName  = "\x1b]0;PWNED\a\x1b[2J\x1b[H\r\nFAKE LINE t:999"
	evilText  = "disk \x1b[31mfull\x1b[0m\r\nt:999 FAKE   returned"
	evilCause = "shutdown\x1b]8;;http://x\a link\x1b]8;;\a\tnow"
)

var forever = make(chan struct{})

//go:noinline
func ready() {
	runtime.KeepAlive(forever)
}

// Offsets of tracker/LAYOUT.md, version 1.
const (
	rootMagic    = 0
	rootEnded    = 120
	rootLive     = 136
	rootPres     = 32936
	arenaNChunks = 0
	arenaUsed    = 8
	arenaCount   = 16
	arenaChunks  = 32
	presChunks   = 24
	ringCap      = 8
	ringWrite    = 16
	ringRecs     = 24
	taskSize     = 472
	taskSeq      = 0
	taskID       = 8
	taskParent   = 16
	taskGoid     = 24
	taskNameLen  = 64
	taskName     = 88
	endSize      = 1024
	endIndex     = 8
	endID        = 16
	endStart     = 56
	endEnd       = 64
	endNameLen   = 88
	endName      = 128
	chunkLen     = 256
	chunksMax    = 4096
)

// word returns the uint64 at addr.
func word(addr uintptr) *uint64 { return (*uint64)(unsafe.Pointer(addr)) }

// rootAddr finds the tracker's root variable through the executable's symbol
// table, corrected by the load offset measured on main.ready.
func rootAddr() uintptr {
	exe, err := os.Executable()
	check(err)
	f, err := elf.Open(exe)
	check(err)
	defer f.Close()
	syms, err := f.Symbols()
	check(err)
	var root, rdy uint64
	for _, s := range syms {
		switch s.Name {
		case "github.com/dlv-tasks/dlv-tasks/tracker.root":
			root = s.Value
		case "main.ready":
			rdy = s.Value
		}
	}
	if root == 0 || rdy == 0 {
		check(errors.New("tracker.root or main.ready not in the symbol table"))
	}
	slide := uint64(reflect.ValueOf(ready).Pointer()) - rdy
	return uintptr(root + slide)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(2)
	}
}

// liveRecords returns the addresses of the live records with a task id.
func liveRecords(root uintptr) []uintptr {
	live := root + rootLive
	var out []uintptr
	used := *word(live + arenaUsed)
	for c := uint64(0); c < *word(live + arenaNChunks); c++ {
		chunk := uintptr(*word(live + arenaChunks + 8*uintptr(c)))
		for s := uint64(0); s < chunkLen && c*chunkLen+s < used; s++ {
			rec := chunk + uintptr(s)*taskSize
			if *word(rec + taskID) != 0 {
				out = append(out, rec)
			}
		}
	}
	return out
}

// recName is the name stored in a record with the given name fields.
func recName(rec uintptr, lenOff, nameOff uintptr) string {
	n := min(*word(rec + lenOff), 64)
	return string(unsafe.Slice((*byte)(unsafe.Pointer(rec+nameOff)), n))
}

func liveNamed(root uintptr, name string) uintptr {
	for _, rec := range liveRecords(root) {
		if recName(rec, taskNameLen, taskName) == name {
			return rec
		}
	}
	check(fmt.Errorf("no live record named %q", name))
	return 0
}

// endNamed finds the terminated ring's record of the named task.
func endNamed(root uintptr, name string) uintptr {
	ring := uintptr(*word(root + rootEnded))
	recs, n := uintptr(*word(ring + ringRecs)), min(*word(ring + ringCap), *word(ring + ringWrite))
	for i := uintptr(0); i < uintptr(n); i++ {
		rec := recs + i*endSize
		if recName(rec, endNameLen, endName) == name {
			return rec
		}
	}
	check(fmt.Errorf("no terminated record named %q", name))
	return 0
}

// scribble applies one corruption mode.
func scribble(root uintptr, mode string) {
	live := root + rootLive
	ring := uintptr(*word(root + rootEnded))
	switch mode {
	case "namelen":
		for _, rec := range liveRecords(root) {
			*word(rec + taskNameLen) = 1 << 31
		}
	case "ringcap0":
		*word(ring + ringCap) = 0
	case "ringunmapped":
		*word(ring + ringRecs) = 0x1000 // below mmap_min_addr: never mapped
	case "magic":
		*word(root + rootMagic) ^= 0xff
	case "dupchunks":
		first := *word(live + arenaChunks)
		for c := uintptr(0); c < chunksMax; c++ {
			*word(live + arenaChunks + 8*c) = first
		}
		*word(live + arenaNChunks) = chunksMax
		*word(live + arenaUsed) = chunksMax * chunkLen
	case "bigring":
		*word(ring + ringCap) = 10_000_000
		*word(ring + ringWrite) = 10_000_000
	case "goid":
		*word(liveNamed(root, "spare") + taskGoid) = 1
	case "startafterend":
		rec := endNamed(root, "finished-late")
		*word(rec + endStart) = *word(rec + endEnd) + uint64(time.Hour)
	case "cycle":
		rec := liveNamed(root, "spare")
		*word(rec + taskParent) = *word(rec + taskID)
	case "oddseq":
		*word(liveNamed(root, "spare") + taskSeq) |= 1
	default:
		check(fmt.Errorf("unknown -corrupt mode %q", mode))
	}
}

func block(ctx context.Context) error {
	<-forever
	return nil
}

func main() {
	corrupt := flag.String("corrupt", "", "comma-separated corruption modes (see the package doc)")
	flag.Parse()
	ctx := context.Background()
	root := rootAddr()

	// Live tasks 1-4.
	tracker.Go(ctx, evilName, func(ctx context.Context) error {
		pprof.Do(ctx, pprof.Labels("role\x1b[8m", "api\r\nFAKE", "tenant", "acme\u202egnp.exe"), func(ctx context.Context) {
			<-forever
		})
		return nil
	})
	pool := tracker.NewPersistentGroup(ctx, "pool\x1b[31m")
	pool.Go("member\u009b31m\u202e", block)
	tracker.Go(ctx, "spare", block)
	doomed, cancel := tracker.WithCancelCause(ctx)
	tracker.Go(doomed, "stubborn", func(ctx context.Context) error {
		<-forever // ignores its cancellation
		return nil
	})
	cancel(errors.New(evilCause))

	// Ended tasks 5-10.
	tracker.Go(ctx, "quick", func(context.Context) error { return nil })
	tracker.Go(ctx, "failing\x1b[2K", func(context.Context) error { return errors.New(evilText) })
	tracker.Go(ctx, "keeper\a", func(context.Context) error { return errors.New("lost\r\nFAKE LINE") }, tracker.Preserve())
	tracker.Go(ctx, "exiter", func(context.Context) error { runtime.Goexit(); return nil })
	tracker.Go(ctx, "finished-late", func(context.Context) error { return nil })
	tracker.Go(ctx, "\xff\xfe bad utf-8", func(context.Context) error { return nil })

	// Wait until the tracker has recorded every end and every live
	// goroutine has started (its goid is in its record).
	const wantLive, wantEnded = 4, 6
	for {
		ring := uintptr(*word(root + rootEnded))
		ended := atomic.LoadUint64(word(ring + ringWrite))
		count := atomic.LoadUint64(word(root + rootLive + arenaCount))
		started := 0
		for _, rec := range liveRecords(root) {
			if atomic.LoadUint64(word(rec+taskGoid)) != 0 {
				started++
			}
		}
		if ended == wantEnded && count == wantLive && started == wantLive {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if *corrupt != "" {
		for _, m := range strings.Split(*corrupt, ",") {
			scribble(root, m)
		}
	}
	// A sleeping goroutine keeps the runtime from declaring a deadlock.
	go func() {
		for {
			time.Sleep(time.Hour)
		}
	}()
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}
