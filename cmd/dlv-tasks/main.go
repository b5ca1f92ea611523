// Command dlv-tasks is a Go debugger extension that shows goroutines as a
// tree of tasks. (Being built; see README.)
package main

import (
	_ "github.com/go-delve/delve/service/rpc2"
	_ "github.com/peterh/liner"
	_ "github.com/spf13/cobra"
	_ "github.com/stretchr/testify/require"
)

func main() {}
