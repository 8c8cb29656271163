package db

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"miniauth/password"
)

// Bounds on an account import: a file beyond them is refused before any row is stored or
// any password hashed.
const (
	MaxImportBytes = 10 << 20 // 10 MB
	MaxImportRows  = 100_000  // accounts (data rows, the header not counted)
)

// AccountImport is one account of an import, ready to store.
type AccountImport struct {
	Line         int // line of the CSV file, for the report
	Username     string
	Name         string
	PasswordHash string // argon2id PHC string, or a bcrypt hash kept as imported
}

// ImportRejection is a row an import refused, and why. Line 0 is the file as a whole.
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

// The columns of an import file, as a header row names them.
const (
	colUsername = "username"
	colName     = "name"
	colPassword = "password"
	colHash     = "password_hash"
)

// importLayout is where each column of an import file is, from its header row or, without
// one, positionally: username, name, password.
type importLayout struct {
	username, name, password int // name -1: no name column
	width                    int
	hashOnly                 bool   // the password column is password_hash: hashes only
	columns                  string // for messages, e.g. "username,name,password"
}

var positional = importLayout{username: 0, name: 1, password: 2, width: 3, columns: "username,name,password"}

// headerLayout reads a first row as a header when a cell is "username" or two cells name
// known columns (case and surrounding spaces ignored), so "user,name,password" is a
// header with a wrong column, while "alice,Alice,password" is data. ok false means the row
// is data. Any other cell of a header is an error, so a file is never half-understood.
func headerLayout(rec []string) (l importLayout, ok bool, problems []string) {
	names := make([]string, len(rec))
	known := 0
	for i, c := range rec {
		names[i] = strings.ToLower(strings.TrimSpace(c))
		switch names[i] {
		case colUsername:
			known += 2
		case colName, colPassword, colHash:
			known++
		}
	}
	if ok = known >= 2; !ok {
		return importLayout{}, false, nil
	}
	l = importLayout{username: -1, name: -1, password: -1, width: len(rec), columns: strings.Join(names, ",")}
	seen := map[string]bool{}
	for i, n := range names {
		if seen[n] {
			problems = append(problems, fmt.Sprintf("column %q appears twice in the header", n))
			continue
		}
		seen[n] = true
		switch n {
		case colUsername:
			l.username = i
		case colName:
			l.name = i
		case colPassword, colHash:
			if l.password >= 0 {
				problems = append(problems, "the header has both a password and a password_hash column")
				continue
			}
			l.password, l.hashOnly = i, n == colHash
		default:
			problems = append(problems, fmt.Sprintf("unknown column %q in the header (known: username, name, password or password_hash)", shown(rec[i])))
		}
	}
	if l.username < 0 {
		problems = append(problems, "the header has no username column")
	}
	if l.password < 0 {
		problems = append(problems, "the header has no password (or password_hash) column")
	}
	return l, true, problems
}

