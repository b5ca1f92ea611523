package trackermem_test

import (
	"debug/elf"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/trackermem"
)

// The layout learned from a real tracked executable's DWARF is the one
// tracker/LAYOUT.md documents, field by field.
func TestLayoutFromELFIsTheDocumentedLayout(t *testing.T) {
	exe := testutil.BuildTarget(t, "tracked")
	f, err := elf.Open(exe)
	require.NoError(t, err)
	defer f.Close()
	got, root, err := trackermem.LayoutFromELF(f, model.TrackerPackage)
	require.NoError(t, err)
	require.NotZero(t, root)
	want := trackermem.V1Layout()
	for _, c := range []struct {
		name      string
		got, want trackermem.Struct
	}{
		{"rootT", got.Root, want.Root}, {"liveArena", got.LiveArena, want.LiveArena},
		{"presArena", got.PresArena, want.PresArena}, {"endRing", got.Ring, want.Ring},
		{"taskRecord", got.TaskRecord, want.TaskRecord}, {"endRecord", got.EndRecord, want.EndRecord},
		{"cancelRecord", got.CancelRecord, want.CancelRecord},
	} {
		if c.name == "rootT" {
			// The root goes on past the documented fields (the tracker's
			// private state): the reader needs only those.
			require.GreaterOrEqual(t, c.got.Size, c.want.Size, c.name)
		} else {
			require.Equal(t, c.want.Size, c.got.Size, c.name)
		}
		for field, w := range c.want.Fields {
			require.Equal(t, w, c.got.Fields[field], "%s.%s", c.name, field)
		}
	}
}

// An executable without the tracker says so.
func TestLayoutFromELFWithoutTracker(t *testing.T) {
	exe := testutil.BuildTarget(t, "many")
	f, err := elf.Open(exe)
	require.NoError(t, err)
	defer f.Close()
	_, _, err = trackermem.LayoutFromELF(f, model.TrackerPackage)
	require.True(t, errors.Is(err, trackermem.ErrNoTracker), "%v", err)
}
