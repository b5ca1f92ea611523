package render

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShortFile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/home/u/app/cmd/main.go", "cmd/main.go"},
		{"/main.go", "/main.go"},
		{"main.go", "main.go"},
		{"app/main.go", "app/main.go"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ShortFile(tt.in), tt.in)
	}
}

func TestSampleIDsAndLabels(t *testing.T) {
	assert.Equal(t, "1,2,3,4,5,…", sampleIDs([]int64{1, 2, 3, 4, 5, 6}))
	assert.Equal(t, "1,2,3,4,5", sampleIDs([]int64{1, 2, 3, 4, 5}))
	assert.Equal(t, "-", labelsText(nil, 10))
	assert.Equal(t, "a=1,b=2", labelsText(map[string]string{"b": "2", "a": "1"}, 10))
	assert.Equal(t, "a=1,b=22…", labelsText(map[string]string{"b": "2222", "a": "1"}, 9))
}
