package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// Stack writes frames innermost first, numbered as Delve's stack command
// does:
//
//	0  main.f
//	   at /src/app/main.go:12
//	1  main.main
//	   at /src/app/main.go:30
func Stack(w io.Writer, frames []model.Frame) error {
	return writeStack(w, frames, "")
}

// writeStack writes frames with every line after indent.
func writeStack(w io.Writer, frames []model.Frame, indent string) error {
	if len(frames) == 0 {
		_, err := fmt.Fprintf(w, "%s(no frames)\n", indent)
		return err
	}
	width := len(strconv.Itoa(len(frames) - 1))
	pad := indent + strings.Repeat(" ", width+2)
	var b strings.Builder
	for i, f := range frames {
		fn := Safe(f.Function)
		if fn == "" {
			fn = "?"
		}
		fmt.Fprintf(&b, "%s%*d  %s\n", indent, width, i, fn)
		if f.File != "" {
			fmt.Fprintf(&b, "%sat %s:%d\n", pad, Safe(f.File), f.Line)
		}
		if f.Err != "" {
			fmt.Fprintf(&b, "%serror: %s\n", pad, Safe(f.Err))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
