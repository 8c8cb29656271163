package api

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"miniauth/httperr"
)

// documentedCodes reads the error-code table of docs/api.md: code → status.
func documentedCodes(t testing.TB) map[string]string {
	t.Helper()
	out, err := readDocumentedCodes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readDocumentedCodes() (map[string]string, error) {
	b, err := os.ReadFile("../docs/api.md")
	if err != nil {
		return nil, err
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (\\d{3}) \\|")
	out := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = m[2]
	}
	if len(out) < 10 {
		return nil, fmt.Errorf("docs/api.md: found only %d error codes in the table", len(out))
	}
	return out, nil
}

// codeLiterals are the shapes in which handlers and httperr write a public code.
var codeLiterals = []*regexp.Regexp{
	regexp.MustCompile(`Code:\s*"([a-z_]+)"`),
	regexp.MustCompile(`(?:newError|New)\([^,()]+,\s*"([a-z_]+)"`),
	regexp.MustCompile(`e\.Code, e\.Message = [^,]+, "([a-z_]+)"`),
	regexp.MustCompile(`"error":\s*"([a-z_]+)"`),
	regexp.MustCompile(`\{db\.Err[A-Za-z]+, http\.[A-Za-z]+, "([a-z_]+)"`),
	regexp.MustCompile(`http\.Status[A-Za-z]+:\s*"([a-z_]+)"`),
}

// sourceCodes finds every code literal in the non-test Go files of api and httperr, with
// where it was found.
func sourceCodes(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range []string{".", "../httperr"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range codeLiterals {
				for _, m := range re.FindAllStringSubmatch(string(b), -1) {
					out[m[1]] = f
				}
			}
		}
	}
	return out
}

// TestEveryErrorCodeIsDocumented: every code the server can answer — httperr's tables,
// every code literal in the handlers, the contract's ErrorCode enum — has its row in
// docs/api.md with the status it is answered with, and the table names no code the server
// cannot answer. (TestMain adds every code a handler test actually got.)
func TestEveryErrorCodeIsDocumented(t *testing.T) {
	docs := documentedCodes(t)
	can := map[string]string{}
	for _, c := range httperr.Codes() {
		can[c] = "httperr's table"
	}
	for c, where := range sourceCodes(t) {
		can[c] = where
	}
	doc, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range doc.Components.Schemas["ErrorCode"].Value.Enum {
		can[v.(string)] = "api/openapi.yaml's ErrorCode"
	}
	for c, where := range can {
		if _, ok := docs[c]; !ok {
			t.Errorf("error code %q (%s) is missing from docs/api.md's table", c, where)
		}
	}
	for c := range docs {
		if _, ok := can[c]; !ok {
			t.Errorf("docs/api.md lists %q, which the server never answers", c)
		}
	}
	// The statuses agree with httperr's table of bare statuses.
	for _, status := range []int{400, 401, 403, 404, 405, 409, 413, 415, 429} {
		c := httperr.CodeFor(status)
		if docs[c] != fmt.Sprint(status) {
			t.Errorf("docs/api.md gives %q status %s; httperr answers it with %d", c, docs[c], status)
		}
	}
}

// checkSeenCodes is run by TestMain after the tests: every code a handler test got is in
// docs/api.md.
func checkSeenCodes() error {
	docs, err := readDocumentedCodes()
	if err != nil {
		return err
	}
	var missing []string
	seenCodes.Range(func(k, v any) bool {
		if _, ok := docs[k.(string)]; !ok {
			missing = append(missing, fmt.Sprintf("%s (answered to %s)", k, v))
		}
		return true
	})
	sort.Strings(missing)
	if len(missing) > 0 {
		return fmt.Errorf("error codes answered in the tests but missing from docs/api.md: %s", strings.Join(missing, ", "))
	}
	return nil
}
