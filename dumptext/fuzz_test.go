package dumptext

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// FuzzParse feeds arbitrary text to Parse with small limits: it must not
// panic, must keep within the limits, and every dump must convert into a
// sorted snapshot.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.txt")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("goroutine 1 [x labels:{\"a\\"))
	f.Add([]byte("[p] goroutine 2 gp=0x1 m=nil [select]:\n[p] main.f(...)\n[p] \t/a.go:1\n"))
	opts := Options{MaxLineBytes: 4096, MaxGoroutines: 64, MaxFrames: 16, MaxAncestors: 4, MaxDumps: 4, MaxNotes: 8}
	f.Fuzz(func(t *testing.T, text []byte) {
		file, err := Parse(bytes.NewReader(text), opts)
		if err != nil && err != ErrNoDump {
			t.Fatalf("Parse failed on in-memory text: %v", err)
		}
		if len(file.Dumps) > opts.MaxDumps {
			t.Fatalf("%d dumps kept, limit %d", len(file.Dumps), opts.MaxDumps)
		}
		total := 0
		for _, d := range file.Dumps {
			total += len(d.Goroutines)
			if len(d.Notes) > opts.MaxNotes+2 {
				t.Fatalf("%d notes kept, limit %d", len(d.Notes), opts.MaxNotes)
			}
			for _, n := range d.Notes {
				if n.Line > file.Lines {
					t.Fatalf("note %q at line %d of %d", n.Text, n.Line, file.Lines)
				}
			}
			seen := map[int64]bool{}
			for i := range d.Goroutines {
				g := &d.Goroutines[i]
				if seen[g.ID] {
					t.Fatalf("goroutine %d twice in dump %d", g.ID, d.Index)
				}
				seen[g.ID] = true
				if len(g.Frames) > opts.MaxFrames || len(g.Ancestors) > opts.MaxAncestors {
					t.Fatalf("goroutine %d: %d frames, %d ancestors", g.ID, len(g.Frames), len(g.Ancestors))
				}
				if g.ElidedAt > len(g.Frames) {
					t.Fatalf("goroutine %d: elided at %d of %d frames", g.ID, g.ElidedAt, len(g.Frames))
				}
			}
			snap := d.Snapshot(model.Target{Kind: model.KindDump})
			if !sort.SliceIsSorted(snap.Goroutines, func(i, j int) bool { return snap.Goroutines[i].ID < snap.Goroutines[j].ID }) {
				t.Fatal("snapshot not sorted")
			}
		}
		if total > opts.MaxGoroutines {
			t.Fatalf("%d goroutines kept, limit %d", total, opts.MaxGoroutines)
		}
	})
}
