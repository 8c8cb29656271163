package views

import (
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// zone is the console's time zone (MINIAUTH_TIMEZONE); nil means the server's.
var zone atomic.Pointer[time.Location]

// SetTimeZone sets the zone every console time is shown in (pages and CSV exports);
// nil goes back to the server's zone. The server sets it once at start.
func SetTimeZone(loc *time.Location) { zone.Store(loc) }

// TimeZone is the console's time zone.
func TimeZone() *time.Location {
	if l := zone.Load(); l != nil {
		return l
	}
	return time.Local
}

// ZoneLabel names the console's time zone with its current offset: "Asia/Shanghai
// (UTC+08:00)".
func ZoneLabel(now time.Time) string {
	loc := TimeZone()
	return ZoneName(loc, now) + " (UTC" + now.In(loc).Format("-07:00") + ")"
}

// ZoneName names loc: its IANA name, or for the server's unnamed zone its abbreviation at
// now ("CST").
func ZoneName(loc *time.Location, now time.Time) string {
	if name := loc.String(); name != "Local" {
		return name
	}
	name, _ := now.In(loc).Zone()
	return name
}

// AuditActions is every audit action code the console has a label for, sorted: the
// choices of the audit page's action filter.
func AuditActions() []string {
	var out []string
	for k := range catalogue[LangEN] {
		if code, ok := strings.CutPrefix(k, "audit.action."); ok {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out
}
