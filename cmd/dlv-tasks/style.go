package main

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/dlv-tasks/dlv-tasks/render"
)

// terminalStyle is how text output is laid out on f: fitted to its width
// and coloured when f is a terminal (colour off under NO_COLOR or a dumb
// terminal), plain otherwise. It is asked at each command, so a resized
// window is followed.
func terminalStyle(f *os.File) func() render.Style {
	if !isTerminal(f) {
		return nil
	}
	color := os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	return func() render.Style {
		st := render.Style{Color: color}
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
			st.Width = int(ws.Col)
		}
		return st
	}
}
