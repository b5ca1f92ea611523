#include "textflag.h"

// func rdtsc() uint64
TEXT ·rdtsc(SB),NOSPLIT|NOFRAME,$0-8
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET

// func cpuidInvariantTSC() bool
TEXT ·cpuidInvariantTSC(SB),NOSPLIT|NOFRAME,$0-1
	MOVL	$0x80000000, AX
	XORL	CX, CX
	CPUID
	CMPL	AX, $0x80000007
	JB	no
	MOVL	$0x80000007, AX
	XORL	CX, CX
	CPUID
	BTL	$8, DX
	JCC	no
	MOVB	$1, ret+0(FP)
	RET
no:
	MOVB	$0, ret+0(FP)
	RET
