package render

import (
	"strconv"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// HumanDuration formats d compactly with at most two units: "850ms", "12s",
// "3m12s", "2h5m", "3d4h". A zero lower unit is dropped ("3m"). Durations
// under a millisecond print as "<1ms", zero as "0s".
func HumanDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + HumanDuration(-d)
	case d == 0:
		return "0s"
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d < time.Hour:
		return twoUnits(d, time.Minute, "m", time.Second, "s")
	case d < 24*time.Hour:
		return twoUnits(d, time.Hour, "h", time.Minute, "m")
	}
	return twoUnits(d, 24*time.Hour, "d", time.Hour, "h")
}

func twoUnits(d, big time.Duration, bigName string, small time.Duration, smallName string) string {
	s := strconv.FormatInt(int64(d/big), 10) + bigName
	if rest := (d % big) / small; rest > 0 {
		s += strconv.FormatInt(int64(rest), 10) + smallName
	}
	return s
}

// WaitText formats how long a goroutine has waited: HumanDuration, with
// "≥" in front when the time is a lower bound (a core's clock is the latest
// reading its memory holds, not the moment it was taken).
func WaitText(d time.Duration, atLeast bool) string {
	if atLeast {
		return "≥" + HumanDuration(d)
	}
	return HumanDuration(d)
}

// GoroutineWaitText formats how long g has waited: WaitText, or, when the
// wait is known to lie between two figures (a core of an idle process:
// model.Goroutine.WaitedAtMost), both, "1m5s–2m5s", so that the figure the
// runtime's own traceback prints is never above what is shown.
func GoroutineWaitText(g *model.Goroutine) string {
	if g.WaitedAtLeast && g.WaitedAtMost > g.Waited {
		return HumanDuration(g.Waited) + "–" + HumanDuration(g.WaitedAtMost)
	}
	return WaitText(g.Waited, g.WaitedAtLeast)
}

// WaitNote is the line that says what the wait times of gs are measured to
// when some are bounds (a core: the latest clock reading it holds, and when
// sysmon would next have woken); "" when every wait shown is exact.
//
//	≥: waits measured to the latest clock reading the target holds (runtime.sched.lastpoll)
//	waits a–b: a measured to the latest clock reading the core holds (runtime.sysmon's last wake), b to a time the process did not live to (runtime.sysmon's next wake)
func WaitNote(gs []model.Goroutine, c model.Clock) string {
	bound, ranged := false, false
	for i := range gs {
		if gs[i].Waited > 0 && gs[i].WaitedAtLeast {
			bound = true
			ranged = ranged || gs[i].WaitedAtMost > gs[i].Waited
		}
	}
	switch {
	case ranged:
		return "waits a–b: a measured to the latest clock reading the core holds (" + Safe(c.Source) + "), b to a time the process did not live to (" +
			Safe(c.BeforeSource) + ")"
	case bound && c.Source != "":
		return "≥: waits measured to the latest clock reading the target holds (" + Safe(c.Source) + ")"
	}
	return ""
}
