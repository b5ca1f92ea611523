package render

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestPsTable(t *testing.T) {
	var b strings.Builder
	require.NoError(t, PsTable(&b, psFixture(), 40))
	assert.Equal(t, `40 goroutines (showing 4)
ID  PARENT  STATE            WAIT   LABELS                                    LOCATION                            CREATED BY
1   -       running          -      -                                         main.main cmd/main.go:20            -
2   -       force gc (idle)  -      -                                         runtime.gopark runtime/proc.go:435  -
12  1       chan receive     3m12s  shard=3,task=sync                         main.worker cmd/main.go:40          main.main
13  5       leaked: select   -      request=GET /api/v1/very/long/path/that…  main.poll cmd/main.go:70            main.spawner
`, b.String())
}

func TestPsTableTaskColumn(t *testing.T) {
	gs := psFixture()[2:]
	gs[0].Task = &model.Task{ID: 7, Name: "sync", Group: "pool", GroupID: 2}
	var b strings.Builder
	require.NoError(t, PsTable(&b, gs, 2))
	assert.Equal(t, `2 goroutines (showing 2)
ID  PARENT  STATE           WAIT   LABELS                                    TASK      GROUP  LOCATION                    CREATED BY
12  1       chan receive    3m12s  shard=3,task=sync                         t:7 sync  pool   main.worker cmd/main.go:40  main.main
13  5       leaked: select  -      request=GET /api/v1/very/long/path/that…  -         -      main.poll cmd/main.go:70    main.spawner
`, b.String())
}

func TestPsTableEdgeCases(t *testing.T) {
	var b strings.Builder
	require.NoError(t, PsTable(&b, nil, 1))
	assert.Equal(t, "1 goroutine (showing 0)\n", b.String())

	b.Reset()
	require.NoError(t, PsTable(&b, []model.Goroutine{{ID: 3, Unreadable: "bad g"}}, 1))
	assert.Equal(t, `1 goroutine (showing 1)
ID  PARENT  STATE    WAIT  LABELS  LOCATION             CREATED BY
3   -       unknown  -     -       (unreadable: bad g)  -
`, b.String())
}

func TestPsTableMarksIncompleteLabels(t *testing.T) {
	gs := []model.Goroutine{
		{ID: 7, Status: model.StatusWaiting, WaitReason: "select", Labels: map[string]string{"body": strings.Repeat("x", 100)}, LabelsIncomplete: `label "body" cut at 65536 bytes`},
		{ID: 8, Status: model.StatusWaiting, WaitReason: "select", LabelsIncomplete: "label set unreadable (bad pointer): Delve's labels, values cut at 64 bytes"},
		{ID: 9, Status: model.StatusWaiting, WaitReason: "select", Labels: map[string]string{"route": "/x"}},
	}
	var b strings.Builder
	require.NoError(t, PsTable(&b, gs, 3))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 6)
	assert.Contains(t, lines[2], "body=xxx")
	assert.Contains(t, lines[2], "… (incomplete)")
	assert.Contains(t, lines[3], "? (incomplete)")
	assert.NotContains(t, lines[4], "incomplete")
	assert.Equal(t, `labels (incomplete): not all read: goroutine 7: label "body" cut at 65536 bytes; goroutine 8: label set unreadable (bad pointer): Delve's labels, values cut at 64 bytes`, lines[5])
	assert.Empty(t, LabelsNote(gs[2:]))
}
