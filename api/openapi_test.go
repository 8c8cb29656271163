package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestOpenAPIServedAndComplete: /api/openapi.json serves the embedded 3.1 document, and it
// names every /api route and /internal/introspect the handler registers, each method.
func TestOpenAPIServedAndComplete(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		r := e.send(httptest.NewRequest("GET", "/api/openapi.json", nil))
		if r.status != 200 || r.str("openapi") != "3.1.0" || r.obj("paths")["/api/login"] == nil {
			t.Fatalf("openapi.json: %d %.200s", r.status, r.raw)
		}
		doc, err := OpenAPI()
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range e.app.GetRoutes(true) {
			if !inContract(rt.Path) || rt.Method == "HEAD" {
				continue
			}
			item := doc.Paths.Value(rt.Path)
			if item == nil || item.GetOperation(rt.Method) == nil {
				t.Errorf("%s %s is served but not in api/openapi.yaml", rt.Method, rt.Path)
			}
		}
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				found := false
				for _, rt := range e.app.GetRoutes(true) {
					found = found || (rt.Path == path && strings.EqualFold(rt.Method, method))
				}
				if !found {
					t.Errorf("api/openapi.yaml names %s %s, which is not served", method, path)
				}
			}
		}
	})
}
