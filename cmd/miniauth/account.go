package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"

	"miniauth/db"
	"miniauth/password"
)

// cliActor is who the audit log says made a change from the command line.
var cliActor = db.SystemActor("cli")

const accountUsage = `usage:
  miniauth account create USERNAME --name NAME --password-stdin
  miniauth account import FILE.csv          (columns username,name,password, or a header
                                            naming username, name, password or password_hash)
  miniauth account passwd USERNAME --password-stdin
  miniauth account disable|enable USERNAME
  miniauth account unlock USERNAME
plus the database flags (miniauth account VERB --help lists them, e.g. --database-url)`

// runAccount is `miniauth account VERB ...`: platform accounts from the command line.
// Passwords are read from stdin, never from the command line.
func runAccount(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, accountUsage)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New(accountUsage)
	}
	verb, args := args[0], args[1:]
	switch verb {
	case "create", "import", "passwd", "disable", "enable", "unlock":
	default:
		return fmt.Errorf("account: unknown command %q\n%s", verb, accountUsage)
	}
	// The argument may come before or after the flags.
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	var name string
	var fromStdin bool
	extra := func(fs *flag.FlagSet) {
		if verb == "create" {
			fs.StringVar(&name, "name", "", "the account holder's display name")
		}
		if verb == "create" || verb == "passwd" {
			fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin (required)")
		}
	}
	cfg, rest, err := parseConfig("account "+verb, args, getenv, stdout, extra)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	pos = append(pos, rest...)
	if len(pos) != 1 {
		return fmt.Errorf("account %s: want exactly one argument, got %q\n%s", verb, pos, accountUsage)
	}
	arg := pos[0]
	var pw string
	if verb == "create" || verb == "passwd" {
		if !fromStdin {
			return fmt.Errorf("account %s: pass --password-stdin and the password on stdin (never on the command line)", verb)
		}
		if pw, err = readAccountPassword(stdin); err != nil {
			return fmt.Errorf("account %s: %w", verb, err)
		}
	}

	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	hasher := password.New(password.OWASP, runtime.GOMAXPROCS(0), 1<<16)

	account := func() (db.Account, error) {
		a, err := store.AccountByUsername(ctx, arg)
		if errors.Is(err, db.ErrNotFound) {
			return db.Account{}, fmt.Errorf("account %s: no account named %q", verb, arg)
		}
		return a, err
	}
	switch verb {
	case "create":
		enc, err := hasher.Hash(ctx, pw)
		if err != nil {
			return err
		}
		a, err := store.CreateAccount(ctx, arg, name, enc, cliActor)
		if errors.Is(err, db.ErrConflict) {
			return fmt.Errorf("account create: username %q is taken (usernames ignore case)", arg)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created account %s (id %d)\n", a.Username, a.ID)
	case "import":
		return importAccounts(ctx, store, hasher, arg, stdout)
	case "passwd":
		a, err := account()
		if err != nil {
			return err
		}
		enc, err := hasher.Hash(ctx, pw)
		if err != nil {
			return err
		}
		if err := store.SetAccountPassword(ctx, a.ID, enc, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; its sessions have ended\n", a.Username)
	case "disable", "enable":
		a, err := account()
		if err != nil {
			return err
		}
		if err := store.SetAccountDisabled(ctx, a.ID, verb == "disable", cliActor); err != nil {
			return err
		}
		if verb == "disable" {
			fmt.Fprintf(stdout, "disabled %s; its sessions have ended\n", a.Username)
		} else {
			fmt.Fprintf(stdout, "enabled %s\n", a.Username)
		}
	case "unlock":
		n, err := store.UnlockAccount(ctx, arg, cliActor)
		if errors.Is(err, db.ErrNotFound) {
			return fmt.Errorf("account unlock: no account and no failed attempts for %q", arg)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "unlocked %s: %d failed attempts forgotten\n", strings.ToLower(strings.TrimSpace(arg)), n)
	}
	return nil
}

// importAccounts is `miniauth account import FILE.csv`: all rows or none, with a report of
// every rejected row (a wrong file is an error, so the exit status is 1).
func importAccounts(ctx context.Context, store *db.Store, hasher *password.Hasher, file string, stdout io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("account import: %w", err)
	}
	defer f.Close()
	rows, err := db.ReadAccountCSV(ctx, f, hasher)
	var n int
	if err == nil {
		n, err = store.ImportAccounts(ctx, rows, cliActor)
	}
	var ie *db.ImportError
	if errors.As(err, &ie) {
		for _, r := range ie.Rejected {
			if r.Line == 0 {
				fmt.Fprintf(stdout, "%s\n", r.Reason)
			} else if r.Username != "" {
				fmt.Fprintf(stdout, "line %d: %s: %s\n", r.Line, r.Username, r.Reason)
			} else {
				fmt.Fprintf(stdout, "line %d: %s\n", r.Line, r.Reason)
			}
		}
		return fmt.Errorf("account import: %d rows rejected, nothing imported", len(ie.Rejected))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d accounts from %s\n", n, file)
	return nil
}

// readAccountPassword reads a password from the first line of r.
func readAccountPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReaderSize(r, password.MaxLen+8).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case line == "":
		return "", errors.New("no password on stdin")
	case len(line) > password.MaxLen:
		return "", fmt.Errorf("password is longer than %d bytes", password.MaxLen)
	}
	return line, nil
}
