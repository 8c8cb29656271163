package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// bindingsList is GET /admin/bindings: who is bound to which account.
func (h *Handler) bindingsList(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	k, err := keyset(c)
	if err != nil {
		return err
	}
	rows, more, err := h.store.ListBindings(c.UserContext(), q, k)
	if err != nil {
		return storeError(err)
	}
	var total func(db.ConsoleTotals) int64 // unfiltered: the overview's count past the cap
	if q == "" {
		total = func(t db.ConsoleTotals) int64 { return t.BoundUsers }
	}
	m, err := h.store.CountBindings(c.UserContext(), q)
	count, err := h.countOf(c, m, err, total)
	if err != nil {
		return err
	}
	v := views.BindingsView{Q: q, Count: count}
	for _, b := range rows {
		v.Bindings = append(v.Bindings, bindingRow(b))
	}
	if n := len(rows); n > 0 {
		v.Cursors = cursors(k, rows[0].WxUserID, rows[n-1].WxUserID, n, more)
	}
	return render(c, fiber.StatusOK, views.BindingsPage(h.page(c, views.NavBindings), v))
}
