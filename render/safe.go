package render

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Safe returns s fit to print on a terminal: every byte sequence that a
// terminal could act on is shown escaped, as strconv.Quote writes it
// (without the quotes): control characters as \a \b \f \n \r \t \v or
// \x1b, DEL as \x7f, C1 controls and other non-printing runes (bidi
// overrides, zero-width characters) as \u0085, \u202e, and bytes that are
// not valid UTF-8 as \xff. Printable text, ASCII or not, is kept as is, and
// so is a backslash: the escapes are for the eye, the JSON output is exact.
//
// Every string that comes from the target (task, group, function and file
// names, labels, error texts, causes, wait reasons, Delve's messages about
// target memory) goes through Safe in the text output, so that a target
// cannot move the cursor, clear the screen, retitle the window or forge
// table rows.
func Safe(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !printable(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case printable(r, n):
			b.WriteString(s[i : i+n])
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		default:
			// Quote a lone rune and drop its quotes: strconv's choice of
			// \n, \x1b, \u202e or \U000e0001.
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// printable reports whether rune r, n bytes long in the input, prints as
// itself: valid UTF-8, a graphic character or the ASCII space, and not a
// quote character that QuoteRune would escape (the apostrophe stays).
func printable(r rune, n int) bool {
	if r == utf8.RuneError && n == 1 {
		return false
	}
	if r < utf8.RuneSelf {
		return r >= 0x20 && r != 0x7f
	}
	return strconv.IsPrint(r)
}

// hex2 formats a byte as two lower-case hex digits.
func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}

// safeOrDash is Safe(s), or "-" when s is empty.
func safeOrDash(s string) string { return orDash(Safe(s)) }
