package httperr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"miniauth/api"
	"miniauth/db"
	"miniauth/web"
)

// errorApp is a server whose error handling is wired as miniauth's: the API's handler in
// front, the console's behind it. Its routes answer with whatever the test puts in *fail.
func errorApp(fail *error) *fiber.App {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := fiber.New(fiber.Config{ErrorHandler: api.ErrorHandler(log, web.ErrorHandler(log))})
	h := func(*fiber.Ctx) error { return *fail }
	app.Post("/api/probe", h)
	app.Post("/api/user/bind", h)
	app.Get("/admin/probe", h)
	return app
}

// TestErrorTable walks the error table: a store error passed on, wrapped, by a handler (or
// a status Fiber produced) answers the same status and public code to a mini-program (JSON,
// never cached) and to an operator (the console's error page).
func TestErrorTable(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("doing something: %w", err) }
	rows := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"not found", wrap(db.ErrNotFound), 404, "not_found"},
		{"conflict", wrap(db.ErrConflict), 409, "conflict"},
		{"wx user bound", wrap(db.ErrWxUserBound), 409, "conflict"},
		{"account bound", wrap(db.ErrAccountBound), 409, "conflict"},
		{"account disabled", wrap(db.ErrAccountDisabled), 403, "account_disabled"},
		{"user blocked", wrap(db.ErrUserDisabled), 403, "user_blocked"},
		{"ticket invalid", wrap(db.ErrTicketInvalid), 401, "invalid_ticket"},
		{"refresh reused", wrap(db.ErrRefreshReused), 401, "unauthorized"},
		{"invalid username", wrap(db.ErrInvalidUsername), 400, "invalid_request"},
		{"invalid account name", wrap(db.ErrInvalidAccountName), 400, "invalid_request"},
		{"status 404", fiber.ErrNotFound, 404, "not_found"},
		{"status 405", fiber.ErrMethodNotAllowed, 405, "method_not_allowed"},
		{"status 413", fiber.ErrRequestEntityTooLarge, 413, "payload_too_large"},
		{"status 415", fiber.ErrUnsupportedMediaType, 415, "unsupported_media_type"},
		{"status 429", fiber.ErrTooManyRequests, 429, "rate_limited"},
		{"status 503", fiber.ErrServiceUnavailable, 503, "upstream_unavailable"},
		{"unknown", errors.New("boom"), 500, "internal"},
	}
	var fail error
	app := errorApp(&fail)
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			fail = row.err

			resp, err := app.Test(httptest.NewRequest(http.MethodPost, "/api/probe", nil))
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Error, Message string }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("API answer is not JSON: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != row.status || body.Error != row.code || body.Message == "" {
				t.Errorf("API: %d %+v, want %d %q with a message", resp.StatusCode, body, row.status, row.code)
			}
			if cc, p := resp.Header.Get("Cache-Control"), resp.Header.Get("Pragma"); cc != "no-store" || p != "no-cache" {
				t.Errorf("API error may be cached: Cache-Control %q, Pragma %q", cc, p)
			}

			resp, err = app.Test(httptest.NewRequest(http.MethodGet, "/admin/probe", nil))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := goquery.NewDocumentFromReader(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			page := doc.Find(`[data-testid="error-page"]`)
			if page.Length() != 1 {
				t.Fatalf("console: no error page (status %d)", resp.StatusCode)
			}
			if resp.StatusCode != row.status || page.AttrOr("data-status", "") != fmt.Sprint(row.status) ||
				page.AttrOr("data-code", "") != row.code {
				t.Errorf("console: %d page status %s code %q, want %d %q", resp.StatusCode,
					page.AttrOr("data-status", ""), page.AttrOr("data-code", ""), row.status, row.code)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("console error page may be cached: %q", resp.Header.Get("Cache-Control"))
			}
		})
	}
}

// TestErrorTableBindEnvelope: on the checkBind, bind and unbind paths an error keeps the
// code/msg envelope beside the usual fields.
func TestErrorTableBindEnvelope(t *testing.T) {
	fail := fmt.Errorf("bind: %w", db.ErrAccountDisabled)
	app := errorApp(&fail)
	resp, err := app.Test(httptest.NewRequest(http.MethodPost, "/api/user/bind", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 403 || body["code"] != float64(0) || body["msg"] == "" || body["msg"] != body["message"] ||
		body["error"] != "account_disabled" {
		t.Errorf("bind failure: %d %v", resp.StatusCode, body)
	}
}
