package demosrc

import _ "embed"

//go:embed demo.txtar
var archive []byte
