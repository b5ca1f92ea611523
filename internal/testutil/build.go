// Package testutil builds and runs the target programs under testdata/ for
// the tests of dlv-tasks: it starts them and waits until they are ready to be
// debugged, produces crash core dumps of them, and parses the Go runtime's
// crash traceback so that what dlv-tasks reads can be compared with what the
// runtime itself printed.
//
// Targets are tiny modules in testdata/<name>/ that, once their goroutines
// are in place, call main.ready, print "READY <pid>" on stdout and block
// forever.
package testutil

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// ModulePath is the module path of the repository's root module.
const ModulePath = "github.com/dlv-tasks/dlv-tasks"

// RepoRoot returns the absolute path of the repository root: the nearest
// directory, walking up from the current directory (a test's package
// directory), whose go.mod declares ModulePath. It fails the test if there is
// none.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("testutil: %v", err)
	}
	return root
}

func repoRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			if modulePathOf(filepath.Join(dir, "go.mod")) == ModulePath {
				return dir, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("no go.mod declaring module %s above %v", ModulePath, starts)
}

// modulePathOf returns the module path declared by the go.mod file at path,
// or "" if it cannot be read.
func modulePathOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

type buildResult struct {
	once sync.Once
	exe  string
	err  error
}

var (
	buildMu    sync.Mutex
	buildDir   string
	buildCache = map[string]*buildResult{}
)

// BuildTarget builds testdata/<name> with the default compiler flags and
// returns the path of the executable. Each target is built once per test
// process (concurrent callers share the build) into a temporary directory
// that Cleanup removes.
func BuildTarget(t testing.TB, name string) string {
	t.Helper()
	return BuildTargetFlags(t, name)
}

// BuildTargetFlags is BuildTarget with extra `go build` flags, for example
// "-ldflags=-s -w" for a stripped executable or "-gcflags=all=-N -l". Each
// distinct combination of name and flags is built once per test process.
func BuildTargetFlags(t testing.TB, name string, flags ...string) string {
	t.Helper()
	return BuildTargetWith(t, name, BuildOptions{Flags: flags})
}

// Go127 is the Go 1.27 toolchain the oracle tests also build their targets
// with. The go command fetches it from the module proxy on first use (about
// 76 MB, once per machine) when GOTOOLCHAIN names it.
const Go127 = "go1.27.3"

// BuildOptions adjust BuildTargetWith.
type BuildOptions struct {
	// Flags are extra `go build` flags.
	Flags []string
	// Toolchain, when set (e.g. Go127), builds with that Go release:
	// GOTOOLCHAIN is set for this build only.
	Toolchain string
}

// BuildTargetWith is BuildTarget with options. Each distinct combination is
// built once per test process.
func BuildTargetWith(t testing.TB, name string, opts BuildOptions) string {
	t.Helper()
	exe, err := buildTarget(name, opts.Flags, opts.Toolchain)
	if err != nil {
		t.Fatalf("testutil: %v", err)
	}
	return exe
}

func buildTarget(name string, flags []string, toolchain string) (string, error) {
	key := name + "\x00" + toolchain + "\x00" + strings.Join(flags, "\x00")
	buildMu.Lock()
	if buildDir == "" {
		dir, err := os.MkdirTemp("", "dlv-tasks-targets-")
		if err != nil {
			buildMu.Unlock()
			return "", fmt.Errorf("creating the target build directory: %w", err)
		}
		buildDir = dir
	}
	dir := buildDir
	r := buildCache[key]
	if r == nil {
		r = &buildResult{}
		buildCache[key] = r
	}
	n := len(buildCache)
	buildMu.Unlock()

	r.once.Do(func() {
		root, err := repoRoot()
		if err != nil {
			r.err = err
			return
		}
		src := filepath.Join(root, "testdata", name)
		if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
			r.err = fmt.Errorf("target %q: %w", name, err)
			return
		}
		exe := filepath.Join(dir, fmt.Sprintf("%s-%d", name, n))
		args := append([]string{"build", "-o", exe}, flags...)
		args = append(args, ".")
		cmd := exec.Command("go", args...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		if toolchain != "" {
			cmd.Env = append(cmd.Env, "GOTOOLCHAIN="+toolchain)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			r.err = fmt.Errorf("building target %q (go %s in %s, toolchain %q): %w\n%s", name, strings.Join(args, " "), src, toolchain, err, out)
			return
		}
		r.exe = exe
	})
	return r.exe, r.err
}

// Cleanup removes the executables built by BuildTarget and BuildTargetFlags.
// Call it from TestMain after m.Run; later builds start a new directory.
func Cleanup() error {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir == "" {
		return nil
	}
	err := os.RemoveAll(buildDir)
	buildDir = ""
	buildCache = map[string]*buildResult{}
	if err != nil {
		return fmt.Errorf("removing target build directory: %w", err)
	}
	return nil
}
