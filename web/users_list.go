package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// userFilter reads the users page's search and filters from the query.
func userFilter(c *fiber.Ctx) views.UserFilter {
	f := views.UserFilter{Q: strings.TrimSpace(c.Query("q")), Disabled: c.Query("disabled") == "1",
		HasPhone: c.Query("phone") == "1"}
	if b := c.Query("bound"); b == "yes" || b == "no" {
		f.Bound = b
	}
	if a := c.Query("app"); db.ValidAppID(a) {
		f.AppID = a
	}
	return f
}

func storeUserFilter(f views.UserFilter) db.UserFilter {
	return db.UserFilter{Q: f.Q, Bound: f.Bound, Disabled: f.Disabled, HasPhone: f.HasPhone, AppID: f.AppID}
}

// usersList is GET /admin/users: search, filters and keyset pages.
func (h *Handler) usersList(c *fiber.Ctx) error {
	f := userFilter(c)
	k := keyset(c)
	rows, more, err := h.store.ListWxUsers(c.UserContext(), storeUserFilter(f), k)
	if err != nil {
		return storeError(err)
	}
	v := views.UsersView{Filter: f, CanExport: operatorOf(c).Role == db.RoleAdmin}
	apps, err := h.store.Apps(c.UserContext())
	if err != nil {
		return storeError(err)
	}
	for _, a := range apps {
		v.Apps = append(v.Apps, a.AppID)
	}
	for _, u := range rows {
		v.Users = append(v.Users, userRow(u))
	}
	if n := len(rows); n > 0 {
		v.Cursors = cursors(k, rows[0].ID, rows[n-1].ID, n, more)
	}
	return render(c, fiber.StatusOK, views.UsersPage(h.page(c, views.NavUsers), v))
}
