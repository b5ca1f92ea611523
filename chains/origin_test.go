package chains

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// fr is a frame of fn whose return pc is pc.
func fr(fn string, pc uint64) model.Frame {
	return model.Frame{Location: model.Location{Function: fn, File: "/src/app/main.go", Line: int(pc % 1000), PC: pc}}
}

func TestOrigin(t *testing.T) {
	helper := model.Goroutine{GoStatement: model.Location{Function: "main.(*Server).startGoRoutine"}}
	runner := model.Goroutine{GoStatement: model.Location{Function: "main.run"}}
	top := []model.Frame{fr("runtime.gopark", 1), fr("runtime.chanrecv1", 2)}
	stack := func(fs ...model.Frame) model.Stack {
		return model.Stack{Frames: append(append([]model.Frame{}, top...), append(fs, fr("runtime.goexit", 9))...)}
	}
	indirect := map[uint64]bool{100: true, 300: true}
	tests := []struct {
		name string
		g    model.Goroutine
		st   model.Stack
		want string
	}{
		{"helper closure calling a func value is skipped", helper,
			stack(fr("main.(*Server).acceptLoop", 50), fr("main.(*Server).startGoRoutine.func1", 100)),
			"main.(*Server).acceptLoop"},
		{"method value wrapper skipped too", helper,
			stack(fr("main.(*Server).monitor", 50), fr("main.(*Server).monitor-fm", 60), fr("main.(*Server).startGoRoutine.func1", 100)),
			"main.(*Server).monitor"},
		{"a closure handed to the helper is the origin", helper,
			stack(fr("main.(*client).readLoop", 40), fr("main.(*Server).createClient.func1", 50), fr("main.(*Server).startGoRoutine.func1", 100)),
			"main.(*Server).createClient.func1"},
		{"creator's closure calling by name is its own work", runner,
			stack(fr("main.work", 40), fr("main.run.func1", 200)),
			"main.run.func1"},
		{"indirect call in a function that is not the creator's", runner,
			stack(fr("main.work", 40), fr("main.other.func1", 100)),
			"main.other.func1"},
		{"a frame inlined into the one above makes no call of its own", helper,
			stack(fr("main.f", 300), fr("main.(*Server).startGoRoutine.func1", 300)),
			"main.(*Server).startGoRoutine.func1"},
		{"tracker runner skipped", model.Goroutine{GoStatement: model.Location{Function: TrackerPackage + ".Go"}},
			stack(fr("main.job", 40), fr(TrackerPackage+".run", 70), fr(TrackerPackage+".Go.func1", 80)),
			"main.job"},
		{"helper frame that is innermost stays", helper,
			model.Stack{Frames: []model.Frame{fr("main.(*Server).startGoRoutine.func1", 100), fr("runtime.goexit", 9)}},
			"main.(*Server).startGoRoutine.func1"},
		{"runtime-only stack", model.Goroutine{}, model.Stack{Frames: []model.Frame{fr("runtime.gopark", 1), fr("runtime.goexit", 9)}}, ""},
		{"cut stack", helper, model.Stack{Frames: top, More: true}, ""},
		{"unreadable", helper, model.Stack{Unreadable: "boom"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Origin(&tt.g, tt.st, indirect)
			assert.Equal(t, tt.want != "", ok)
			assert.Equal(t, tt.want, got.Function)
		})
	}
}

func TestSpawnCallSites(t *testing.T) {
	gs := []model.Goroutine{
		{ID: 1, GoStatement: model.Location{Function: "main.spawn"}},
		{ID: 2, GoStatement: model.Location{Function: "main.spawn"}},
	}
	stacks := map[int64]model.Stack{
		1: {Frames: []model.Frame{fr("main.a", 10), fr("main.spawn.func1", 100), fr("runtime.goexit", 9)}},
		2: {Frames: []model.Frame{fr("main.b", 20), fr("main.spawn.func1", 100), fr("main.spawn.func1.2", 101), fr("main.spawnx", 102)}},
	}
	assert.Equal(t, []uint64{100, 101}, SpawnCallSites(gs, stacks))
}

func TestGroupByOriginAndStack(t *testing.T) {
	helper := model.Location{Function: "main.start", File: "/src/app/main.go", Line: 5}
	g := func(id int64, wait string) model.Goroutine {
		return model.Goroutine{ID: id, Status: model.StatusWaiting, WaitReason: wait, GoStatement: helper}
	}
	gs := []model.Goroutine{g(1, "IO wait"), g(2, "IO wait"), g(3, "sleep"), g(4, "IO wait")}
	read := []model.Frame{fr("net.read", 11), fr("main.readLoop", 21), fr("main.start.func1", 100), fr("runtime.goexit", 9)}
	readOther := []model.Frame{fr("net.read", 11), fr("main.readLoop", 22), fr("main.start.func1", 100), fr("runtime.goexit", 9)}
	facts := &StackFacts{
		Stacks: map[int64]model.Stack{
			1: {Frames: read}, 2: {Frames: read}, 4: {Frames: readOther},
			3: {Frames: []model.Frame{fr("time.Sleep", 12), fr("main.monitor", 31), fr("main.start.func1", 100), fr("runtime.goexit", 9)}},
		},
		IndirectCalls: map[uint64]bool{100: true},
	}
	byOrigin := GroupGoroutinesWithStacks(gs, GroupByOrigin, "", facts)
	require.Len(t, byOrigin, 2)
	assert.Equal(t, "main.readLoop", byOrigin[0].Key)
	assert.Equal(t, []int64{1, 2, 4}, byOrigin[0].IDs)
	assert.Equal(t, "main.monitor", byOrigin[1].Key)

	// Lines are exact: goroutine 4 is at another line of readLoop.
	byStack := GroupGoroutinesWithStacks(gs, GroupByStack, "", facts)
	require.Len(t, byStack, 3)
	assert.Equal(t, []int64{1, 2}, byStack[0].IDs)
	assert.Equal(t, read, byStack[0].Stack.Frames)
	assert.Equal(t, helper, byStack[0].CreatedBy)
	assert.Equal(t, "net.read app/main.go:11 … main.start.func1 (4 frames)", byStack[0].Key)

	// Without stacks every goroutine counts as unreadable, never as a guess.
	none := GroupGoroutinesWithStacks(gs, GroupByOrigin, "", nil)
	require.Len(t, none, 1)
	assert.Equal(t, "<stack unreadable>", none[0].Key)
}

func TestOriginKeyOfRuntimeGoroutine(t *testing.T) {
	g := model.Goroutine{ID: 2, Start: model.Location{Function: "runtime.forcegchelper"}}
	st := model.Stack{Frames: []model.Frame{fr("runtime.gopark", 1), fr("runtime.forcegchelper", 2), fr("runtime.goexit", 9)}}
	groups := GroupGoroutinesWithStacks([]model.Goroutine{g}, GroupByOrigin, "", &StackFacts{Stacks: map[int64]model.Stack{2: st}})
	require.Len(t, groups, 1)
	assert.Equal(t, "runtime.forcegchelper", groups[0].Key)
}
