package render

import (
	"strconv"
	"time"
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
