package web

import (
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// exportMax bounds one CSV export.
const exportMax = 100000

// usersExport is GET /admin/users/export.csv (admins only, audited): the users of the
// current filter as UTF-8 CSV with a byte-order mark (so spreadsheet programs read the
// Chinese right), phones masked, and formula-like cells defused.
func (h *Handler) usersExport(c *fiber.Ctx) error {
	f, sf, err := userFilter(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var buf strings.Builder
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"id", "nickname", "phone", "account", "account_name", "disabled", "created_at", "last_login_at"})
	k := db.Keyset{Limit: 500}
	n := 0
	for n < exportMax {
		rows, more, err := h.store.ListWxUsers(ctx, sf, k)
		if err != nil {
			return storeError(err)
		}
		for _, u := range rows {
			_ = w.Write([]string{strconv.FormatInt(u.ID, 10), csvCell(u.Nickname), maskPhone(u.Phone),
				csvCell(u.Username), csvCell(u.AccountName), strconv.FormatBool(u.Disabled),
				csvTime(u.CreatedAt), csvTime(u.LastLoginAt)})
		}
		n += len(rows)
		if !more || len(rows) == 0 {
			break
		}
		k.After = rows[len(rows)-1].ID
	}
	w.Flush()
	// No export leaves unless it is on record.
	if err := h.store.RecordExport(ctx, n, f.Values().Encode(), h.auditActor(c)); err != nil {
		return storeError(err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="users.csv"`)
	return c.SendString(buf.String())
}

// csvCell defuses a cell a spreadsheet would run as a formula, with a leading quote.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvTime is an instant in the console's time zone, with its offset (RFC 3339), or ""
// for the zero time.
func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(views.TimeZone()).Format(time.RFC3339)
}
