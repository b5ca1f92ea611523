package testutil

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
)

var (
	sectionIDRE   = regexp.MustCompile(`^goroutine (\d+) `)
	elidedCountRE = regexp.MustCompile(`^\.\.\.(\d+) frames elided\.\.\.$`)
)

// ElidedFrames returns, for each goroutine of a runtime traceback whose stack
// the runtime printed with "...N frames elided...", that N: the goroutine's
// stack has that many frames more than the traceback prints.
func ElidedFrames(text []byte) map[int64]int {
	out := map[int64]int{}
	var id int64 = -1
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := sectionIDRE.FindStringSubmatch(line); m != nil {
			id, _ = strconv.ParseInt(m[1], 10, 64)
			continue
		}
		if m := elidedCountRE.FindStringSubmatch(line); m != nil && id >= 0 {
			n, _ := strconv.Atoi(m[1])
			out[id] += n
		}
	}
	return out
}
