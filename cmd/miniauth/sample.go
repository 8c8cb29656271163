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

// runSample is `miniauth sample --users N --sessions N`: a realistic made-up data set
// (users, accounts and bindings, sessions, audit events, daily history; db.InsertSample)
// for trying the console and measuring it at scale.
func runSample(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var users, sessions, days int
	extra := func(fs *flag.FlagSet) {
		fs.IntVar(&users, "users", 1000, "WeChat users to add (about 30% bound to accounts made for them)")
		fs.IntVar(&sessions, "sessions", 1000, "sessions to add, spread over the new users (about 60% live, the rest logged out or expired)")
		fs.IntVar(&days, "days", 180, "how far back sign-ups, sessions and the daily history reach")
	}
	cfg, rest, err := parseConfig("sample", args, getenv, stdout, extra)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(rest) > 0 || users < 0 || sessions < 0 || days < 1 {
		return fmt.Errorf("sample: usage: miniauth sample --users N --sessions N [--days D]")
	}
	store, err := openStore(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer store.Close()
	return insertSample(ctx, store, cfg, users, sessions, days, stdout)
}

// insertSample fills store with sample data, reporting progress to out.
func insertSample(ctx context.Context, store *db.Store, cfg Config, users, sessions, days int, out io.Writer) error {
	appID := cfg.AppID
	if appID == "" {
		appID = SimAppID
	}
	start := time.Now()
	last := start
	err := store.InsertSample(ctx, db.SampleOptions{AppID: appID, Users: users, Sessions: sessions, Days: days,
		Progress: func(what string, n int) {
			if time.Since(last) > 5*time.Second {
				last = time.Now()
				fmt.Fprintf(out, "sample: %d %s (%s)\n", n, what, time.Since(start).Round(time.Second))
			}
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sample: added %d users and %d sessions in %s (%s)\n", users, sessions,
		time.Since(start).Round(100*time.Millisecond), store.Dialect())
	return nil
}
