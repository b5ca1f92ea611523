module example.com/ancestors

go 1.26
