package dumptext

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// hostileLine is one line of a million bytes that makes a naive header
// search quadratic: many "goroutine N [" starts, and the spaces a header may
// end with.
func hostileLine() []byte {
	var b bytes.Buffer
	for b.Len() < 400_000 {
		b.WriteString("goroutine 1 [")
	}
	b.WriteString(strings.Repeat(" ", 600_000))
	b.WriteString("\n")
	return b.Bytes()
}

// TestHostileLinesAreLinear: such lines cost time in proportion to their
// length. 20 MB of them must parse in well under the seconds a quadratic
// search takes on one.
func TestHostileLinesAreLinear(t *testing.T) {
	text := bytes.Repeat(hostileLine(), 20)
	start := time.Now()
	_, err := Parse(bytes.NewReader(text), Options{})
	elapsed := time.Since(start)
	if err != ErrNoDump {
		t.Fatalf("Parse: %v", err)
	}
	t.Logf("%d MB in %v", len(text)>>20, elapsed)
	if elapsed > 5*time.Second {
		t.Fatalf("%d MB of hostile lines took %v", len(text)>>20, elapsed)
	}
}
