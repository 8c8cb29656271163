package web

import (
	"regexp"

	"miniauth/views"
)

// importReasonForms translates the store's reasons for refusing a row of an account
// import (db.ReadAccountCSV, db.ImportAccounts) into the operator's language; the groups
// fill the label's %s in order. A reason of no known form is shown as stored.
var importReasonForms = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^the file is larger than (\d+) MB; split it$`), "import.too_large"},
	{regexp.MustCompile(`^malformed CSV at line (\d+), column (\d+): (.*)$`), "import.malformed"},
	{regexp.MustCompile(`^more than (\d+) accounts in one file; split it$`), "import.too_many"},
	{regexp.MustCompile(`^missing column: expected (\d+) columns \((.*)\), found (\d+)$`), "import.missing_column"},
	{regexp.MustCompile(`^too many columns: expected (\d+) columns \((.*)\), found (\d+)$`), "import.extra_column"},
	{regexp.MustCompile(`^username must be 1 to (\d+) characters, UTF-8, without control characters$`), "import.bad_username"},
	{regexp.MustCompile(`^username repeats line (\d+)$`), "import.repeated"},
	{regexp.MustCompile(`^name is longer than (\d+) characters, not UTF-8 or holds control characters$`), "import.bad_name"},
	{regexp.MustCompile(`^password is empty$`), "import.empty_password"},
	{regexp.MustCompile(`^password hash refused: (.*)$`), "import.hash_refused"},
	{regexp.MustCompile(`^password_hash is not a bcrypt .* or argon2id .* hash$`), "import.hash_kind"},
	{regexp.MustCompile(`^password is longer than (\d+) bytes$`), "import.password_long"},
	{regexp.MustCompile(`^password is not valid UTF-8$`), "import.password_utf8"},
	{regexp.MustCompile(`^no accounts in the file$`), "import.empty"},
	{regexp.MustCompile(`^username already exists$`), "import.exists"},
	{regexp.MustCompile(`^column "(.*)" appears twice in the header$`), "import.column_twice"},
	{regexp.MustCompile(`^the header has both a password and a password_hash column$`), "import.both_passwords"},
	{regexp.MustCompile(`^unknown column "(.*)" in the header .*$`), "import.unknown_column"},
}

// importReason is a stored import refusal reason in lang.
func importReason(lang, reason string) string {
	for _, f := range importReasonForms {
		if m := f.re.FindStringSubmatch(reason); m != nil {
			args := make([]any, 0, len(m)-1)
			for _, g := range m[1:] {
				args = append(args, g)
			}
			return views.Tf(lang, f.key, args...)
		}
	}
	return reason
}
