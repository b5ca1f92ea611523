package dlvclient_test

// Benchmarks of reading a goroutine snapshot from a core dump of
// testdata/many (see docs/PERFORMANCE.md):
//
//	go test -bench . -run '^$' -benchtime 3x ./dlvclient/
//
// BenchmarkSnapshot/n=N/snapshot times Session.Snapshot on a fresh session
// per iteration (the snapshot is cached per session; opening is excluded).
// The other sub-benchmarks split that cost using exported APIs only:
//   - open: dlvclient.OpenCore;
//   - delve-list/page=P: Delve's paged goroutine listing, by 1000 as
//     dlvclient does it, or by 10000 as dlv's own terminal does;
//   - examine/size=S: one ExamineMemory call of S bytes (per-call and
//     per-byte cost; run it with a larger -benchtime, e.g. 200x);
//   - raw-read: runtime.allgs plus the runtime.g fields via ExamineMemory in
//     64 KiB batches, as dlvclient does it;
//   - render-ps: render.PsTable of the snapshot into io.Discard.

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/go-delve/delve/service"
	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/debugger"
	"github.com/go-delve/delve/service/rpc2"
	"github.com/go-delve/delve/service/rpccommon"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/render"
)

func BenchmarkSnapshot(b *testing.B) {
	exe := testutil.BuildTarget(b, "many")
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			core, _ := testutil.CrashCore(b, exe, []string{"-n", strconv.Itoa(n)}, nil)
			benchSnapshotParts(b, exe, core)
		})
	}
}

