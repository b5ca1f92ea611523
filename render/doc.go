// Package render presents model values and chains results as text (aligned
// tables, trees, stacks) and as stable JSON documents. Every function writes
// to an io.Writer and emits plain text: no terminal control codes.
package render
