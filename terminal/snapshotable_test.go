package terminal

import "testing"

func TestSnapshotServes(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  bool
	}{
		{nil, false},
		{[]string{"ps"}, true},
		{[]string{"ps -group origin", "pstree", "where 1", "pst -limit 3", "wt t:2", "snapshot -json"}, true},
		{[]string{"ps -cancelled"}, false},
		{[]string{"ps --cancelled=true"}, false},
		{[]string{"ps -limit 3", "cancel-chain 7"}, false},
		{[]string{"ps", "continue"}, false},
		{[]string{"print x"}, false},
		{[]string{"ps 'unterminated"}, false},
		{[]string{""}, false},
	} {
		if got := SnapshotServes(c.lines); got != c.want {
			t.Errorf("SnapshotServes(%q) = %v, want %v", c.lines, got, c.want)
		}
	}
}
