// Package freeze stops every thread of a live process for as short a time as
// possible, so that its memory can be copied in a consistent state, and lets
// it run again.
//
// Freeze seizes each thread with PTRACE_SEIZE and stops it with
// PTRACE_INTERRUPT: unlike PTRACE_ATTACH it sends no SIGSTOP, so the target's
// parent sees no group stop and the target's own signal handling is left
// alone. Threads created while the threads are being seized are followed
// (PTRACE_O_TRACECLONE and a re-scan of /proc/PID/task until it is stable);
// threads that exit meanwhile are dropped. All ptrace requests come from one
// locked OS thread, the tracer, as the kernel requires.
//
// While frozen, ReadMemory and ReadRanges copy the target's memory with
// process_vm_readv (many ranges in one system call), falling back to
// /proc/PID/mem where process_vm_readv is not allowed; Threads gives each
// thread's registers. Thaw detaches every thread; the target loses no signal
// it would have received (see below). Pause is the length of the stop as the tracer measured it, from
// the first seize to the last detach.
//
// A thread can be caught having just taken a signal from its queue (a
// signal-delivery-stop): Freeze lets the kernel deliver it there and then,
// before the thread stops for good, so its handler runs after Thaw. A signal
// sent to the frozen process stays queued and is handled after Thaw.
//
// If the freezing process dies (even by SIGKILL) while the target is frozen,
// the kernel detaches its tracees and the target runs on; a test checks it.
// Queued signals are kept too; only a signal held in a signal-delivery-stop
// would be dropped, which is why Freeze never holds one.
//
// Freeze is implemented on linux/amd64; elsewhere it returns ErrUnsupported.
package freeze

import "errors"

// Errors Freeze wraps, for errors.Is.
var (
	// ErrUnsupported: freezing is not implemented on this platform.
	ErrUnsupported = errors.New("freezing a live process is implemented on linux/amd64 only")
	// ErrNoProcess: there is no process with that pid.
	ErrNoProcess = errors.New("no such process")
	// ErrZombie: the process has exited and waits to be reaped.
	ErrZombie = errors.New("the process is a zombie (it has exited)")
	// ErrTraced: another tracer (a debugger such as Delve or gdb) is attached.
	ErrTraced = errors.New("the process is already traced")
	// ErrPermission: the kernel refused to let this process trace the target.
	ErrPermission = errors.New("not permitted to trace the process")
	// ErrThawed: the snapshot is over; the target runs and its memory moves.
	ErrThawed = errors.New("the process has been thawed")
)

// Registers are a thread's general-purpose registers as PTRACE_GETREGS
// returns them on amd64, under their usual names.
type Registers struct {
	PC, SP, BP     uint64 // rip, rsp, rbp
	FSBase, GSBase uint64 // the thread's TLS bases
	AX, BX, CX, DX uint64
	SI, DI         uint64
	R8, R9, R10    uint64
	R11, R12, R13  uint64
	R14, R15       uint64
	Flags          uint64 // eflags
	OrigAX         uint64 // the system call number when stopped in a system call, else ^0
	CS, SS         uint64
	DS, ES, FS, GS uint64
}

// Thread is one stopped thread of a frozen process.
type Thread struct {
	// TID is the thread id (the process id for the main thread).
	TID int
	// Regs are its registers at the stop.
	Regs Registers
	// Signal, when not 0, is a signal the thread had taken from its queue
	// in the moment between its seize and its interrupt (a
	// signal-delivery-stop). Freeze let the kernel deliver it at once: the
	// handler's frame is set up and the handler runs when the thread
	// resumes, so the signal survives even the freezing process's death.
	// Regs are the thread's registers from before that frame.
	Signal int
	// GroupStop reports that the thread was in, or entered, a group stop
	// (SIGSTOP and friends): Thaw leaves it stopped, as the signal intended.
	GroupStop bool
}

// Range is one span of target memory to copy: len(Buf) bytes from Addr.
type Range struct {
	Addr uint64
	Buf  []byte
	// Err is set by ReadRanges when the span could not be read in full.
	Err error
}
