package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// sessionsList is GET /admin/sessions: active sessions, filtered by WeChat user, account
// username or IP, in keyset pages.
func (h *Handler) sessionsList(c *fiber.Ctx) error {
	f := views.SessionFilter{User: strings.TrimSpace(c.Query("user")), Account: strings.TrimSpace(c.Query("account")),
		IP: strings.TrimSpace(c.Query("ip"))}
	sf := db.SessionFilter{Username: f.Account, IP: f.IP}
	if f.User != "" {
		id, err := strconv.ParseInt(f.User, 10, 64)
		if err != nil || id <= 0 {
			id = -1 // matches nothing
		}
		sf.WxUserID = id
	}
	k, err := keyset(c)
	if err != nil {
		return err
	}
	rows, more, err := h.store.ListActiveSessions(c.UserContext(), sf, k)
	if err != nil {
		return storeError(err)
	}
	var total func(db.ConsoleTotals) int64 // unfiltered: the overview's count past the cap
	if sf == (db.SessionFilter{}) {
		total = func(t db.ConsoleTotals) int64 { return t.ActiveSessions }
	}
	m, err := h.store.CountActiveSessions(c.UserContext(), sf)
	count, err := h.countOf(c, m, err, total)
	if err != nil {
		return err
	}
	v := views.SessionsView{Filter: f, Count: count}
	for _, s := range rows {
		v.Sessions = append(v.Sessions, sessionRow(s))
	}
	if n := len(rows); n > 0 {
		v.Cursors = cursors(k, rows[0].ID, rows[n-1].ID, n, more)
	}
	return render(c, fiber.StatusOK, views.SessionsPage(h.page(c, views.NavSessions), v))
}
