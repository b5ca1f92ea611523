// Package chains holds pure functions over the model: filtering goroutines,
// grouping them, building the creation tree and walking creation chains.
// It never talks to the debugger; every function takes plain model values
// and is safe on corrupt input (cycles in parent links, unknown ids).
package chains
