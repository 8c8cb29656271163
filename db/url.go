package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"syscall"

	"github.com/lib/pq"
)

// URLForms lists the database URLs miniauth accepts, for error messages.
const URLForms = "postgres://USER:PASSWORD@HOST:PORT/DB, postgresql://…, sqlite:PATH, or a plain file path such as ./data/miniauth.db"

// schemeRE matches a URL scheme at the start of a database URL ("mysql:", "postgress:").
// One letter followed by :\ or :/ is a Windows drive, not a scheme.
var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// IsPostgres reports whether a database URL names PostgreSQL.
func IsPostgres(raw string) bool {
	return strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://")
}

// CheckURL reports why raw is not a database URL miniauth can open, or nil. A mistyped
// scheme must not quietly become the name of a new SQLite file.
func CheckURL(raw string) error {
	switch {
	case raw == "":
		return fmt.Errorf("the database URL is empty; use %s", URLForms)
	case IsPostgres(raw):
		if _, err := url.Parse(raw); err != nil {
			return fmt.Errorf("the database URL %s is not a valid PostgreSQL URL; use %s", redactURL(raw), URLForms)
		}
		return nil
	case strings.HasPrefix(raw, "sqlite:"):
		if sqliteFile(raw) == "" {
			return fmt.Errorf("the database URL sqlite: names no file; use %s", URLForms)
		}
		return nil
	}
	if m := schemeRE.FindStringSubmatch(raw); m != nil &&
		!(len(m[1]) == 1 && len(raw) > 2 && (raw[2] == '\\' || raw[2] == '/')) {
		return fmt.Errorf("the database URL starts with %q, which miniauth does not know; use %s", m[1]+":", URLForms)
	}
	if strings.Contains(raw, "://") {
		return fmt.Errorf("the database URL %q is neither a URL miniauth knows nor a file path; use %s", redactURL(raw), URLForms)
	}
	return nil
}

// redactURL hides the password of a URL-shaped string.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			return raw[:j+3] + "…" + raw[i:]
		}
	}
	return raw
}

// postgresProblem turns a failure to reach or log in to PostgreSQL into a sentence for
// the operator: where it tried and what went wrong, without the driver's prefixes, the
// URL's options or its password.
func postgresProblem(u *url.URL, err error) error {
	where := u.Host
	if u.Port() == "" {
		where = net.JoinHostPort(u.Hostname(), "5432")
	}
	var pqe *pq.Error
	var dnse *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return fmt.Errorf("cannot reach PostgreSQL at %s: no answer in time", where)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach PostgreSQL at %s: connection refused (is it running, and on this port?)", where)
	case errors.As(err, &dnse):
		return fmt.Errorf("cannot reach PostgreSQL at %s: the host name %q is unknown", where, dnse.Name)
	case errors.As(err, &pqe):
		db := strings.TrimPrefix(u.Path, "/")
		switch pqe.Code {
		case "28P01", "28000":
			return fmt.Errorf("PostgreSQL at %s refused user %q: %s", where, u.User.Username(), pqe.Message)
		case "3D000":
			return fmt.Errorf("PostgreSQL at %s has no database %q (create it with createdb or CREATE DATABASE)", where, db)
		}
		return fmt.Errorf("PostgreSQL at %s refused the connection: %s", where, pqe.Message)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			return fmt.Errorf("cannot reach PostgreSQL at %s: %s", where, oe.Err.Error())
		}
		return fmt.Errorf("cannot reach PostgreSQL at %s: %s", where, strings.TrimPrefix(ne.Error(), "pq: "))
	}
	msg := strings.TrimPrefix(err.Error(), "pq: ")
	if p, ok := u.User.Password(); ok && p != "" {
		msg = strings.ReplaceAll(msg, p, "…")
	}
	return fmt.Errorf("cannot connect to PostgreSQL at %s: %s", where, msg)
}
