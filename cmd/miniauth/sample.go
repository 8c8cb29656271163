package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"miniauth/db"
)

// runSample is `miniauth sample --users N --sessions N`: made-up users and live sessions
// for trying the console and measuring it at scale.
func runSample(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var users, sessions int
	extra := func(fs *flag.FlagSet) {
		fs.IntVar(&users, "users", 1000, "WeChat users to add")
		fs.IntVar(&sessions, "sessions", 1000, "live sessions to add, spread over the new users")
	}
	cfg, rest, err := parseConfig("sample", args, getenv, stdout, extra)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(rest) > 0 || users < 0 || sessions < 0 {
		return fmt.Errorf("sample: usage: miniauth sample --users N --sessions N")
	}
	store, err := openStore(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer store.Close()
	return insertSample(ctx, store, cfg, users, sessions, stdout)
}

// insertSample fills store with sample data, reporting progress to out.
func insertSample(ctx context.Context, store *db.Store, cfg Config, users, sessions int, out io.Writer) error {
	appID := cfg.AppID
	if appID == "" {
		appID = SimAppID
	}
	start := time.Now()
	last := start
	err := store.InsertSample(ctx, db.SampleOptions{AppID: appID, Users: users, Sessions: sessions,
		Progress: func(u, s int) {
			if time.Since(last) > 5*time.Second {
				last = time.Now()
				fmt.Fprintf(out, "sample: %d users, %d sessions (%s)\n", u, s, time.Since(start).Round(time.Second))
			}
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sample: added %d users and %d sessions in %s (%s)\n", users, sessions,
		time.Since(start).Round(100*time.Millisecond), store.Dialect())
	return nil
}
