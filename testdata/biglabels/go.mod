module example.com/biglabels

go 1.26
