package main

import (
	"fmt"
	"time"
)

// The on-call settings: the access log and the shutdown drain. They live apart from the
// other settings so each block can change on its own.

// OpsConfig holds the on-call settings.
type OpsConfig struct {
	// AccessLog turns on the info-level access log of the public listener.
	AccessLog bool
	// ShutdownDrain is how long, after SIGTERM, /readyz answers 503 while requests are
	// still served, so a load balancer stops sending before the listener closes.
	ShutdownDrain time.Duration
}

var opsSettings = []setting{
	{"MINIAUTH_ACCESS_LOG", "access-log", "0", "1: log every request at info (method, path, status, duration, bytes, IP, request id; secrets redacted)"},
	{"MINIAUTH_SHUTDOWN_DRAIN", "shutdown-drain", "5s", "on SIGTERM, how long /readyz answers 503 while requests are still served, before the listeners close"},
}

// parseOps reads the on-call settings.
func parseOps(o *OpsConfig, get func(env string) string) []error {
	var errs []error
	switch get("MINIAUTH_ACCESS_LOG") {
	case "1", "true", "yes":
		o.AccessLog = true
	case "", "0", "false", "no":
	default:
		errs = append(errs, fmt.Errorf("MINIAUTH_ACCESS_LOG must be 0 or 1, got %q", get("MINIAUTH_ACCESS_LOG")))
	}
	v := get("MINIAUTH_SHUTDOWN_DRAIN")
	d, err := time.ParseDuration(v)
	if v == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 || d > 5*time.Minute {
		errs = append(errs, fmt.Errorf("MINIAUTH_SHUTDOWN_DRAIN must be a duration from 0 to 5m like 5s, got %q", v))
	}
	o.ShutdownDrain = d
	return errs
}
