module example.com/ctxchain

go 1.26
