// Package privacy holds how personal data is shown where it is not needed in full: the
// API's user views, the console and its CSV export mask phone numbers the same way.
package privacy

import (
	"strings"
	"unicode/utf8"
)

// MaskPhone hides the middle of a phone number: 13812345678 → 138****5678. Short numbers
// keep only their last two digits.
func MaskPhone(p string) string {
	if p == "" {
		return ""
	}
	n := utf8.RuneCountInString(p)
	switch {
	case n >= 11:
		r := []rune(p)
		return string(r[:n-8]) + "****" + string(r[n-4:])
	case n > 4:
		r := []rune(p)
		return strings.Repeat("*", n-2) + string(r[n-2:])
	default:
		return strings.Repeat("*", n)
	}
}
