package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"miniauth/db/dbtest"
)

// hasOperators opens the SQLite database at path and tells whether it has an operator.
func hasOperators(t *testing.T, path string) bool {
	t.Helper()
	s := dbtest.OpenURL(t, path)
	has, err := s.HasOperators(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return has
}

// TestTakenPortCreatesNoOperator: a start that cannot bind its ports names the flags that
// choose others and creates no operator, so the first password is not printed and lost;
// the next start on free ports prints it once, on stdout, and the logs go to stderr.
func TestTakenPortCreatesNoOperator(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dbPath := filepath.Join(t.TempDir(), "miniauth.db")
	for _, tc := range []struct {
		name, addr, internal string
		want                 []string
	}{
		{"public port taken", taken.Addr().String(), freeAddr(t), []string{"--addr", "MINIAUTH_ADDR"}},
		{"internal port taken", freeAddr(t), taken.Addr().String(), []string{"--internal-addr", "MINIAUTH_INTERNAL_ADDR"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"MINIAUTH_DATABASE_URL": dbPath, "MINIAUTH_ADDR": tc.addr, "MINIAUTH_INTERNAL_ADDR": tc.internal}
			var out, logs syncBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := run(ctx, nil, func(k string) string { return env[k] }, strings.NewReader(""), &out, &logs)
			if err == nil {
				t.Fatal("serve started on a taken port")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not name %s: %v", w, err)
				}
			}
			if strings.Contains(out.String(), "created operator") {
				t.Errorf("a failed start printed a password: %s", out.String())
			}
		})
	}
	if hasOperators(t, dbPath) {
		t.Fatal("a start that never listened created an operator whose password is lost")
	}

	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dbPath})
	stdout, stderr := in.out.String(), in.logs.String()
	pw := regexp.MustCompile(`created operator "admin" with password (\S+)`).FindStringSubmatch(stdout)
	if pw == nil || strings.Count(stdout, "created operator") != 1 {
		t.Fatalf("the first start must print the password once on stdout:\n%s", stdout)
	}
	if strings.Contains(stderr, pw[1]) || strings.Contains(stderr, "created operator") {
		t.Fatal("the password reached the logs")
	}
	if !strings.Contains(stderr, `"msg":"SIMULATOR MODE`) || strings.Contains(stdout, `"level"`) {
		t.Fatalf("logs belong on stderr, not stdout:\nstdout: %s\nstderr: %s", stdout, stderr)
	}
}

// TestStartRefusesBadSettings: an unknown database URL and a weak MINIAUTH_ADMIN_PASSWORD
// stop the start with a message that names the rule, before anything is created.
func TestStartRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"misspelt postgres", nil, map[string]string{"MINIAUTH_DATABASE_URL": "postgress://u:pw@127.0.0.1/x"},
			[]string{`"postgress:"`, "postgres://", "postgresql://", "sqlite:PATH", "plain file path"}},
		{"mysql", []string{"migrate"}, map[string]string{"MINIAUTH_DATABASE_URL": "mysql://root@localhost/miniauth"},
			[]string{`"mysql:"`, "postgres://", "sqlite:PATH"}},
		{"bare scheme", []string{"account", "unlock", "x"}, map[string]string{"MINIAUTH_DATABASE_URL": "foo:bar"},
			[]string{`"foo:"`, "postgres://", "sqlite:PATH"}},
		{"flag", []string{"--database-url", "sqlserver://x"}, nil, []string{`"sqlserver:"`, "sqlite:PATH"}},
		{"short admin password", nil, map[string]string{"MINIAUTH_ADMIN_PASSWORD": "short"},
			[]string{"MINIAUTH_ADMIN_PASSWORD", "at least 8 characters"}},
		{"long admin password", nil, map[string]string{"MINIAUTH_ADMIN_PASSWORD": strings.Repeat("x", 1025)},
			[]string{"MINIAUTH_ADMIN_PASSWORD", "at most 1024 bytes"}},
		{"drain not a duration", nil, map[string]string{"MINIAUTH_SHUTDOWN_DRAIN": "soon"},
			[]string{"MINIAUTH_SHUTDOWN_DRAIN", "from 0 to 5m"}},
		{"drain negative", nil, map[string]string{"MINIAUTH_SHUTDOWN_DRAIN": "-1s"},
			[]string{"MINIAUTH_SHUTDOWN_DRAIN"}},
		{"access log not 0 or 1", []string{"--access-log", "maybe"}, nil,
			[]string{"MINIAUTH_ACCESS_LOG", "0 or 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"MINIAUTH_DATABASE_URL": filepath.Join(dir, "miniauth.db"),
				"MINIAUTH_ADDR": freeAddr(t), "MINIAUTH_INTERNAL_ADDR": "off"}
			for k, v := range tc.env {
				env[k] = v
			}
			wd, _ := os.Getwd()
			if err := os.Chdir(dir); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := run(ctx, tc.args, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil {
				t.Fatal("the start succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %s: %v", w, err)
				}
			}
			if strings.Contains(err.Error(), ":pw@") {
				t.Errorf("the error shows the URL's password: %v", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("a refused start created %v", entries)
			}
		})
	}
}

