package render

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestStack(t *testing.T) {
	frames := []model.Frame{
		{Location: model.Location{Function: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 435}},
		{Location: loc("main.f", 12)},
		{Location: model.Location{PC: 0x1234}, Err: "could not unwind"},
	}
	var b strings.Builder
	require.NoError(t, Stack(&b, frames))
	assert.Equal(t, `0  runtime.gopark
   at /go/src/runtime/proc.go:435
1  main.f
   at /home/u/app/cmd/main.go:12
2  ?
   error: could not unwind
`, b.String())

	b.Reset()
	require.NoError(t, Stack(&b, nil))
	assert.Equal(t, "(no frames)\n", b.String())

	// Wide indexes keep the columns aligned.
	many := make([]model.Frame, 11)
	for i := range many {
		many[i] = model.Frame{Location: loc("main.rec", i)}
	}
	b.Reset()
	require.NoError(t, Stack(&b, many))
	lines := strings.Split(b.String(), "\n")
	assert.Equal(t, " 0  main.rec", lines[0])
	assert.Equal(t, "    at /home/u/app/cmd/main.go:0", lines[1])
	assert.Equal(t, "10  main.rec", lines[20])
}
