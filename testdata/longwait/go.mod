module example.com/longwait

go 1.26
