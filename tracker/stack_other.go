//go:build !amd64

package tracker

import "unsafe"

const haveFP = false

func getfp() unsafe.Pointer { return nil }
