module example.com/deepctx

go 1.26
