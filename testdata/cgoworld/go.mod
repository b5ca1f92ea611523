module example.com/cgoworld

go 1.26
