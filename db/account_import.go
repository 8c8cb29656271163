package db

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"miniauth/password"
)

// AccountImport is one account of an import, ready to store.
type AccountImport struct {
	Line         int // line of the CSV file, for the report
	Username     string
	Name         string
	PasswordHash string // argon2id PHC string, or a bcrypt hash kept as imported
}

// ImportRejection is a row an import refused, and why.
type ImportRejection struct {
	Line     int
	Username string
	Reason   string
}

// ImportError is an import refused as a whole because some rows are wrong; nothing was
// written. Rejected lists every wrong row found.
type ImportError struct {
	Rejected []ImportRejection
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("db: import refused: %d rejected rows, nothing imported", len(e.Rejected))
}

// isHash tells whether a CSV password cell is an existing hash rather than a password.
func isHash(p string) bool {
	for _, pre := range []string{"$2a$", "$2b$", "$2y$", "$argon2id$"} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

// ReadAccountCSV reads an account import: UTF-8 CSV with the columns username, name and
// password, an optional header row with exactly those names, and in the password column
// either a plaintext password (hashed here with h) or an existing bcrypt hash ($2a$, $2b$,
// $2y$; kept as is and replaced by argon2id at the first successful password check) or
// argon2id PHC string. Every row is checked before anything is hashed; if any row is
// wrong, the answer is an *ImportError listing each with its line and reason (duplicates
// within the file included). Duplicates against the database are ImportAccounts' job.
func ReadAccountCSV(ctx context.Context, r io.Reader, h *password.Hasher) ([]AccountImport, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	var rows []AccountImport
	var plain []string
	var rejected []ImportRejection
	seen := map[string]int{}
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rejected = append(rejected, ImportRejection{Line: pe.Line, Reason: "malformed CSV: " + pe.Err.Error()})
				if pe.Err == csv.ErrFieldCount {
					continue
				}
				break // the reader cannot resync after a quoting error
			}
			return nil, fmt.Errorf("db: read import: %w", err)
		}
		if first {
			first = false
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a spreadsheet's byte order mark
			if len(rec) == 3 && strings.EqualFold(strings.TrimSpace(rec[0]), "username") &&
				strings.EqualFold(strings.TrimSpace(rec[1]), "name") && strings.EqualFold(strings.TrimSpace(rec[2]), "password") {
				continue
			}
		}
		reject := func(user, reason string) {
			rejected = append(rejected, ImportRejection{Line: line, Username: user, Reason: reason})
		}
		if len(rec) != 3 {
			reject("", fmt.Sprintf("expected 3 columns (username,name,password), found %d", len(rec)))
			continue
		}
		user, err := NormalizeUsername(rec[0])
		if err != nil {
			reject(strings.TrimSpace(rec[0]), "username must be 1 to 64 characters without control characters")
			continue
		}
		if prev, dup := seen[user]; dup {
			reject(user, fmt.Sprintf("username repeats line %d", prev))
			continue
		}
		seen[user] = line
		name := strings.TrimSpace(rec[1])
		if validAccountName(name) != nil {
			reject(user, fmt.Sprintf("name is longer than %d characters, not UTF-8 or holds control characters", MaxAccountNameLen))
			continue
		}
		pw := rec[2]
		switch {
		case pw == "":
			reject(user, "password is empty")
			continue
		case isHash(pw) && !password.Valid(pw):
			reject(user, "password looks like a hash but is not a valid bcrypt or argon2id hash")
			continue
		case len(pw) > password.MaxLen:
			reject(user, fmt.Sprintf("password is longer than %d bytes", password.MaxLen))
			continue
		case !utf8.ValidString(pw):
			reject(user, "password is not valid UTF-8")
			continue
		}
		row := AccountImport{Line: line, Username: user, Name: name}
		if isHash(pw) {
			row.PasswordHash = pw
			pw = ""
		}
		rows = append(rows, row)
		plain = append(plain, pw)
	}
	if len(rejected) > 0 {
		return nil, &ImportError{Rejected: rejected}
	}
	if len(rows) == 0 {
		return nil, &ImportError{Rejected: []ImportRejection{{Line: 1, Reason: "no accounts in the file"}}}
	}
	// Hash the plaintext passwords in parallel; the hasher caps how many run at once.
	errs := make(chan error, len(rows))
	sem := make(chan struct{}, 8)
	for i := range rows {
		if rows[i].PasswordHash != "" {
			continue
		}
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			var err error
			rows[i].PasswordHash, err = h.Hash(ctx, plain[i])
			errs <- err
		}()
	}
	for range cap(sem) {
		sem <- struct{}{}
	}
	close(errs)
	for err := range errs {
		if err != nil {
			return nil, fmt.Errorf("db: import: hash password: %w", err)
		}
	}
	return rows, nil
}

// ImportAccounts stores accounts read by ReadAccountCSV in one transaction: all or none.
// Usernames that already exist are rejected with an *ImportError naming their lines, and
// nothing is written. One "account.import" audit event records the count.
func (s *Store) ImportAccounts(ctx context.Context, rows []AccountImport, actor AuditActor) (int, error) {
	now := s.now()
	var rejected []ImportRejection
	err := s.tx(ctx, "import accounts", func(tx *sqlx.Tx) error {
		for i := range rows {
			r := &rows[i]
			u, err := NormalizeUsername(r.Username)
			if err != nil {
				rejected = append(rejected, ImportRejection{Line: r.Line, Username: r.Username, Reason: err.Error()})
				continue
			}
			var exists int
			err = s.row(ctx, tx, `SELECT 1 FROM accounts WHERE username = ?`, u).Scan(&exists)
			switch mapErr(err) {
			case nil:
				rejected = append(rejected, ImportRejection{Line: r.Line, Username: u, Reason: "username already exists"})
				continue
			case ErrNotFound:
			default:
				return err
			}
			if len(rejected) > 0 {
				continue // still looking for more to report; nothing will be written
			}
			if _, err := s.insertAccount(ctx, tx, u, r.Name, r.PasswordHash, now); err != nil {
				if errors.Is(mapErr(err), ErrConflict) {
					rejected = append(rejected, ImportRejection{Line: r.Line, Username: u, Reason: "username already exists"})
					return &ImportError{Rejected: rejected}
				}
				return err
			}
		}
		if len(rejected) > 0 {
			return &ImportError{Rejected: rejected}
		}
		return s.addAudit(ctx, tx, actor.event(now, "account.import", "accounts", fmt.Sprintf("accounts created: %d", len(rows))))
	})
	var ie *ImportError
	if errors.As(err, &ie) {
		return 0, ie
	}
	if err != nil {
		return 0, err
	}
	return len(rows), nil
}
