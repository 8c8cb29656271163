package api

import (
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestBindEnvelopeOnFrameworkErrors: failures the router or body limit produce on the
// checkBind, bind and unbind paths keep the code/msg envelope too.
func TestBindEnvelopeOnFrameworkErrors(t *testing.T) {
	store := dbtest.Open(t, db.DialectSQLite)
	e := newEnv(t, store)
	cases := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api/user/bind", nil, 405},
		{"GET", "/api/user/unbind", nil, 405},
		{"POST", "/api/user/bind", `{"username":"` + strings.Repeat("a", 20<<10) + `"}`, 413},
		{"POST", "/api/user/bind/", `{`, 400},
		{"POST", "/api/user/unbind", nil, 401},
	}
	for _, tc := range cases {
		r := e.call(tc.method, tc.path, "", tc.body)
		if r.status != tc.status || r.body["code"] != float64(0) || r.str("msg") == "" || r.str("error") == "" || r.str("message") == "" {
			t.Errorf("%s %s: want %d in the code-0 envelope, got %d %s", tc.method, tc.path, tc.status, r.status, r.raw)
		}
	}
	// Other paths keep the plain error shape.
	if r := e.call("GET", "/api/login", "", nil); r.status != 405 || r.body["code"] != nil {
		t.Errorf("plain shape elsewhere: %d %s", r.status, r.raw)
	}
}
