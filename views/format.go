package views

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// timeLayout is how the console shows instants. Times are shown in the location they
// carry: the web layer converts them to the console's time zone.
const timeLayout = "2006-01-02 15:04"

// fmtTime formats an instant, or "—" for the zero time.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(TimeZone()).Format(timeLayout)
}

// isoTime is the machine-readable form for <time datetime>.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(TimeZone()).Format(time.RFC3339)
}

// fmtInt groups digits in threes: 1234567 → "1,234,567".
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// orDash shows "—" for an empty string.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// initial is the first character of a name, for avatar placeholders.
func initial(s string) string {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(s))
	if r == utf8.RuneError {
		return "?"
	}
	return strings.ToUpper(string(r))
}

// clip shortens long free text (user agents) to n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// shortDay turns "2024-05-01" into "05-01" for chart labels.
func shortDay(day string) string {
	if len(day) == len("2006-01-02") && day[4] == '-' {
		return day[5:]
	}
	return day
}
