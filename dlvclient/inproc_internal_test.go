package dlvclient

import (
	"reflect"
	"testing"

	"github.com/go-delve/delve/service/debugger"
	"github.com/go-delve/delve/service/rpccommon"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// TestInProcessDebugger fails loudly when Delve's rpccommon.ServerImpl no
// longer keeps its debugger where inproc.go reaches for it (a Delve
// upgrade): the embedded sessions would silently fall back to the listing.
func TestInProcessDebugger(t *testing.T) {
	f, ok := reflect.TypeOf(rpccommon.ServerImpl{}).FieldByName("debugger")
	if !ok || f.Type != reflect.TypeOf((*debugger.Debugger)(nil)) {
		t.Fatalf("rpccommon.ServerImpl has no field debugger *debugger.Debugger (Delve changed): update inproc.go")
	}
	gexe := testutil.BuildTarget(t, "zoo")
	corePath, _ := testutil.CrashCore(t, gexe, []string{"-n", "2"}, nil)
	s, err := OpenCore(gexe, corePath)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := inProcessDebugger(s.server)
	if err != nil {
		t.Fatalf("inProcessDebugger: %v", err)
	}
	tg, unlock := d.LockTargetGroup()
	defer unlock()
	if tg == nil || tg.Selected == nil || len(tg.Selected.ThreadList()) == 0 {
		t.Fatal("the in-process debugger has no target with threads")
	}
}
