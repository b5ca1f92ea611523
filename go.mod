module github.com/dlv-tasks/dlv-tasks

go 1.26.0
