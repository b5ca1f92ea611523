package tracker

import "unsafe"

const haveFP = true

// getfp returns the frame pointer register (assembly).
func getfp() unsafe.Pointer
