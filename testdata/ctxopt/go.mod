module example.com/ctxopt

go 1.26
