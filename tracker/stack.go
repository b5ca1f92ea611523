package tracker

import (
	"runtime"
	"unsafe"
)

// Stacks are captured with frame-pointer unwinding where available (amd64): about 1 ns
// per frame instead of runtime.Callers' table-driven unwinder. It yields the return
// addresses of physical frames, which runtime.CallersFrames (and a debugger) expands
// into inlined frames just like runtime.Callers output. At start-up it is checked
// against runtime.Callers on a known call chain; on any mismatch runtime.Callers is used.

// callers fills pcs with return PCs starting skip physical frames above the caller of
// callers (skip 0: the caller's caller is first... see fpCallers); it never allocates.
//
//go:noinline
func fpCallers(skip int, pcs []uintptr) int {
	fp := getfp()
	for i := 0; i < root.internal.fpWrapperFrames && fp != nil; i++ {
		fp = *(*unsafe.Pointer)(fp)
	}
	// fp is now fpCallers' frame: [fp] = caller's fp, [fp+8] = return PC into the caller.
	n := 0
	for fp != nil && n < len(pcs) {
		pc := *(*uintptr)(unsafe.Add(fp, unsafe.Sizeof(uintptr(0))))
		fp = *(*unsafe.Pointer)(fp)
		if skip > 0 {
			skip--
			continue
		}
		if pc == 0 {
			break
		}
		pcs[n] = pc
		n++
	}
	return n
}

// captureStack records the stack of the caller of the function calling captureStack,
// skipping skip further physical frames (as runtime.Callers(skip+3) for noinline code).
//
//go:noinline
func captureStack(skip int, pcs []uintptr) int {
	if root.internal.fpWrapperFrames >= 0 {
		// fpCallers' first PC is in captureStack, then its caller, then that caller's caller.
		return fpCallers(skip+2, pcs)
	}
	return runtime.Callers(skip+3, pcs)
}

//go:noinline
func calibC(out *[2][16]uintptr, n *[2]int) {
	n[0] = fpCallers(0, out[0][:])
	n[1] = runtime.Callers(1, out[1][:])
}

//go:noinline
func calibB(out *[2][16]uintptr, n *[2]int) { calibC(out, n) }

//go:noinline
func calibA(out *[2][16]uintptr, n *[2]int) { calibB(out, n) }

// calibrateFP enables frame-pointer unwinding if it agrees with runtime.Callers.
func calibrateFP() {
	if !haveFP {
		return
	}
	for w := 0; w <= 1; w++ {
		root.internal.fpWrapperFrames = w
		var out [2][16]uintptr
		var n [2]int
		calibA(&out, &n)
		// out[0][0] and out[1][0] are different PCs inside calibC; calibB, calibA and
		// their callers must be identical return addresses.
		if n[0] >= 4 && n[1] >= 4 && funcName(out[0][0]) == funcName(out[1][0]) &&
			out[0][1] == out[1][1] && out[0][2] == out[1][2] && out[0][3] == out[1][3] {
			return
		}
	}
	root.internal.fpWrapperFrames = -1
}

func funcName(pc uintptr) string {
	if f := runtime.FuncForPC(pc - 1); f != nil {
		return f.Name()
	}
	return ""
}
