package dlvclient

import (
	"strconv"

	"github.com/go-delve/delve/service/api"
)

// The runtime's system monitor (runtime.sysmon, a thread without a P) is the
// one part of an idle Go process that still looks at the clock: when every P
// is idle it sleeps on sched.sysmonnote for at most forcegcperiod/2 (one
// minute), or until the next timer, then reads nanotime again. Its locals
// hold the last of those readings and, while it sleeps, the time it will
// wake at:
//   - sysmon's `now`, and `lastgomaxprocs` (set to now at most once a
//     second, Go 1.25 and later): the last time sysmon was awake — a lower
//     bound of the moment the core was taken, at most a minute old however
//     idle the process was (the other readings, the last GC's among them,
//     can be two minutes old);
//   - notetsleep_internal's `deadline`, in the frame below sysmon while it
//     sleeps: when sysmon would have woken. Had the process lived past it,
//     sysmon would have woken, read the clock and slept again with a later
//     deadline: the moment the core was taken is before it (give or take
//     how late the kernel ran the thread), an upper bound.
// The frames are found on the thread whose stack holds runtime.sysmon, above
// the signal frame when the crash's SIGQUIT interrupted it.

// sysmonSleepMax is sysmon's longest sleep (runtime.forcegcperiod/2).
const sysmonSleepMax = int64(60e9)

// maxSysmonSearch bounds how many threads are searched for sysmon's.
const maxSysmonSearch = 64

// sysmonDepth is how deep sysmon's frame may be on its thread's stack (it
// is 6 frames down below a signal handler: usleep, sighandler, sigtrampgo,
// futex, notetsleep_internal, notetsleep).
const sysmonDepth = 16

// sysmonClock is what sysmon's frames say about the clock.
type sysmonClock struct {
	awake int64 // the last time sysmon read the clock; 0 unknown
	wake  int64 // when its current sleep would have ended; 0 unknown
}

// sysmonReadings reads sysmon's clock locals from the target's threads (a
// core: the selected thread is switched to sysmon's and back). It returns
// zeros when sysmon's thread or its locals cannot be found.
func (s *Session) sysmonReadings() sysmonClock {
	threads, err := s.client.ListThreads()
	if err != nil || len(threads) == 0 {
		return sysmonClock{}
	}
	st, err := s.client.GetState()
	if err != nil || st.CurrentThread == nil {
		return sysmonClock{}
	}
	orig := st.CurrentThread.ID
	defer s.client.SwitchThread(orig) //nolint:errcheck // best effort: the selection is restored as it was
	// sysmon runs without a goroutine: look at those threads first.
	ordered := make([]*api.Thread, 0, len(threads))
	for _, th := range threads {
		if th != nil && th.GoroutineID == 0 {
			ordered = append(ordered, th)
		}
	}
	for _, th := range threads {
		if th != nil && th.GoroutineID != 0 {
			ordered = append(ordered, th)
		}
	}
	for i, th := range ordered {
		if i >= maxSysmonSearch {
			break
		}
		if _, err := s.client.SwitchThread(th.ID); err != nil {
			continue
		}
		frames, err := s.client.Stacktrace(-1, sysmonDepth, 0, 0, nil)
		if err != nil {
			continue
		}
		for k := range frames {
			if frames[k].Function == nil || frames[k].Function.Name() != "runtime.sysmon" {
				continue
			}
			var out sysmonClock
			for _, name := range []string{"now", "lastgomaxprocs"} {
				if v, ok := s.frameInt(k, name); ok {
					out.awake = max(out.awake, v)
				}
			}
			if k >= 2 && frames[k-1].Function != nil && frames[k-1].Function.Name() == "runtime.notetsleep" &&
				frames[k-2].Function != nil && frames[k-2].Function.Name() == "runtime.notetsleep_internal" {
				if v, ok := s.frameInt(k-2, "deadline"); ok && out.awake > 0 && v > out.awake && v-out.awake <= sysmonSleepMax+1e9 {
					out.wake = v
				}
			}
			return out
		}
	}
	return sysmonClock{}
}

// frameInt evaluates an integer local of frame k of the selected thread.
func (s *Session) frameInt(k int, name string) (int64, bool) {
	v, err := s.client.EvalVariable(api.EvalScope{GoroutineID: -1, Frame: k}, name, shallowCfg)
	if err != nil || v.Unreadable != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	return n, err == nil
}
