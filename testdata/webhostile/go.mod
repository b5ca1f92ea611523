module example.com/webhostile

go 1.26

require github.com/dlv-tasks/dlv-tasks/tracker v0.0.0

replace github.com/dlv-tasks/dlv-tasks/tracker => ../../tracker
