package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// userFilter reads the users page's search and filters from the query; sign-up dates are
// days (YYYY-MM-DD) in the console's time zone, and anything else is a 400 naming the
// field.
func userFilter(c *fiber.Ctx) (views.UserFilter, db.UserFilter, error) {
	f := views.UserFilter{Q: strings.TrimSpace(c.Query("q")), Disabled: c.Query("disabled") == "1",
		HasPhone: c.Query("phone") == "1", From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to"))}
	if b := c.Query("bound"); b == "yes" || b == "no" {
		f.Bound = b
	}
	if a := c.Query("app"); db.ValidAppID(a) {
		f.AppID = a
	}
	switch srt := c.Query("sort"); srt {
	case "", "signup":
	case views.SortLogin:
		f.Sort = srt
	default:
		return f, db.UserFilter{}, &pageError{status: fiber.StatusBadRequest, key: "error.status.400", detail: "sort"}
	}
	sf := db.UserFilter{Q: f.Q, Bound: f.Bound, Disabled: f.Disabled, HasPhone: f.HasPhone, AppID: f.AppID,
		ByLogin: f.Sort == views.SortLogin && f.Q == ""}
	day := func(field, v string) (time.Time, error) {
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation(time.DateOnly, v, views.TimeZone())
		if err != nil {
			return time.Time{}, &pageError{status: fiber.StatusBadRequest, key: "error.date_invalid", detail: field}
		}
		return t, nil
	}
	var err error
	if sf.From, err = day("from", f.From); err != nil {
		return f, sf, err
	}
	if sf.To, err = day("to", f.To); err != nil {
		return f, sf, err
	}
	if !sf.To.IsZero() {
		sf.To = sf.To.AddDate(0, 0, 1) // the last day is included
	}
	return f, sf, nil
}

// usersList is GET /admin/users: search, filters and keyset pages.
func (h *Handler) usersList(c *fiber.Ctx) error {
	f, sf, err := userFilter(c)
	if err != nil {
		return err
	}
	k, err := keyset(c)
	if err != nil {
		return err
	}
	if sf.ByLogin {
		// The cursors of the last-login order are "<last login ms>_<id>".
		k.AfterAt, k.After = loginCursor(c.Query(views.ParamAfter))
		k.BeforeAt, k.Before = loginCursor(c.Query(views.ParamBefore))
		if k.After > 0 {
			k.BeforeAt, k.Before = 0, 0
		}
	}
	rows, more, err := h.store.ListWxUsers(c.UserContext(), sf, k)
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
	if counts, err := h.userCounts.get(c.UserContext(), h.store); err != nil {
		return storeError(err)
	} else if n, ok := counts.Count(sf); ok {
		v.Total, v.HasTotal, v.CountedAt = n, true, counts.At
	} else {
		// A search, one app or a part of a day: counted now, up to the cap.
		m, err := h.store.CountWxUsers(c.UserContext(), sf)
		if v.Count, err = h.countOf(c, m, err, nil); err != nil {
			return err
		}
	}
	for _, u := range rows {
		v.Users = append(v.Users, userRow(u))
	}
	if n := len(rows); n > 0 {
		v.Cursors = cursors(k, rows[0].ID, rows[n-1].ID, n, more)
		if sf.ByLogin {
			if v.Cursors.Next != "" {
				v.Cursors.Next = loginCursorOf(rows[n-1])
			}
			if v.Cursors.Prev != "" {
				v.Cursors.Prev = loginCursorOf(rows[0])
			}
		}
	}
	return render(c, fiber.StatusOK, views.UsersPage(h.page(c, views.NavUsers), v))
}

// loginCursor parses a cursor of the last-login order, "<ms>_<id>"; anything else is no
// cursor (0, 0), the first page.
func loginCursor(v string) (at, id int64) {
	a, b, ok := strings.Cut(v, "_")
	if !ok {
		return 0, 0
	}
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return 0, 0
	}
	return at, id
}

// loginCursorOf is the cursor of row u in the last-login order.
func loginCursorOf(u db.UserListRow) string {
	return strconv.FormatInt(u.LastLoginAt.UnixMilli(), 10) + "_" + strconv.FormatInt(u.ID, 10)
}
