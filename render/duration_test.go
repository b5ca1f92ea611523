package render

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{500 * time.Microsecond, "<1ms"},
		{850 * time.Millisecond, "850ms"},
		{12*time.Second + 900*time.Millisecond, "12s"},
		{3*time.Minute + 12*time.Second, "3m12s"},
		{3 * time.Minute, "3m"},
		{2*time.Hour + 5*time.Minute + 59*time.Second, "2h5m"},
		{2 * time.Hour, "2h"},
		{3*24*time.Hour + 4*time.Hour + time.Minute, "3d4h"},
		{-12 * time.Second, "-12s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, HumanDuration(tt.d), "%v", tt.d)
	}
}

func TestAgoAtTheSameInstant(t *testing.T) {
	assert.Equal(t, "<1ms ago", agoText(0))
	assert.Equal(t, "<1ms ago", agoText(500*time.Microsecond))
	assert.Equal(t, "2s ago", agoText(2*time.Second))
}

func TestWaitTextMarksLowerBounds(t *testing.T) {
	assert.Equal(t, "1m5s", WaitText(65*time.Second, false))
	assert.Equal(t, "≥1m5s", WaitText(65*time.Second, true))
}
