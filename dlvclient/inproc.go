package dlvclient

import (
	"errors"
	"reflect"
	"unsafe"

	"github.com/go-delve/delve/pkg/proc"
	"github.com/go-delve/delve/service"
	"github.com/go-delve/delve/service/debugger"
	"github.com/go-delve/delve/service/rpccommon"
)

// The embedded sessions read the target's memory and threads through
// Delve's in-process API (pkg/proc), not through JSON-RPC. The
// *debugger.Debugger that owns the target is a private field of
// rpccommon.ServerImpl, set by its Run, and Delve offers no exported way to
// reach it or to hand the server a debugger of our own. This file is the one
// place that reaches into Delve's struct, by reflection, on the pinned
// v1.27.2: TestInProcessDebugger fails loudly if the field moves or changes
// type.

// errNoInProcess is returned when the server is not an embedded one (or
// Delve's struct is not the one this code knows).
var errNoInProcess = errors.New("no in-process access to Delve's debugger")

// inProcessDebugger returns the debugger of an embedded server.
func inProcessDebugger(server service.Server) (*debugger.Debugger, error) {
	impl, ok := server.(*rpccommon.ServerImpl)
	if !ok || impl == nil {
		return nil, errNoInProcess
	}
	f := reflect.ValueOf(impl).Elem().FieldByName("debugger")
	if !f.IsValid() || f.Type() != reflect.TypeOf((*debugger.Debugger)(nil)) {
		return nil, errNoInProcess
	}
	d := *(**debugger.Debugger)(unsafe.Pointer(f.UnsafeAddr()))
	if d == nil {
		return nil, errNoInProcess
	}
	return d, nil
}

// procMemory adapts Delve's in-process target memory to runtimemem.Memory.
type procMemory struct {
	mem proc.MemoryReadWriter
}

func (m procMemory) ReadMemory(p []byte, addr uint64) error {
	n, err := m.mem.ReadMemory(p, addr)
	if err != nil {
		return err
	}
	if n != len(p) {
		return errors.New("short read")
	}
	return nil
}
