package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"

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

// terminalPager shows output on f through the user's pager ($PAGER, else
// less -FRX) when it is longer than the terminal is high, and writes it as
// it is otherwise (and whenever f is not a terminal).
func terminalPager(f *os.File) func([]byte) error {
	return func(out []byte) error {
		rows := 0
		if isTerminal(f) {
			if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
				rows = int(ws.Row)
			}
		}
		if rows == 0 || bytes.Count(out, []byte("\n")) < rows-1 {
			_, err := f.Write(out)
			return err
		}
		pager := strings.Fields(os.Getenv("PAGER"))
		if len(pager) == 0 {
			pager = []string{"less", "-FRX"}
		}
		cmd := exec.Command(pager[0], pager[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(out), f, os.Stderr
		if err := cmd.Run(); err != nil {
			// No pager to be had: the output still reaches the user.
			_, werr := f.Write(out)
			if werr != nil {
				return werr
			}
			return fmt.Errorf("%s: %w (output written directly)", pager[0], err)
		}
		return nil
	}
}
