package dumptext

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// syntheticDump writes n goroutines in the shape of a GOTRACEBACK=all
// SIGQUIT dump of testdata/many: five kinds of parked workers, some
// labelled, each created by one of four spawners.
func syntheticDump(n int) []byte {
	var b bytes.Buffer
	b.WriteString("SIGQUIT: quit\nPC=0x485641 m=0 sigcode=0\n\ngoroutine 1 [select (no cases)]:\nmain.main()\n\t/src/many/main.go:67 +0x3a5\n")
	kinds := []string{
		"[chan receive, 3 minutes]:\nruntime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/proc.go:462 +0xce\nruntime.chanrecv(0xc000100000, 0x0, 0x1)\n\t/usr/local/go/src/runtime/chan.go:667 +0x4ae\nruntime.chanrecv1(0x0?, 0x0?)\n\t/usr/local/go/src/runtime/chan.go:509 +0x12\nmain.recvWorker()\n\t/src/many/main.go:93 +0x1d\n",
		"[select]:\nruntime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/proc.go:462 +0xce\nruntime.selectgo(0xc000045f78, 0xc000045f58, 0x0?, 0x0, 0x0?, 0x1)\n\t/usr/local/go/src/runtime/select.go:351 +0x837\nmain.selectWorker()\n\t/src/many/main.go:98 +0x6e\n",
		"[sleep]:\ntime.Sleep(0x34630b8a000)\n\t/usr/local/go/src/runtime/time.go:363 +0x165\nmain.sleepWorker()\n\t/src/many/main.go:106 +0x1e\n",
		"[sync.Mutex.Lock]:\ninternal/sync.runtime_SemacquireMutex(0x0?, 0x1?, 0x0?)\n\t/usr/local/go/src/runtime/sema.go:95 +0x25\ninternal/sync.(*Mutex).lockSlow(0xc000012340)\n\t/usr/local/go/src/internal/sync/mutex.go:149 +0x15d\ninternal/sync.(*Mutex).Lock(...)\n\t/usr/local/go/src/internal/sync/mutex.go:70\nsync.(*Mutex).Lock(...)\n\t/usr/local/go/src/sync/mutex.go:46\nmain.mutexWorker(0xc000012340)\n\t/src/many/main.go:111 +0x4a\n",
		"[chan receive labels:{\"kind\": \"labelled\", \"spawner\": \"2\"}]:\nruntime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/proc.go:462 +0xce\nmain.labelledWorker.func1({0x5d7a40?, 0xc000010000?})\n\t/src/many/main.go:117 +0x25\nruntime/pprof.Do({0x5d7a40, 0x6f0a20}, {{0xc000020000?, 0x0?, 0x0?}}, 0xc00003df80)\n\t/usr/local/go/src/runtime/pprof/runtime.go:51 +0x103\nmain.labelledWorker(0x2)\n\t/src/many/main.go:116 +0x85\n",
	}
	for i := 0; i < n; i++ {
		id := i + 10
		fmt.Fprintf(&b, "\ngoroutine %d %screated by main.spawner in goroutine %d\n\t/src/many/main.go:%d +0x%x\n", id, kinds[i%5], 2+i%4, 76+2*(i%5), 0x45+i%5)
	}
	return b.Bytes()
}

// BenchmarkParse100k parses a 100k-goroutine dump and builds its snapshot.
func BenchmarkParse100k(b *testing.B) {
	text := syntheticDump(100_000)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		file, err := Parse(bytes.NewReader(text), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if got := len(file.Dumps[0].Goroutines); got != 100_001 {
			b.Fatalf("%d goroutines", got)
		}
		NewSource(file.Dumps[0], model.Target{Kind: model.KindDump})
	}
}
