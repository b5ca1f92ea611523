// Command gen writes internal/demosrc/demo.txtar from the repository's
// testdata/demo and tracker/ sources. Run it through
// `go generate ./internal/demosrc`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dlv-tasks/dlv-tasks/internal/demosrc"
)

func main() {
	// go generate runs in the package's directory: the repository root is
	// two levels up.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err == nil {
		err = write(root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demosrc/gen:", err)
		os.Exit(1)
	}
}

func write(root string) error {
	files, err := demosrc.Collect(root)
	if err != nil {
		return err
	}
	data, err := demosrc.Format(files)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, "internal", "demosrc", demosrc.ArchiveName), data, 0o644)
}
