package testutil

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestElidedFrames(t *testing.T) {
	text := []byte(`goroutine 7 gp=0x1 m=nil [chan receive]:
main.eval(0x1, 0x2)
	/src/main.go:38 +0x45
...107 frames elided...
main.eval(0x3, 0x2)
	/src/main.go:38 +0x45
created by main.main in goroutine 1
	/src/main.go:65 +0x125

goroutine 8 [chan receive]:
main.eval(0x1, 0x2)
	/src/main.go:38 +0x45
...additional frames elided...
`)
	require.Equal(t, map[int64]int{7: 107}, ElidedFrames(text))
}
