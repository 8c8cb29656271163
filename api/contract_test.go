package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The contract check: env.send passes every request a handler test sends, and the answer
// it gets, through checkContract, so the handlers and api/openapi.yaml cannot drift.
//
//   - A request the contract accepts must get an answer the contract documents for its
//     operation: a listed status, and a body matching that status's schema.
//   - A request the contract refuses (a test sending bad input on purpose) must be refused
//     by the server too, with a 4xx, and that answer must match the contract as well.
//   - A path or method the contract does not name must be answered 404 or 405, in the
//     documented error shape.
//
// Paths outside /api and /internal (probes, metrics, avatars) are not part of the contract.
// Every error code seen is recorded for TestEveryErrorCodeIsDocumented.

var contract struct {
	once   sync.Once
	router routers.Router
	paths  map[string]string // lower-cased contract path → as written
	err    error
}

func contractRouter() (routers.Router, error) {
	contract.once.Do(func() {
		doc, err := OpenAPI()
		if err != nil {
			contract.err = err
			return
		}
		contract.paths = map[string]string{}
		for p := range doc.Paths.Map() {
			contract.paths[strings.ToLower(p)] = p
		}
		contract.router, contract.err = gorillamux.NewRouter(doc)
	})
	return contract.router, contract.err
}

// seenCodes records every `error` code a handler test got, with one request that got it.
var seenCodes sync.Map

// inContract tells the paths the contract covers. Routes a test adds to its own app for the
// occasion are named /api/test-… and left out.
func inContract(path string) bool {
	if strings.HasPrefix(path, "/api/test-") {
		return false
	}
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/internal/")
}

// checkContract validates one exchange; body is the request body as sent.
func checkContract(t testing.TB, req *http.Request, body []byte, r result) {
	t.Helper()
	if code, ok := r.body["error"].(string); ok && r.status >= 400 {
		seenCodes.LoadOrStore(code, req.Method+" "+req.URL.Path)
	}
	if !inContract(req.URL.Path) {
		return
	}
	router, err := contractRouter()
	if err != nil {
		t.Errorf("contract: %v", err)
		return
	}
	// The server's routing ignores case and a trailing slash; the contract names each
	// path once.
	v := req.Clone(context.Background())
	v.Body = io.NopCloser(bytes.NewReader(body))
	v.URL.Scheme, v.URL.Host = "", ""
	if p, ok := contract.paths[strings.ToLower(strings.TrimRight(v.URL.Path, "/"))]; ok {
		v.URL.Path, v.URL.RawPath = p, ""
	}
	route, params, err := router.FindRoute(v)
	if err != nil {
		if r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
			t.Errorf("contract: %s %s is not in api/openapi.yaml, yet the server answered %d %s",
				req.Method, req.URL.Path, r.status, r.raw)
		}
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: v, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if reqErr != nil && (r.status < 400 || r.status >= 500) {
		t.Errorf("contract: api/openapi.yaml refuses %s %s (%v), yet the server answered %d %s",
			req.Method, req.URL.Path, reqErr, r.status, r.raw)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.status, Header: r.header,
		Body:    io.NopCloser(strings.NewReader(r.raw)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("contract: the answer to %s %s does not match api/openapi.yaml: %v\nanswer: %d %s",
			req.Method, req.URL.Path, err, r.status, r.raw)
	}
}

// seenCodeList is the recorded codes, sorted.
func seenCodeList() []string {
	var out []string
	seenCodes.Range(func(k, _ any) bool { out = append(out, k.(string)); return true })
	sort.Strings(out)
	return out
}