func benchSnapshotParts(b *testing.B, exe, core string) {
	ctx := context.Background()
	var count int // goroutines in the snapshot

	b.Run("snapshot", func(b *testing.B) {
		b.ReportAllocs()
		total := 0
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s, err := dlvclient.OpenCore(exe, core)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			snap, err := s.Snapshot(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			count = len(snap.Goroutines)
			total += count
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "goroutines/s")
		b.ReportMetric(float64(count), "goroutines")
	})

	b.Run("open", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, err := dlvclient.OpenCore(exe, core)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
	})

	for _, page := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("delve-list/page=%d", page), func(b *testing.B) { benchDelveList(b, exe, core, page) })
	}

	// Cost of one ExamineMemory call by size: a fixed cost per call plus a
	// cost per byte (base64 in JSON, scanned twice by encoding/json).
	for _, size := range []int{256, 4096, 65536} {
		b.Run(fmt.Sprintf("examine/size=%d", size), func(b *testing.B) {
			c, _, stop := openDelve(b, exe, core)
			defer stop()
			v, err := c.EvalVariable(api.EvalScope{GoroutineID: -1}, "runtime.allgs", api.LoadConfig{})
			if err != nil {
				b.Fatal(err)
			}
			g0, err := c.EvalVariable(api.EvalScope{GoroutineID: -1}, "runtime.allgs[0]", api.LoadConfig{})
			if err != nil {
				b.Fatal(err)
			}
			addr := v.Base // the allgs array, then the first g if the array is too short
			if int(v.Len)*8 < size {
				addr, _ = strconv.ParseUint(g0.Value, 0, 64)
			}
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := c.ExamineMemory(addr, size); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	// maxGap -1 batches like dlvclient (any gap within 64 KiB); a maxGap
	// of G only joins gs whose gap from the previous one is <= G bytes.
	for _, maxGap := range []int{-1, 512} {
		name := "raw-read"
		if maxGap >= 0 {
			name = fmt.Sprintf("raw-read/maxgap=%d", maxGap)
		}
		b.Run(name, func(b *testing.B) {
			total := 0
			var calls int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c, _, stop := openDelve(b, exe, core)
				b.StartTimer()
				gs, nc, err := rawRead(c, maxGap)
				if err != nil {
					b.Fatal(err)
				}
				total += gs
				calls += nc
				b.StopTimer()
				stop()
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "goroutines/s")
			b.ReportMetric(float64(calls)/float64(b.N), "ExamineMemory-calls/op")
		})
	}

	b.Run("render-ps", func(b *testing.B) {
		s, err := dlvclient.OpenCore(exe, core)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		snap, err := s.Snapshot(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := render.PsTable(io.Discard, snap.Goroutines, len(snap.Goroutines)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(snap.Goroutines)*b.N)/b.Elapsed().Seconds(), "goroutines/s")
	})
}

// benchDelveList pages through Delve's goroutine listing by page.
func benchDelveList(b *testing.B, exe, core string, page int) {
	total := 0
	var bytes int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c, conn, stop := openDelve(b, exe, core)
		b.StartTimer()
		for start := 0; start >= 0; {
			gs, _, next, _, err := c.ListGoroutinesWithFilter(start, page, nil, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			total += len(gs)
			start = next
		}
		b.StopTimer()
		bytes += conn.read.Load()
		stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "goroutines/s")
	if total > 0 {
		b.ReportMetric(float64(bytes)/float64(total), "JSON-bytes/goroutine")
	}
}

// countingConn counts the bytes the client reads from the server.
type countingConn struct {
	net.Conn
	read atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// openDelve starts an embedded Delve server on core, the way dlvclient does,
// and returns a client whose received bytes are counted.
func openDelve(b *testing.B, exe, core string) (*rpc2.RPCClient, *countingConn, func()) {
	b.Helper()
	lis, conn := service.ListenerPipe()
	srv := rpccommon.NewServer(&service.Config{
		Listener: lis, ProcessArgs: []string{exe}, APIVersion: 2,
		Debugger: debugger.Config{CoreFile: core, Backend: "default"},
	})
	if err := srv.Run(); err != nil {
		b.Fatal(err)
	}
	cc := &countingConn{Conn: conn}
	c := rpc2.NewClientFromConn(cc)
	return c, cc, func() {
		_ = c.Detach(false)
		_ = srv.Stop()
		_ = conn.Close()
	}
}

// rawRead reads runtime.allgs and, for every g, the byte range holding the
// fields dlvclient reads (goid … waitsince), batching neighbouring gs into
// ExamineMemory calls of at most 64 KiB. It returns the number of gs read and
// of ExamineMemory calls.
func rawRead(c *rpc2.RPCClient, maxGap int) (int, int, error) {
	const maxExamine = 1 << 16
	shallow := api.LoadConfig{MaxStructFields: -1}
	scope := api.EvalScope{GoroutineID: -1}
	g0, err := c.EvalVariable(scope, "*runtime.allgs[0]", shallow)
	if err != nil {
		return 0, 0, err
	}
	lo, hi := ^uint64(0), uint64(0)
	for _, f := range g0.Children {
		switch f.Name {
		case "goid", "parentGoid", "gopc", "startpc", "atomicstatus", "waitreason", "waitsince":
			off := f.Addr - g0.Addr
			lo, hi = min(lo, off), max(hi, off+8)
		}
	}
	v, err := c.EvalVariable(scope, "runtime.allgs", shallow)
	if err != nil {
		return 0, 0, err
	}
	calls := 0
	n := int(v.Len)
	addrs := make([]uint64, 0, n)
	for off := 0; off < n*8; off += maxExamine {
		size := min(maxExamine, n*8-off)
		mem, _, err := c.ExamineMemory(v.Base+uint64(off), size)
		calls++
		if err != nil {
			return 0, calls, err
		}
		for i := 0; i+8 <= len(mem); i += 8 {
			if a := binary.LittleEndian.Uint64(mem[i:]); a != 0 {
				addrs = append(addrs, a)
			}
		}
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i] < addrs[j] })
	read := 0
	for i := 0; i < len(addrs); {
		start := addrs[i] + lo
		j := i + 1
		for j < len(addrs) && addrs[j]+hi-start <= maxExamine && addrs[j]+lo >= addrs[j-1]+hi &&
			(maxGap < 0 || addrs[j]+lo-(addrs[j-1]+hi) <= uint64(maxGap)) {
			j++
		}
		mem, _, err := c.ExamineMemory(start, int(addrs[j-1]+hi-start))
		calls++
		if err != nil {
			return read, calls, err
		}
		if len(mem) > 0 {
			read += j - i
		}
		i = j
	}
	return read, calls, nil
}
