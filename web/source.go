package web

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// maxSourceFile bounds the size of a source file read for its lines.
const maxSourceFile = 4 << 20

// maxSourceLine bounds one source line shown.
const maxSourceLine = 300

// sourceCache reads the source lines that stack frames name, where the
// file is a readable .go file on this machine (the paths come from the
// executable's DWARF, so nothing else is read).
type sourceCache struct {
	mu    sync.Mutex
	files map[string][][]byte // nil: unreadable
}

func newSourceCache() *sourceCache { return &sourceCache{files: map[string][][]byte{}} }

func (c *sourceCache) lines(file string) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ls, ok := c.files[file]; ok {
		return ls
	}
	var ls [][]byte
	if filepath.IsAbs(file) && strings.HasSuffix(file, ".go") {
		if fi, err := os.Stat(file); err == nil && fi.Mode().IsRegular() && fi.Size() <= maxSourceFile {
			if data, err := os.ReadFile(file); err == nil {
				ls = bytes.Split(data, []byte("\n"))
			}
		}
	}
	c.files[file] = ls
	return ls
}

// line returns line n of file, trimmed, and whether it was found.
func (c *sourceCache) line(file string, n int) (string, bool) {
	ls := c.lines(file)
	if n < 1 || n > len(ls) {
		return "", false
	}
	s := strings.TrimSpace(string(ls[n-1]))
	if len(s) > maxSourceLine {
		s = s[:maxSourceLine] + "…"
	}
	return s, true
}

// add puts the source line of each frame into out, keyed "file:line".
func (c *sourceCache) add(out map[string]string, frames []model.Frame) {
	for _, f := range frames {
		key := f.File + ":" + strconv.Itoa(f.Line)
		if _, ok := out[key]; ok {
			continue
		}
		if s, ok := c.line(f.File, f.Line); ok {
			out[key] = s
		}
	}
}
