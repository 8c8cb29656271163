package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// playgrounds keeps each operator's playground state on the server: the simulated
// person, the tokens and bind ticket the calls returned (never rendered), and the steps.
type playgrounds struct {
	mu sync.Mutex
	by map[int64]*playground // by operator id
}

type playground struct {
	simUser string
	userID  int64 // the simulated person's WeChat user, once an answer named it
	ticket  string
	steps   []views.PlaygroundStep
}

// record appends a step for simUser, linking the user's pages when this answer or an
// earlier one for the same person named the user.
func (p *playground) record(simUser string, s views.PlaygroundStep, userID int64) {
	if p.simUser != simUser {
		p.userID = 0
	}
	p.simUser = simUser
	if userID != 0 {
		p.userID = userID
	} else if p.userID != 0 {
		s.Links = append(userLinks(p.userID), s.Links...)
	}
	p.steps = append(p.steps, s)
}

func userLinks(id int64) []views.Link {
	return []views.Link{{Label: fmt.Sprintf("user %d", id), Href: views.UserURL(id)},
		{Label: "sessions", Href: views.SessionsOfUserURL(id)}}
}

func newPlaygrounds() *playgrounds { return &playgrounds{by: map[int64]*playground{}} }

// get returns a copy of an operator's playground.
func (ps *playgrounds) get(op int64) playground {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p := ps.by[op]; p != nil {
		cp := *p
		cp.steps = append([]views.PlaygroundStep(nil), p.steps...)
		return cp
	}
	return playground{}
}

// update changes an operator's playground under the lock.
func (ps *playgrounds) update(op int64, fn func(p *playground)) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.by[op]
	if p == nil {
		p = &playground{}
		ps.by[op] = p
	}
	fn(p)
	if len(p.steps) > 20 {
		p.steps = p.steps[len(p.steps)-20:]
	}
}

// secretKeys are the JSON fields the playground never shows.
var secretKeys = map[string]bool{"token": true, "refresh_token": true, "bindTicket": true, "session_key": true}

// redact replaces the values of secret fields, at any depth, by "…".
func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretKeys[k] {
				x[k] = "…"
			} else {
				x[k] = redact(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
	}
	return v
}

// call posts body as JSON to this server's own path over loopback HTTP, as mini-program
// code would, and returns the status and the decoded answer.
func (h *Handler) call(ctx context.Context, path string, body any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.SelfURL+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "miniauth-playground")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, nil
}

// step records one call: its request line, the redacted answer and links to its rows.
// step renders one call and its answer, and returns the WeChat user id the answer named
// (0: none).
func step(name, request string, status int, answer map[string]any) (views.PlaygroundStep, int64) {
	userID := int64(0)
	if u, ok := answer["user"].(map[string]any); ok {
		if id, ok := u["id"].(float64); ok {
			userID = int64(id)
		}
	}
	account := ""
	if ui, ok := answer["userInfo"].(map[string]any); ok {
		account, _ = ui["username"].(string)
	}
	pretty, _ := json.MarshalIndent(redact(answer), "", "  ")
	s := views.PlaygroundStep{Name: name, Request: request, Status: status, Response: string(pretty), At: time.Now()}
	if userID != 0 {
		s.Links = userLinks(userID)
	}
	if account != "" {
		s.Links = append(s.Links, views.Link{Label: "account " + account, Href: views.AccountURL(account)})
	}
	if name == "bind" && status == http.StatusOK {
		s.Links = append(s.Links, views.Link{Label: "bindings", Href: views.PathBindings})
	}
	return s, userID
}

// simCode asks the simulator for a fresh wx.login code of simUser.
func (h *Handler) simCode(ctx context.Context, simUser string) (string, error) {
	status, out, err := h.call(ctx, "/wxsim/sim/login", map[string]any{"user": simUser})
	if err != nil {
		return "", err
	}
	code, _ := out["code"].(string)
	if status != http.StatusOK || code == "" {
		return "", fmt.Errorf("simulator answered %d", status)
	}
	return code, nil
}

// simUserOf reads and checks the simulated person's name. The playground keeps it beyond
// the request, so it is copied out of Fiber's buffer, which the next request reuses.
func simUserOf(c *fiber.Ctx) (string, error) {
	u := strings.Clone(strings.TrimSpace(c.FormValue("sim_user")))
	if u == "" || len(u) > 64 {
		return "", &pageError{status: fiber.StatusUnprocessableEntity}
	}
	return u, nil
}
