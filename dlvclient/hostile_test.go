package dlvclient_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/terminal"
)

// testdata/hostile: tasks, groups, texts, causes and labels that carry
// terminal escape sequences, and tracker memory it corrupts itself
// (-corrupt MODE), on a live target and on a kernel core.

// The hostile strings of testdata/hostile (see its package doc).
const (
	hostileName  = "\x1b]0;PWNED\a\x1b[2J\x1b[H\r\nFAKE LINE t:999"
	hostileText  = "disk \x1b[31mfull\x1b[0m\r\nt:999 FAKE   returned"
	hostileCause = "shutdown\x1b]8;;http://x\a link\x1b]8;;\a\tnow"
)

// openHostile starts testdata/hostile with -corrupt=modes and attaches to it
// (live), or crashes it and opens its kernel core (core).
func openHostile(t *testing.T, how, modes string) *dlvclient.Session {
	t.Helper()
	exe := testutil.BuildTarget(t, "hostile")
	args := []string{"-corrupt=" + modes}
	var s *dlvclient.Session
	var err error
	if how == "core" {
		core, _ := testutil.CrashCore(t, exe, args, nil)
		s, err = dlvclient.OpenCore(exe, core)
	} else {
		tg := testutil.StartTracedTarget(t, exe, args, nil)
		s, err = dlvclient.Attach(tg.Pid)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// runCommand runs one prompt command against s and returns its output and
// notes.
func runCommand(t *testing.T, s *dlvclient.Session, line string) (out, notes string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = terminal.New(s, &o, &e).Execute(line)
	return o.String(), e.String(), err
}

// terminalSafeBytes returns a description of the first byte sequence of b a
// terminal would act on (a C0 control other than line feed and tab, DEL,
// a C1 control, invalid UTF-8), or "".
func terminalSafeBytes(b string) string {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRuneInString(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return fmt.Sprintf("invalid UTF-8 byte %#x at %d", b[i], i)
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return fmt.Sprintf("control %U at %d", r, i)
		case r >= 0x202a && r <= 0x202e:
			return fmt.Sprintf("bidi override %U at %d", r, i)
		}
		i += n
	}
	return ""
}

// TestHostileNamesAreEscaped runs every command that shows target strings
// on testdata/hostile: no control byte of the target reaches the text
// output, no target string breaks a row into two (no line starts with the
// forged "FAKE LINE"), the escapes are visible, and --json keeps the exact
// strings.
func TestHostileNamesAreEscaped(t *testing.T) {
	for _, how := range []string{"live", "core"} {
		t.Run(how, func(t *testing.T) {
			s := openHostile(t, how, "")
			tr, err := s.Tracker(t.Context())
			require.NoError(t, err)
			var evilGoroutine int64
			for _, tk := range tr.Live {
				if tk.Name == hostileName {
					evilGoroutine = tk.GoroutineID
				}
			}
			require.NotZero(t, evilGoroutine, "live task %q: %+v", hostileName, tr.Live)
			cmds := []string{"ps", "ps -user -group task", "ps -group group", "ps -group label task", "ps -group creation",
				"pstree", "pstree -tasks", "ps-terminated", "where-terminated t:6", "where-terminated t:7", "where-terminated t:10",
				fmt.Sprintf("where %d", evilGoroutine), "cancel-chain t:4", "ps -cancelled"}
			for _, cmd := range cmds {
				out, notes, err := runCommand(t, s, cmd)
				require.NoError(t, err, cmd)
				for name, text := range map[string]string{"output": out, "notes": notes} {
					assert.Empty(t, terminalSafeBytes(text), "%s: %s:\n%s", cmd, name, text)
					for _, line := range strings.Split(text, "\n") {
						assert.False(t, strings.HasPrefix(strings.TrimSpace(line), "FAKE") || strings.HasPrefix(line, "t:999"),
							"%s: a target string forged the line %q", cmd, line)
					}
				}
			}
			out, _, err := runCommand(t, s, "ps-terminated")
			require.NoError(t, err)
			assert.Contains(t, out, `failing\x1b[2K`)
			assert.Contains(t, out, `\xff\xfe bad utf-8`)
			out, _, err = runCommand(t, s, "pstree -tasks")
			require.NoError(t, err)
			assert.Contains(t, out, `\x1b]0;PWNED\a\x1b[2J\x1b[H\r\nFAKE LINE t:999`)
			assert.Contains(t, out, `member\u009b31m\u202e`)

			// JSON: the exact strings (encoding/json writes invalid UTF-8 as U+FFFD).
			out, _, err = runCommand(t, s, "ps-terminated --json")
			require.NoError(t, err)
			var pst struct {
				Terminated []struct {
					Text string `json:"text"`
					Task struct {
						Name string `json:"name"`
					} `json:"task"`
				} `json:"terminated"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &pst))
			got := map[string]string{}
			for _, e := range pst.Terminated {
				got[e.Task.Name] = e.Text
			}
			assert.Equal(t, hostileText, got["failing\x1b[2K"], "exact error text")
			assert.Equal(t, "lost\r\nFAKE LINE", got["keeper\a"])
			_, ok := got["\ufffd\ufffd bad utf-8"]
			assert.True(t, ok, "invalid UTF-8 as U+FFFD in JSON: %q", got)
			out, _, err = runCommand(t, s, "ps --json -with task")
			require.NoError(t, err)
			var gs []struct {
				Labels map[string]string `json:"labels"`
				Task   *struct {
					Name string `json:"name"`
				} `json:"task"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &gs))
			found := false
			for _, g := range gs {
				if g.Task != nil && g.Task.Name == hostileName {
					found = true
					assert.Equal(t, hostileName, g.Labels["task"])
					assert.Equal(t, "api\r\nFAKE", g.Labels["role\x1b[8m"])
					assert.Equal(t, "acme\u202egnp.exe", g.Labels["tenant"])
				}
			}
			assert.True(t, found, "task %q in ps --json", hostileName)
			out, _, err = runCommand(t, s, "cancel-chain --json t:4")
			require.NoError(t, err)
			assert.Contains(t, out, mustJSON(t, hostileCause))
		})
	}
}

