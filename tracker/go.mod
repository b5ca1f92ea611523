module github.com/dlv-tasks/dlv-tasks/tracker

go 1.26
