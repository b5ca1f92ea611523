module github.com/dlv-tasks/dlv-tasks/tracker/internal/benchcmp

go 1.26.0

require github.com/dlv-tasks/dlv-tasks/tracker v0.0.0

require golang.org/x/sync v0.25.0

replace github.com/dlv-tasks/dlv-tasks/tracker => ../..
