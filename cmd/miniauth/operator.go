package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"miniauth/db"
	"miniauth/password"
)

// firstOperator is the operator created when the console has none.
const firstOperator = "admin"

// ensureFirstOperator creates the operator "admin" when there is no operator at all: with
// MINIAUTH_ADMIN_PASSWORD, or with a random password written once to out.
func ensureFirstOperator(ctx context.Context, store *db.Store, pw string, out io.Writer) error {
	has, err := store.HasOperators(ctx)
	if err != nil || has {
		return err
	}
	random := pw == ""
	if random {
		b := make([]byte, 15)
		_, _ = rand.Read(b)
		pw = base64.RawURLEncoding.EncodeToString(b)
	}
	hash, err := password.New(password.OWASP, 1, 1).Hash(ctx, pw)
	if err != nil {
		return fmt.Errorf("first operator: %w", err)
	}
	created, err := store.CreateFirstOperator(ctx, firstOperator, hash, db.SystemActor("serve"))
	if err != nil {
		return err
	}
	if created && random {
		fmt.Fprintf(out, "console: created operator %q with password %s (shown only this once; change it with `miniauth operator passwd %s --password-stdin`)\n",
			firstOperator, pw, firstOperator)
	} else if created {
		fmt.Fprintf(out, "console: created operator %q with the password from MINIAUTH_ADMIN_PASSWORD\n", firstOperator)
	}
	return nil
}

// runOperator is `miniauth operator create|passwd|disable NAME [flags]`.
func runOperator(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	const usage = "usage: miniauth operator create NAME --role admin|viewer --password-stdin | passwd NAME --password-stdin | disable NAME\n" +
		"plus the database flags (miniauth operator VERB --help lists them, e.g. --database-url)"
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New(usage)
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "create", "passwd", "disable":
	default:
		return errors.New(usage)
	}
	// The name may come before or after the flags.
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	var role string
	var fromStdin bool
	extra := func(fs *flag.FlagSet) {
		if sub == "create" {
			fs.StringVar(&role, "role", db.RoleViewer, "admin (may change things) or viewer (reads only)")
		}
		if sub == "create" || sub == "passwd" {
			fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
		}
	}
	cfg, rest, err := parseConfig("operator "+sub, args, getenv, stdout, extra)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if pos = append(pos, rest...); len(pos) != 1 {
		return fmt.Errorf("operator %s: want exactly one name, got %q\n%s", sub, pos, usage)
	}
	name := strings.TrimSpace(pos[0])
	var pw string
	switch sub {
	case "create", "passwd":
		if !fromStdin {
			return errors.New("operator " + sub + ": passwords are read from standard input: pass --password-stdin")
		}
		if pw, err = readPassword(stdin); err != nil {
			return err
		}
	case "disable":
	default:
		return errors.New(usage)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	hasher := password.New(password.OWASP, 1, 1)
	switch sub {
	case "create":
		if !db.ValidRole(role) {
			return fmt.Errorf("operator create: --role must be admin or viewer, got %q", role)
		}
		hash, err := hasher.Hash(ctx, pw)
		if err != nil {
			return err
		}
		if _, err := store.CreateOperator(ctx, name, hash, role, cliActor); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return fmt.Errorf("operator create: %q already exists", name)
			}
			return err
		}
		fmt.Fprintf(stdout, "operator %q created (%s)\n", name, role)
		return nil
	case "passwd":
		o, err := store.OperatorByUsername(ctx, name)
		if err != nil {
			return fmt.Errorf("operator passwd %q: %w", name, err)
		}
		hash, err := hasher.Hash(ctx, pw)
		if err != nil {
			return err
		}
		if err := store.SetOperatorPassword(ctx, o.ID, hash, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "operator %q: password changed, signed out everywhere\n", name)
		return nil
	default: // disable
		o, err := store.OperatorByUsername(ctx, name)
		if err != nil {
			return fmt.Errorf("operator disable %q: %w", name, err)
		}
		if err := store.SetOperatorDisabled(ctx, o.ID, true, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "operator %q disabled and signed out everywhere\n", name)
		return nil
	}
}

// readPassword reads the first line of r as an operator's password (password.CheckNew).
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := password.CheckNew(pw); err != nil {
		return "", err
	}
	return pw, nil
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}