// TestStartPostgresUnreachable: an unreachable PostgreSQL is one English sentence with the
// address, never the URL's password or the driver's options.
func TestStartPostgresUnreachable(t *testing.T) {
	env := map[string]string{"MINIAUTH_DATABASE_URL": "postgres://miniauth:Pa55-w0rd@127.0.0.1:1/miniauth?sslmode=disable"}
	err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach PostgreSQL at 127.0.0.1:1: connection refused") {
		t.Fatalf("start-up on an unreachable PostgreSQL: %v", err)
	}
	for _, bad := range []string{"Pa55-w0rd", "pq:", "dial tcp", "binary_parameters", "sslmode"} {
		if strings.Contains(err.Error(), bad) {
			t.Errorf("the message contains %q: %v", bad, err)
		}
	}
}

// TestSubcommandHelp: every command's --help exits 0 and shows its own flags, not serve's.
func TestSubcommandHelp(t *testing.T) {
	for _, tc := range []struct {
		args      string
		want, not []string
	}{
		{"--help", []string{"  -wxsim-public", "  -addr", "  -internal-addr", "backup NEW-FILE"}, nil},
		{"serve --help", []string{"  -wxsim-public", "  -database-url"}, nil},
		{"help", []string{"  -wxsim-public"}, nil},
		{"migrate --help", []string{"  -database-url", "  -secret-keys"}, []string{"  -wxsim-public", "  -addr", "  -audit-retention"}},
		{"cleanup --help", []string{"  -audit-retention", "  -database-url"}, []string{"  -wxsim-public", "  -addr"}},
		{"wxsim --help", []string{"  -addr", "  -wxsim-public"}, []string{"  -database-url", "  -internal-addr"}},
		{"backup --help", []string{"backup NEW-FILE", "  -database-url"}, []string{"  -wxsim-public", "  -addr"}},
		{"account --help", []string{"account create USERNAME"}, []string{"  -wxsim-public"}},
		{"account create --help", []string{"  -name", "  -password-stdin", "  -database-url"}, []string{"  -wxsim-public", "  -addr"}},
		{"account import --help", []string{"  -database-url"}, []string{"  -password-stdin", "  -wxsim-public"}},
		{"account passwd --help", []string{"  -password-stdin"}, []string{"  -name", "  -wxsim-public"}},
		{"account disable --help", []string{"  -database-url"}, []string{"  -password-stdin", "  -wxsim-public"}},
		{"account enable --help", []string{"  -database-url"}, []string{"  -password-stdin", "  -wxsim-public"}},
		{"account unlock --help", []string{"  -database-url"}, []string{"  -password-stdin", "  -wxsim-public"}},
		{"operator --help", []string{"operator create NAME"}, []string{"  -wxsim-public"}},
		{"operator create --help", []string{"  -role", "  -password-stdin"}, []string{"  -wxsim-public", "  -addr"}},
		{"operator passwd --help", []string{"  -password-stdin"}, []string{"  -role", "  -wxsim-public"}},
		{"operator disable --help", []string{"  -database-url"}, []string{"  -password-stdin", "  -wxsim-public"}},
		{"sample --help", []string{"  -users", "  -sessions"}, []string{"  -wxsim-public", "  -addr"}},
		{"bench --help", []string{"  -concurrency", "  -scenario"}, []string{"  -wxsim-public"}},
		{"bench --console --help", []string{"  -requests", "  -users"}, []string{"  -wxsim-public", "  -concurrency"}},
		{"version --help", []string{"miniauth version"}, []string{"  -wxsim-public", "  -database-url"}},
	} {
		t.Run(tc.args, func(t *testing.T) {
			var out, errs bytes.Buffer
			// The working directory must not matter: nothing is opened or created.
			if err := run(context.Background(), strings.Fields(tc.args), func(string) string { return "" }, strings.NewReader(""), &out, &errs); err != nil {
				t.Fatalf("exit with %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("help does not show %q:\n%s", w, out.String())
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out.String(), n) {
					t.Errorf("help shows %q, which is not this command's:\n%s", n, out.String())
				}
			}
		})
	}
}

