package dlvclient_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// TestStackCutMatchesRuntimeTraceback crashes a target parked 200 calls
// deep: the runtime prints its first and last 50 frames and says how many
// it elided. Read to the default depth, the stack must say it is cut; read
// deep enough, it must have exactly the runtime's number of frames, with the
// runtime's functions at both ends, and say it is whole.
func TestStackCutMatchesRuntimeTraceback(t *testing.T) {
	forEachToolchain(t, "deepstack", func(t *testing.T, exe string) {
		core, text := testutil.CrashCore(t, exe, []string{"-depth", "200"}, nil)
		tb, err := testutil.ParseTraceback(text)
		require.NoError(t, err)
		elided := testutil.ElidedFrames(text)
		s, err := dlvclient.OpenCore(exe, core)
		require.NoError(t, err)
		defer s.Close()
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)

		deep, shallow := 0, 0
		for _, g := range snap.Goroutines {
			want := tb[g.ID]
			if want.StackUnavailable {
				continue
			}
			total := len(want.Frames) + elided[g.ID]
			frames, more, err := s.StackCut(g.ID, dlvclient.DefaultStackDepth)
			require.NoError(t, err)
			require.Equal(t, total > dlvclient.DefaultStackDepth, more, "goroutine %d: %d frames in the traceback", g.ID, total)
			require.Len(t, frames, min(total, dlvclient.DefaultStackDepth), "goroutine %d", g.ID)

			all, more, err := s.StackCut(g.ID, total+1)
			require.NoError(t, err)
			require.False(t, more, "goroutine %d read %d deep", g.ID, total+1)
			require.Len(t, all, total, "goroutine %d: frames, runtime traceback vs dlv-tasks", g.ID)
			exact, more, err := s.StackCut(g.ID, total)
			require.NoError(t, err)
			require.False(t, more, "goroutine %d read exactly %d deep", g.ID, total)
			require.Len(t, exact, total)
			if total > 1 {
				_, more, err = s.StackCut(g.ID, total-1)
				require.NoError(t, err)
				require.True(t, more, "goroutine %d read %d deep", g.ID, total-1)
			}

			// The printed frames are the first and last ones of the stack.
			head := want.Frames
			if elided[g.ID] > 0 {
				head = want.Frames[:len(want.Frames)/2]
				tail := want.Frames[len(want.Frames)/2:]
				for i, f := range tail {
					require.Equal(t, f.Function, all[total-len(tail)+i].Function, "goroutine %d frame %d from the bottom", g.ID, len(tail)-i)
				}
				deep++
			} else {
				shallow++
			}
			for i, f := range head {
				require.Equal(t, f.Function, all[i].Function, "goroutine %d frame %d", g.ID, i)
			}
		}
		require.Equal(t, 1, deep, "one goroutine is deeper than the runtime prints")
		require.Greater(t, shallow, 3, "the others are shallow: "+strconv.Itoa(shallow))
	})
}
