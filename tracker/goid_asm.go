//go:build amd64 || arm64

package tracker

import "unsafe"

const haveGetg = true

// getg returns the current goroutine's runtime.g pointer (assembly).
func getg() unsafe.Pointer
