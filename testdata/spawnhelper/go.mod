module example.com/spawnhelper

go 1.26
