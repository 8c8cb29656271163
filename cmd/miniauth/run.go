package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// run is the whole program: it parses the command line and runs one subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve", "migrate", "cleanup", "wxsim":
	case "bench":
		return runBench(ctx, args, stdout)
	case "account":
		return runAccount(ctx, args, getenv, stdin, stdout)
	case "operator":
		return runOperator(ctx, args, getenv, stdin, stdout)
	case "sample":
		return runSample(ctx, args, getenv, stdout)
	case "help":
		_, _, err := parseConfig("serve", []string{"-h"}, getenv, stdout, nil)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	default:
		return fmt.Errorf("unknown command %q (try miniauth --help)", cmd)
	}
	cfg, rest, err := parseConfig(cmd, args, getenv, stdout, nil)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%s: unexpected arguments %q", cmd, rest)
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch cmd {
	case "migrate":
		return migrate(ctx, cfg, log)
	case "cleanup":
		return cleanup(ctx, cfg, log)
	case "wxsim":
		addr := cfg.Addr
		if addr == defaultAddr {
			addr = defaultSimAddr // beside a miniauth on its default port
		}
		return serveSimulator(ctx, addr, cfg, log)
	}
	return serve(ctx, cfg, log, stdout)
}
