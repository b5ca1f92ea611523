module example.com/pausemeter

go 1.26