// shown is a cell as a report may echo it: valid UTF-8, no control characters, at most
// 64 characters.
func shown(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == 64 {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// errImportTooBig stops the CSV reader when a file passes MaxImportBytes.
var errImportTooBig = errors.New("import file too big")

// boundedReader reads at most n bytes, then fails with errImportTooBig.
type boundedReader struct {
	r io.Reader
	n int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.n < 0 {
		return 0, errImportTooBig
	}
	if int64(len(p)) > b.n+1 {
		p = p[:b.n+1]
	}
	k, err := b.r.Read(p)
	b.n -= int64(k)
	if b.n < 0 {
		return 0, errImportTooBig
	}
	return k, err
}

// blank tells whether every cell of rec is empty or spaces (a spreadsheet's empty row).
func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ReadAccountCSV reads an account import: UTF-8 CSV (a byte order mark and CRLF line ends
// are fine) of at most MaxImportBytes and MaxImportRows accounts. A first row naming
// columns (see headerLayout) is a header: username, name, password or password_hash, in
// any order, any case;
// name may be left out; any other column is an error. Without a header the columns are
// username, name, password. The password column holds a plaintext password (hashed here
// with h) or an existing bcrypt ($2a$, $2b$, $2y$) or argon2id hash, kept as is and
// replaced by argon2id at the first successful password check; a password_hash column
// holds hashes only. A hash beyond password's cost limits, or malformed, is refused.
// An argon2id hash in the last column may be left unquoted. Rows whose cells are all
// empty are skipped. Every row is checked before anything is hashed; if any is wrong, the
// answer is an *ImportError listing each with its line and reason (duplicates within the
// file included). Duplicates against the database are ImportAccounts' job.
func ReadAccountCSV(ctx context.Context, r io.Reader, h *password.Hasher) ([]AccountImport, error) {
	br := bufio.NewReader(&boundedReader{r: r, n: MaxImportBytes})
	if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	var rows []AccountImport
	var plain []string
	var rejected []ImportRejection
	seen := map[string]int{}
	layout, first, lastLine := positional, true, 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errImportTooBig) {
			return nil, &ImportError{Rejected: []ImportRejection{{Reason: fmt.Sprintf("the file is larger than %d MB; split it", MaxImportBytes>>20)}}}
		}
		line := lastLine + 1
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			line = pe.StartLine
		case err != nil:
			return nil, fmt.Errorf("db: read import: %w", err)
		case len(rec) > 0:
			line, _ = cr.FieldPos(0)
		}
		lastLine = line
		reject := func(user, reason string) {
			rejected = append(rejected, ImportRejection{Line: line, Username: user, Reason: reason})
		}
		if pe != nil {
			reject("", fmt.Sprintf("malformed CSV at line %d, column %d: %v", pe.Line, pe.Column, pe.Err))
			continue // the reader goes on at the next line
		}
		if first {
			first = false
			if l, ok, problems := headerLayout(rec); ok {
				for _, p := range problems {
					reject("", p)
				}
				if len(problems) > 0 {
					return nil, &ImportError{Rejected: rejected}
				}
				layout = l
				continue
			}
		}
		if blank(rec) {
			continue
		}
		if len(rows)+len(rejected) >= MaxImportRows {
			reject("", fmt.Sprintf("more than %d accounts in one file; split it", MaxImportRows))
			return nil, &ImportError{Rejected: rejected}
		}
		if len(rec) > layout.width && layout.password == layout.width-1 && strings.HasPrefix(strings.TrimSpace(rec[layout.password]), "$argon2id$") {
			// An unquoted argon2id PHC string in the last column: its commas split it.
			rec = append(rec[:layout.password], strings.Join(rec[layout.password:], ","))
		}
		switch {
		case len(rec) < layout.width:
			reject(shown(strings.TrimSpace(rec[0])), fmt.Sprintf("missing column: expected %d columns (%s), found %d", layout.width, layout.columns, len(rec)))
			continue
		case len(rec) > layout.width:
			reject(shown(strings.TrimSpace(rec[0])), fmt.Sprintf("too many columns: expected %d columns (%s), found %d", layout.width, layout.columns, len(rec)))
			continue
		}
		user, err := NormalizeUsername(rec[layout.username])
		if err != nil {
			reject(shown(strings.TrimSpace(rec[layout.username])), fmt.Sprintf("username must be 1 to %d characters, UTF-8, without control characters", MaxUsernameLen))
			continue
		}
		if prev, dup := seen[user]; dup {
			reject(user, fmt.Sprintf("username repeats line %d", prev))
			continue
		}
		seen[user] = line
		var name string
		if layout.name >= 0 {
			name = strings.TrimSpace(rec[layout.name])
		}
		if validAccountName(name) != nil {
			reject(user, fmt.Sprintf("name is longer than %d characters, not UTF-8 or holds control characters", MaxAccountNameLen))
			continue
		}
		pw := rec[layout.password]
		if password.IsHash(strings.TrimSpace(pw)) {
			pw = strings.TrimSpace(pw)
		}
		switch {
		case pw == "":
			reject(user, "password is empty")
			continue
		case password.IsHash(pw):
			if err := password.Check(pw); err != nil {
				reject(user, "password hash refused: "+strings.TrimPrefix(err.Error(), "password: "))
				continue
			}
		case layout.hashOnly:
			reject(user, "password_hash is not a bcrypt ($2a$, $2b$, $2y$) or argon2id ($argon2id$) hash")
			continue
		case len(pw) > password.MaxLen:
			reject(user, fmt.Sprintf("password is longer than %d bytes", password.MaxLen))
			continue
		case !utf8.ValidString(pw):
			reject(user, "password is not valid UTF-8")
			continue
		}
		row := AccountImport{Line: line, Username: user, Name: name}
		if password.IsHash(pw) {
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
// Usernames that already exist, and hashes password.Check refuses (malformed, or beyond
// the cost limits), are rejected with an *ImportError naming their lines, and nothing is
// written. One "account.import" audit event records the count.
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
			if err := password.Check(r.PasswordHash); err != nil {
				rejected = append(rejected, ImportRejection{Line: r.Line, Username: u, Reason: "password hash refused: " + strings.TrimPrefix(err.Error(), "password: ")})
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
