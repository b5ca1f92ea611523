package terminal

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

//go:generate go test -run TestGeneratedCommandReference -update

// CommandReferencePath is where the generated command reference lives,
// relative to the repository root.
const CommandReferencePath = "docs/COMMANDS.md"

// WriteCommandReference writes the prompt's command reference in Markdown,
// from the command table: names, aliases, usage, help and flags. The
// reference in docs/COMMANDS.md is this output; a test fails when it drifts.
func WriteCommandReference(w io.Writer) error {
	t := New(nil, io.Discard, io.Discard)
	var b strings.Builder
	b.WriteString("# dlv-tasks prompt commands\n\n")
	b.WriteString("<!-- Generated from the command table (terminal/commands.go) by\n" +
		"     `go generate ./terminal`; do not edit. TestGeneratedCommandReference fails when it drifts. -->\n\n")
	b.WriteString("The same commands run at the prompt and with `-c` (one-shot). Flags take one\n" +
		"or two dashes and may come before or after the arguments. An id is a goroutine\n" +
		"id `N` or a tracker task id `t:N` (a live task stands for its goroutine).\n\n")
	b.WriteString("| Command | Aliases | Summary |\n| --- | --- | --- |\n")
	for _, c := range t.commands {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", c.names[0], anchor(c.names[0]), codeList(c.names[1:]), c.summary)
	}
	for _, c := range t.commands {
		fmt.Fprintf(&b, "\n## %s\n\n", c.names[0])
		fmt.Fprintf(&b, "```\n%s\n```\n\n", c.usage)
		fmt.Fprintf(&b, "%s\n", strings.Join(strings.Fields(c.help), " "))
		if len(c.names) > 1 {
			fmt.Fprintf(&b, "\nAliases: %s\n", codeList(c.names[1:]))
		}
		fs, _ := c.newFlagSet()
		first := true
		fs.VisitAll(func(f *flag.Flag) {
			if first {
				b.WriteString("\n| Flag | Meaning | Default |\n| --- | --- | --- |\n")
				first = false
			}
			name, usage := flag.UnquoteUsage(f)
			flagText := "-" + f.Name
			if name != "" {
				flagText += " " + name
			}
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
				def = "`" + f.DefValue + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", flagText, strings.ReplaceAll(usage, "|", `\|`), def)
		})
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// anchor is the Markdown heading anchor of a command name.
func anchor(name string) string { return strings.ToLower(name) }

// codeList formats names as inline code, comma-separated.
func codeList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return strings.Join(out, ", ")
}
