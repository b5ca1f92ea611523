package render

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{500 * time.Microsecond, "<1ms"},
		{850 * time.Millisecond, "850ms"},
		{12*time.Second + 900*time.Millisecond, "12s"},
		{3*time.Minute + 12*time.Second, "3m12s"},
		{3 * time.Minute, "3m"},
		{2*time.Hour + 5*time.Minute + 59*time.Second, "2h5m"},
		{2 * time.Hour, "2h"},
		{3*24*time.Hour + 4*time.Hour + time.Minute, "3d4h"},
		{-12 * time.Second, "-12s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, HumanDuration(tt.d), "%v", tt.d)
	}
}

func TestAgoAtTheSameInstant(t *testing.T) {
	assert.Equal(t, "<1ms ago", agoText(0))
	assert.Equal(t, "<1ms ago", agoText(500*time.Microsecond))
	assert.Equal(t, "2s ago", agoText(2*time.Second))
}

func TestWaitTextMarksLowerBounds(t *testing.T) {
	assert.Equal(t, "1m5s", WaitText(65*time.Second, false))
	assert.Equal(t, "≥1m5s", WaitText(65*time.Second, true))
}

func TestGoroutineWaitTextAndNote(t *testing.T) {
	exact := model.Goroutine{ID: 1, Waited: 90 * time.Second}
	bound := model.Goroutine{ID: 2, Waited: 65 * time.Second, WaitedAtLeast: true}
	ranged := model.Goroutine{ID: 3, Waited: 65 * time.Second, WaitedAtLeast: true, WaitedAtMost: 125 * time.Second}
	assert.Equal(t, "1m30s", GoroutineWaitText(&exact))
	assert.Equal(t, "≥1m5s", GoroutineWaitText(&bound))
	assert.Equal(t, "1m5s–2m5s", GoroutineWaitText(&ranged))

	live := model.Clock{Now: 10, Source: "CLOCK_MONOTONIC"}
	core := model.Clock{Now: 10, Source: "runtime.sched.lastpoll", LowerBound: true}
	idle := model.Clock{Now: 10, Source: "runtime.sysmon's last wake", LowerBound: true, Before: 20, BeforeSource: "runtime.sysmon's next wake"}
	assert.Empty(t, WaitNote([]model.Goroutine{exact}, live))
	assert.Equal(t, "≥: waits measured to the latest clock reading the target holds (runtime.sched.lastpoll)", WaitNote([]model.Goroutine{exact, bound}, core))
	note := WaitNote([]model.Goroutine{bound, ranged}, idle)
	assert.Contains(t, note, "runtime.sysmon's last wake")
	assert.Contains(t, note, "runtime.sysmon's next wake")
	// A goroutine without a wait time needs no note.
	assert.Empty(t, WaitNote([]model.Goroutine{{ID: 4, WaitedAtLeast: true}}, core))
}
