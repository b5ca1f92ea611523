#include "textflag.h"

// func getg() unsafe.Pointer
TEXT ·getg(SB),NOSPLIT,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET

// func getfp() unsafe.Pointer
// Returns the frame pointer register: the frame of getfp's Go caller (or of the ABI
// wrapper in between; fpCallers calibrates for that at start-up).
TEXT ·getfp(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ BP, AX
	MOVQ AX, ret+0(FP)
	RET
