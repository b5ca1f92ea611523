package tracker

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"runtime/pprof"
	"strings"
	"testing"
)

// TestDirectLabelsEnabled fails when this Go release's runtime/pprof no longer has the
// label map layout the tracker embeds (the tracker then still works, through
// pprof.WithLabels, but the spawn path is slower and the other tests here cover less).
func TestDirectLabelsEnabled(t *testing.T) {
	if !directLabels {
		t.Fatalf("embedded pprof labels are off: %s", labelsOff)
	}
}

// forLabels lists ctx's pprof labels in pprof's order.
func forLabels(ctx context.Context) []label {
	var out []label
	pprof.ForLabels(ctx, func(k, v string) bool {
		out = append(out, label{k, v})
		return true
	})
	return out
}

// TestTaskLabelsMatchPprof checks the embedded labels against pprof's own merge:
// random parent label sets (keys before, between and after "task" and "task.id",
// and those keys themselves) must give exactly the labels of pprof.WithLabels.
func TestTaskLabelsMatchPprof(t *testing.T) {
	if !directLabels {
		t.Skip("embedded labels are off; TestDirectLabelsEnabled reports why")
	}
	keys := []string{"a", "service", "task", "task-x", "task.", "task.id", "task.idx", "tasks", "zone", "Task"}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 500; i++ {
		var args []string
		for _, k := range keys {
			if rng.Intn(3) == 0 {
				args = append(args, k, fmt.Sprintf("v%d", rng.Intn(10)))
			}
		}
		parent := context.Background()
		if len(args) > 0 {
			parent = pprof.WithLabels(parent, pprof.Labels(args...))
		}
		name, id := fmt.Sprintf("n%d", i), fmt.Sprint(rng.Uint64())
		want := forLabels(pprof.WithLabels(parent, pprof.Labels("task", name, "task.id", id)))
		tk := &task{Context: parent}
		tk.labels.list = taskLabels(&tk.own, parentLabels(parent), name, id)
		if got := forLabels(tk); !reflect.DeepEqual(got, want) {
			t.Fatalf("parent labels %q: task labels\n%v\nwant (pprof.WithLabels)\n%v", args, got, want)
		}
		// A context derived from the task merges its labels as pprof would.
		child := pprof.WithLabels(tk, pprof.Labels("b", "2", "task", "inner"))
		wantChild := forLabels(pprof.WithLabels(pprof.WithLabels(parent, pprof.Labels("task", name, "task.id", id)), pprof.Labels("b", "2", "task", "inner")))
		if got := forLabels(child); !reflect.DeepEqual(got, wantChild) {
			t.Fatalf("child of task with parent labels %q:\n%v\nwant\n%v", args, got, wantChild)
		}
	}
}

// TestLabelsInsideTask checks what the task's function sees: pprof.Label on its
// context, its goroutine's labels in a goroutine profile, and pprof.Do nested in it.
func TestLabelsInsideTask(t *testing.T) {
	for _, embedded := range []bool{true, false} {
		t.Run(fmt.Sprintf("embedded=%v", embedded), func(t *testing.T) {
			if embedded && !directLabels {
				t.Skip("embedded labels are off; TestDirectLabelsEnabled reports why")
			}
			if !embedded {
				saved := directLabels
				directLabels = false
				defer func() { directLabels = saved }()
			}
			type seen struct {
				id               uint64
				task, idLabel    string
				nested, profiled string
			}
			res := make(chan seen, 1)
			release := make(chan struct{})
			var id uint64
			defer func() { // the task ends before the next test
				close(release)
				if id != 0 {
					waitEnded(t, id)
				}
			}()
			Go(context.Background(), "inside", func(ctx context.Context) error {
				var s seen
				s.id = currentTaskID(ctx)
				s.task, _ = pprof.Label(ctx, "task")
				s.idLabel, _ = pprof.Label(ctx, "task.id")
				pprof.Do(ctx, pprof.Labels("step", "load"), func(ctx context.Context) {
					s.nested = fmt.Sprint(forLabels(ctx))
					var buf bytes.Buffer
					_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
					s.profiled = buf.String()
				})
				res <- s
				<-release
				return nil
			})
			s := <-res
			id = s.id
			if got := tkLabelsEmbedded(t, s.id); got != embedded {
				t.Fatalf("task %d: labels embedded = %v, want %v", s.id, got, embedded)
			}
			if s.task != "inside" || s.idLabel != fmt.Sprint(s.id) {
				t.Fatalf("pprof.Label in the task: task=%q task.id=%q, want inside and %d", s.task, s.idLabel, s.id)
			}
			if want := fmt.Sprintf("[{step load} {task inside} {task.id %d}]", s.id); s.nested != want {
				t.Fatalf("labels under pprof.Do in the task = %s, want %s", s.nested, want)
			}
			if want := fmt.Sprintf(`labels: {"step":"load", "task":"inside", "task.id":"%d"}`, s.id); !strings.Contains(s.profiled, want) {
				t.Fatalf("goroutine profile lacks %s", want)
			}
			// Back from pprof.Do, the goroutine has the task's own labels again.
			var buf bytes.Buffer
			if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(`labels: {"task":"inside", "task.id":"%d"}`, s.id); !strings.Contains(buf.String(), want) {
				t.Fatalf("goroutine profile lacks %s", want)
			}
		})
	}
}

// tkLabelsEmbedded reports whether the live task id keeps its labels in itself.
func tkLabelsEmbedded(t *testing.T, id uint64) bool {
	t.Helper()
	for i := range root.internal.goidTab {
		if tk := root.internal.goidTab[i].Load(); tk != nil && tk.id == id {
			return tk.labels.list != nil
		}
	}
	t.Fatalf("task %d is not in goidTab", id)
	return false
}

func TestLabelMapShape(t *testing.T) {
	type pair struct{ K, V string }
	type set struct{ L []pair }
	type nested struct{ S set }
	for _, c := range []struct {
		v    any
		want bool
	}{
		{&set{}, true},
		{&nested{}, true},
		{&labelSet{}, true},
		{set{}, false}, // not a pointer
		{&struct{ M map[string]string }{}, false}, // the Go 1.23 labelMap
		{&struct{ L []struct{ K, V, X string } }{}, false},
		{&struct {
			L []struct {
				K string
				V int
			}
		}{}, false},
		{&struct {
			L []pair
			N int
		}{}, false},
		{nil, false},
	} {
		if got := labelMapShape(reflect.TypeOf(c.v)); got != c.want {
			t.Errorf("labelMapShape(%T) = %v, want %v", c.v, got, c.want)
		}
	}
}
