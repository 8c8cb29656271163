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
	m, err := h.store.CountBindings(c.UserContext(), q)
	if err != nil {
		return storeError(err)
	}
	count := listCount(m)
	if q == "" {
		if count, err = h.unfilteredCount(c, m, func(t db.ConsoleTotals) int64 { return t.BoundUsers }); err != nil {
			return err
		}
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
