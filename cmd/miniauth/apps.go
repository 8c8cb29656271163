package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"miniauth/db"
)

const appUsage = `usage:
  miniauth app create APPID --name NAME --secret-stdin [--no-unionid-link] [--disabled]
  miniauth app list
  miniauth app disable|enable APPID
  miniauth app secret APPID --secret-stdin      (rotation: the new AppSecret)
  miniauth app link APPID on|off                (take over a binding the same unionid made in another app)
plus the database flags (miniauth app VERB --help lists them, e.g. --database-url)
A running server picks a change up within a second.`

// runApp is `miniauth app VERB ...`: the deployment's mini-programs from the command line.
// AppSecrets are read from stdin, never from the command line, and never printed.
func runApp(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, appUsage)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New(appUsage)
	}
	verb, args := args[0], args[1:]
	want := 1 // positional arguments
	switch verb {
	case "create", "disable", "enable", "secret":
	case "list":
		want = 0
	case "link":
		want = 2
	default:
		return fmt.Errorf("app: unknown command %q\n%s", verb, appUsage)
	}
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	var name string
	var fromStdin, noLink, disabled bool
	extra := func(fs *flag.FlagSet) {
		if verb == "create" {
			fs.StringVar(&name, "name", "", "the mini-program's name, as operators see it")
			fs.BoolVar(&noLink, "no-unionid-link", false, "do not take over bindings the same person (unionid) made in other apps")
			fs.BoolVar(&disabled, "disabled", false, "create the app disabled (no logins until enabled)")
		}
		if verb == "create" || verb == "secret" {
			fs.BoolVar(&fromStdin, "secret-stdin", false, "read the AppSecret from the first line of stdin (required)")
		}
	}
	cfg, rest, err := parseConfig("app "+verb, args, getenv, stdout, extra)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	pos = append(pos, rest...)
	if len(pos) != want {
		return fmt.Errorf("app %s: want %d arguments, got %q\n%s", verb, want, pos, appUsage)
	}
	var secret string
	if verb == "create" || verb == "secret" {
		if !fromStdin {
			return fmt.Errorf("app %s: pass --secret-stdin and the AppSecret on stdin (never on the command line)", verb)
		}
		if secret, err = readAppSecret(stdin); err != nil {
			return fmt.Errorf("app %s: %w", verb, err)
		}
	}

	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	notFound := func(err error) error {
		if errors.Is(err, db.ErrNotFound) {
			return fmt.Errorf("app %s: no app %q (miniauth app list)", verb, pos[0])
		}
		return err
	}
	switch verb {
	case "create":
		a, err := store.CreateApp(ctx, db.AppInput{AppID: pos[0], Name: name, Secret: secret,
			Disabled: disabled, NoUnionIDLink: noLink}, cliActor)
		if errors.Is(err, db.ErrConflict) {
			return fmt.Errorf("app create: %s exists; replace its secret with miniauth app secret %s --secret-stdin", pos[0], pos[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created app %s (%s); enabled %t, unionid link %t\n", a.AppID, a.Name, a.Enabled, a.LinkUnionID)
	case "list":
		apps, err := store.Apps(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "APPID\tNAME\tENABLED\tUNIONID LINK\tCREATED")
		for _, a := range apps {
			fmt.Fprintf(w, "%s\t%s\t%t\t%t\t%s\n", a.AppID, a.Name, a.Enabled, a.LinkUnionID, a.CreatedAt.UTC().Format("2006-01-02 15:04"))
		}
		return w.Flush()
	case "disable", "enable":
		if err := store.SetAppEnabled(ctx, pos[0], verb == "enable", cliActor); err != nil {
			return notFound(err)
		}
		fmt.Fprintf(stdout, "%sd app %s\n", verb, pos[0])
	case "secret":
		if err := store.SetAppSecret(ctx, pos[0], secret, cliActor); err != nil {
			return notFound(err)
		}
		fmt.Fprintf(stdout, "replaced the secret of app %s\n", pos[0])
	case "link":
		var on bool
		switch pos[1] {
		case "on":
			on = true
		case "off":
		default:
			return fmt.Errorf("app link: want on or off, got %q", pos[1])
		}
		if err := store.SetAppLinkUnionID(ctx, pos[0], on, cliActor); err != nil {
			return notFound(err)
		}
		fmt.Fprintf(stdout, "unionid link of app %s: %s\n", pos[0], pos[1])
	}
	return nil
}

// readAppSecret reads an AppSecret from the first line of r.
func readAppSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReaderSize(r, 512).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the secret from stdin: %w", err)
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return "", errors.New("no secret on stdin")
	}
	return line, nil
}
