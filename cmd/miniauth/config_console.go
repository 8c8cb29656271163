package main

import (
	"fmt"
	"time"
	_ "time/tzdata" // MINIAUTH_TIMEZONE works on machines without a zone database
)

// The console's settings, apart from the others so the block can change on its own.

// consoleSettings are the console entries of settings.
var consoleSettings = []setting{
	{"MINIAUTH_TIMEZONE", "timezone", "", "IANA time zone of every time the console shows and exports and of the overview's days, e.g. Asia/Shanghai (default: the server's zone)"},
}

func init() { settings = append(settings, consoleSettings...) }

// parseTimeZone reads MINIAUTH_TIMEZONE: nil (the server's zone) when unset.
func parseTimeZone(get func(string) string) (*time.Location, error) {
	v := get("MINIAUTH_TIMEZONE")
	if v == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(v)
	if err != nil || v == "Local" {
		return nil, fmt.Errorf("MINIAUTH_TIMEZONE must be an IANA time zone like Asia/Shanghai or UTC, got %q", v)
	}
	return loc, nil
}

// dayZone is the zone of the overview's calendar days: MINIAUTH_TIMEZONE, else the
// server's zone, as for every other time the console shows.
func (c Config) dayZone() *time.Location {
	if c.TimeZone != nil {
		return c.TimeZone
	}
	return time.Local
}
