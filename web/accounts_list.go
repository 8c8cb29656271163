package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// accountsList is GET /admin/accounts: platform accounts, searched by username or name.
func (h *Handler) accountsList(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	k, err := keyset(c)
	if err != nil {
		return err
	}
	rows, more, err := h.store.ListAccounts(c.UserContext(), q, k)
	if err != nil {
		return storeError(err)
	}
	var total func(db.ConsoleTotals) int64 // unfiltered: the overview's count past the cap
	if q == "" {
		total = func(t db.ConsoleTotals) int64 { return t.Accounts }
	}
	m, err := h.store.CountAccounts(c.UserContext(), q)
	count, err := h.countOf(c, m, err, total)
	if err != nil {
		return err
	}
	v := views.AccountsView{Q: q, Count: count}
	for _, a := range rows {
		v.Accounts = append(v.Accounts, views.AccountRow{ID: a.ID, Username: a.Username, Name: a.Name,
			Disabled: a.Disabled, BoundUserID: a.BoundUserID, BoundNickname: a.BoundNickname, CreatedAt: a.CreatedAt,
			Locked: a.Locked()})
	}
	if n := len(rows); n > 0 {
		v.Cursors = cursors(k, rows[0].ID, rows[n-1].ID, n, more)
	}
	return render(c, fiber.StatusOK, views.AccountsPage(h.page(c, views.NavAccounts), v))
}