// TestVersion: `miniauth version` prints the version, the revision and the Go version, and
// the internal listener exports them as miniauth_build_info.
func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^miniauth \S+ revision \S+ .*go`).MatchString(out.String()) || !strings.Contains(out.String(), runtime.Version()) {
		t.Fatalf("version: %q", out.String())
	}

	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": filepath.Join(t.TempDir(), "m.db")})
	resp, err := http.Get(in.internal + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := regexp.MustCompile(`(?m)^miniauth_build_info\{goversion="` + regexp.QuoteMeta(runtime.Version()) + `",revision="[^"]*",version="[^"]+"\} 1$`)
	if !want.Match(b) {
		t.Fatalf("no miniauth_build_info in /metrics:\n%s", b)
	}
}

// TestBackupWhileServing backs up a served SQLite database, starts a second instance on the
// copy with the key file beside it, and finds the users and a live session there.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "live", "miniauth.db")
	a := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": src})
	var toks []string
	for _, u := range []string{"ann", "bob", "cy"} {
		tok := a.login(t, u).body["token"].(string)
		if r := a.do(t, "POST", "/api/user/profile", tok, map[string]any{"nickName": "nick-" + u}); r.status != 200 {
			t.Fatalf("profile: %s", r.raw)
		}
		toks = append(toks, tok)
	}

	dst := filepath.Join(dir, "copy", "miniauth.db")
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MINIAUTH_DATABASE_URL": src}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", dst}, func(k string) string { return env[k] }, nil, &out, io.Discard); err != nil {
		t.Fatalf("backup while serving: %v", err)
	}
	if !strings.Contains(out.String(), ".keys") {
		t.Errorf("backup must remind of the key file: %s", out.String())
	}
	if err := run(context.Background(), []string{"backup", dst}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a backup over an existing file: %v", err)
	}
	// The live instance kept serving.
	if r := a.do(t, "GET", "/api/user/info", toks[0], nil); r.status != 200 {
		t.Fatalf("the live instance after the backup: %s", r.raw)
	}

	keys, err := os.ReadFile(src + ".keys")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst+".keys", keys, 0o600); err != nil {
		t.Fatal(err)
	}
	b := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dst})
	for i, u := range []string{"ann", "bob", "cy"} {
		r := b.do(t, "GET", "/api/user/info", toks[i], nil)
		if r.status != 200 || r.body["user"].(map[string]any)["nickName"] != "nick-"+u {
			t.Fatalf("the copy does not know %s's session: %d %s", u, r.status, r.raw)
		}
	}
	if strings.Contains(b.out.String(), "created operator") {
		t.Fatal("the copy lacks the operator of the original")
	}

	pg := map[string]string{"MINIAUTH_DATABASE_URL": "postgres://u@127.0.0.1:1/x"}
	err = run(context.Background(), []string{"backup", filepath.Join(dir, "pg.db")}, func(k string) string { return pg[k] }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %v", err)
	}
}