func mustJSON(t *testing.T, s string) string {
	b, err := json.Marshal(s)
	require.NoError(t, err)
	return string(b)
}

// TestHostileCorruptionIsReported runs testdata/hostile with each kind of
// tracker corruption: every command that reads the tracker still answers,
// quickly, and prints one note line saying what was skipped and why.
func TestHostileCorruptionIsReported(t *testing.T) {
	type check struct {
		cmd        string
		note       []string // substrings of the note line
		out        []string // substrings of the output
		notOut     []string
		maxLatency time.Duration
	}
	cases := []struct {
		mode   string
		core   bool
		checks []check
	}{
		{"namelen", false, []check{
			{cmd: "ps", note: []string{"4 tracker records skipped: 4 corrupt"}},
			{cmd: "ps -cancelled", note: []string{"4 corrupt"}},
		}},
		{"ringcap0", false, []check{
			{cmd: "ps-terminated", note: []string{"6 tracker records skipped: 6 corrupt", "terminated ring", "implausible capacity 0"}, out: []string{"keeper"}},
		}},
		{"ringunmapped", false, []check{
			{cmd: "ps-terminated", note: []string{"6 unreadable", "terminated ring"}, out: []string{"keeper"}},
			{cmd: "ps-terminated --json", note: []string{"6 unreadable"}, out: []string{`"unreadable": 6`, `"tracker_note": "note: 6 tracker records skipped: 6 unreadable`, `"problems": [`}},
		}},
		{"magic", true, []check{
			{cmd: "pstree", note: []string{"tracker unreadable", "magic"}, out: []string{"main.main"}},
			{cmd: "ps", note: []string{"tracker unreadable"}, out: []string{"main.main"}},
		}},
		{"dupchunks", true, []check{
			{cmd: "ps", note: []string{"duplicate chunk", "repeat or overlap"}, out: []string{"t:1 "}, maxLatency: 5 * time.Second},
			{cmd: "pstree -tasks", note: []string{"duplicate chunk"}, out: []string{"stubborn"}, maxLatency: 5 * time.Second},
		}},
		{"bigring", false, []check{
			{cmd: "ps-terminated", note: []string{"corrupt", "never written"}, out: []string{"keeper", "finished-late"}, maxLatency: 5 * time.Second},
		}},
		{"goid", true, []check{
			{cmd: "ps", note: []string{"1 goroutine mismatch", "claims goroutine 1"}, out: []string{"t:3 spare"}},
		}},
		{"startafterend", false, []check{
			{cmd: "ps-terminated", note: []string{"1 tracker record skipped: 1 corrupt"}, out: []string{"keeper"}, notOut: []string{"finished-late"}},
		}},
		{"cycle", false, []check{
			{cmd: "pstree -tasks", note: []string{"1 corrupt"}, notOut: []string{"spare"}},
		}},
		{"oddseq", false, []check{
			{cmd: "ps", note: []string{"1 mid-write"}, out: []string{"t:4 stubborn"}, notOut: []string{"t:3 spare"}},
		}},
	}
	for _, c := range cases {
		hows := []string{"live"}
		if c.core {
			hows = append(hows, "core")
		}
		for _, how := range hows {
			t.Run(c.mode+"/"+how, func(t *testing.T) {
				s := openHostile(t, how, c.mode)
				for _, ch := range c.checks {
					start := time.Now()
					out, notes, err := runCommand(t, s, ch.cmd)
					elapsed := time.Since(start)
					require.NoError(t, err, "%s\n%s", ch.cmd, notes)
					lines := strings.Split(strings.TrimSpace(notes), "\n")
					require.Len(t, lines, 1, "%s: one note line, got %q", ch.cmd, notes)
					for _, want := range ch.note {
						assert.Contains(t, lines[0], want, ch.cmd)
					}
					for _, want := range ch.out {
						assert.Contains(t, out, want, ch.cmd)
					}
					for _, not := range ch.notOut {
						assert.NotContains(t, out, not, ch.cmd)
					}
					if ch.maxLatency > 0 {
						assert.Less(t, elapsed, ch.maxLatency*raceSlowdown, "%s took %v", ch.cmd, elapsed)
					}
					t.Logf("%s (%v): %s", ch.cmd, elapsed.Round(time.Millisecond), lines[0])
				}
			})
		}
	}
}
