package views

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	for _, pair := range [][2]string{{LangEN, LangZH}, {LangZH, LangEN}} {
		for k := range catalogue[pair[0]] {
			if _, ok := catalogue[pair[1]][k]; !ok {
				t.Errorf("%q is in %s but not in %s", k, pair[0], pair[1])
			}
		}
	}
}

// Every literal key the templates and Go code look up must be in the catalogue; a typo
// would otherwise show the raw key on the page.
func TestEveryUsedKeyIsCatalogued(t *testing.T) {
	files, _ := filepath.Glob("*.templ")
	goFiles, _ := filepath.Glob("*.go")
	files = append(files, goFiles...)
	call := regexp.MustCompile(`\b(?:t\(p, |Tf?\((?:p\.)?[Ll]ang, )"([a-z0-9_.]+)"`)
	stat := regexp.MustCompile(`@stat\(p, "[^"]+", "([a-z0-9_.]+)"`)
	seen := map[string]bool{}
	for _, f := range files {
		if filepath.Ext(f) == ".go" && (len(f) > 8 && f[len(f)-8:] == "_test.go" || len(f) > 9 && f[len(f)-9:] == "_templ.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{call, stat} {
			for _, m := range re.FindAllSubmatch(b, -1) {
				seen[string(m[1])] = true
			}
		}
	}
	if len(seen) < 100 {
		t.Fatalf("found only %d keys: the scan is broken", len(seen))
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k[len(k)-1] == '.' { // a prefix completed at run time ("nav." + item)
			continue
		}
		if _, ok := catalogue[LangEN][k]; !ok {
			t.Errorf("key %q is used but not in the catalogue", k)
		}
	}
	// Keys built at run time.
	for _, n := range []Nav{NavOverview, NavUsers, NavAccounts, NavBindings, NavSessions, NavAudit, NavOperators, NavPlayground} {
		if _, ok := catalogue[LangZH]["nav."+string(n)]; !ok {
			t.Errorf("no label for nav item %s", n)
		}
	}
	for _, r := range []string{RoleAdmin, RoleViewer} {
		if _, ok := catalogue[LangZH]["role."+r]; !ok {
			t.Errorf("no label for role %s", r)
		}
	}
}

func TestTFallbacks(t *testing.T) {
	if got := T(LangZH, "nav.users"); got != "微信用户" {
		t.Errorf("zh nav.users = %q", got)
	}
	if got := T("fr", "nav.users"); got != "Users" {
		t.Errorf("unknown language = %q, want English", got)
	}
	catalogue[LangEN]["test.only_en"] = "only English"
	defer delete(catalogue[LangEN], "test.only_en")
	if got := T(LangZH, "test.only_en"); got != "only English" {
		t.Errorf("key missing in zh = %q, want the English label", got)
	}
	if got := T(LangZH, "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key = %q, want the key", got)
	}
	if got := Tf(LangZH, "chart.days", 30); got != "最近 30 天" {
		t.Errorf("Tf = %q", got)
	}
	if got := actionLabel(LangZH, "session.revoke"); got != "强制下线" {
		t.Errorf("known action = %q", got)
	}
	if got := actionLabel(LangZH, "brand.new"); got != "brand.new" {
		t.Errorf("unknown action = %q, want the code", got)
	}
}

func TestNegotiateLang(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 DefaultLang,
		"zh-CN,zh;q=0.9,en;q=0.8":          LangZH,
		"en-US,en;q=0.9,zh-CN;q=0.8":       LangEN,
		"zh-TW":                            LangZH,
		"ZH-hans-cn":                       LangZH,
		"fr-FR,de;q=0.9":                   DefaultLang,
		"fr-FR,zh;q=0.5,en;q=0.4":          LangZH,
		"en;q=0.2, zh-Hans;q=0.7":          LangZH,
		"zh;q=0, en;q=0.1":                 LangEN,
		"zh;q=bogus, en-GB":                LangEN,
		"*":                                DefaultLang,
		"de-CH, en-US;q=0.5, zh-CN;q=0.51": LangZH,
	} {
		if got := NegotiateLang(in); got != want {
			t.Errorf("NegotiateLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]string{"zh": LangZH, "zh-CN": LangZH, "EN": LangEN, "en-GB": LangEN, "fr": "", "": ""} {
		got, ok := ParseLang(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseLang(%q) = %q, %v", in, got, ok)
		}
	}
}
