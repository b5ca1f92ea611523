package model

// Stack is a goroutine's stack as the debugger read it.
type Stack struct {
	// Frames are innermost first.
	Frames []Frame `json:"frames"`
	// More says the stack goes on below the last frame: it was read to a
	// depth limit.
	More bool `json:"more"`
	// Unreadable says why the stack could not be read; "" when it was.
	Unreadable string `json:"unreadable,omitempty"`
}
