package terminal

import "strings"

// snapshotServes are the commands a low-pause snapshot of a live process
// answers as a full attach would: they read goroutines, their stacks and the
// tracker's records, all of which the snapshot copies. The others run code,
// set breakpoints, or read values the snapshot does not copy (contexts,
// variables).
var snapshotServes = map[string]bool{
	"ps": true, "p": true, "pstree": true, "pt": true, "where": true, "w": true,
	"ps-terminated": true, "pst": true, "where-terminated": true, "wt": true,
	"help": true, "h": true, "snapshot": true,
}

// SnapshotServes reports whether every one of the one-shot command lines can
// be answered from a low-pause snapshot (dlvclient.AttachSnapshot): a
// read-only command that needs nothing the snapshot leaves out. `ps
// -cancelled` is not (it reads every goroutine's contexts).
func SnapshotServes(lines []string) bool {
	if len(lines) == 0 {
		return false
	}
	for _, line := range lines {
		args, err := splitArgs(line)
		if err != nil || len(args) == 0 || !snapshotServes[args[0]] {
			return false
		}
		for _, a := range args[1:] {
			name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if strings.HasPrefix(a, "-") && name == "cancelled" {
				return false
			}
		}
	}
	return true
}
