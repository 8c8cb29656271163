package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"miniauth/buildinfo"
	"miniauth/reqid"
)

// run is the whole program: it parses the command line and runs one subcommand. Program
// output (help, the first operator's password, command results, the version) goes to
// stdout; logs go to stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve", "migrate", "cleanup", "wxsim", "backup":
	case "bench":
		return runBench(ctx, args, stdout)
	case "account":
		return runAccount(ctx, args, getenv, stdin, stdout, stderr)
	case "app":
		return runApp(ctx, args, getenv, stdin, stdout, stderr)
	case "operator":
		return runOperator(ctx, args, getenv, stdin, stdout)
	case "sample":
		return runSample(ctx, args, getenv, stdout)
	case "version":
		_, _, err := parseConfig("version", args, getenv, stdout, nil)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, buildinfo.Read())
		return nil
	case "help":
		_, _, err := parseConfig("serve", []string{"-h"}, getenv, stdout, nil)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	default:
		return fmt.Errorf("unknown command %q (try miniauth --help)", cmd)
	}
	var pos []string
	if cmd == "backup" { // the destination may come before or after the flags
		for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			pos, args = append(pos, args[0]), args[1:]
		}
	}
	cfg, rest, err := parseConfig(cmd, args, getenv, stdout, nil)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if cmd == "backup" {
		pos, rest = append(pos, rest...), nil
		if len(pos) != 1 {
			return errors.New("backup: usage: miniauth backup NEW-FILE [--database-url URL]")
		}
	}
	if len(rest) > 0 {
		return fmt.Errorf("%s: unexpected arguments %q", cmd, rest)
	}
	// Lines logged with a request's context carry its request id.
	log := reqid.NewLogger(slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	switch cmd {
	case "migrate":
		return migrate(ctx, cfg, log)
	case "cleanup":
		return cleanup(ctx, cfg, log)
	case "backup":
		return backup(ctx, cfg, pos[0], log, stdout)
	case "wxsim":
		addr := cfg.Addr
		if addr == defaultAddr {
			addr = defaultSimAddr // beside a miniauth on its default port
		}
		return serveSimulator(ctx, addr, cfg, log, stdout)
	}
	return serve(ctx, cfg, log, stdout)
}
