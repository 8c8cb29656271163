package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// exportPage is how many rows one store query of an export reads. An export streams
// every matching row, page after page on the store's keyset, so it never stops early.
const exportPage = 500

// usersExport is GET /admin/users/export.csv (admins only, audited): every user of the
// current filter as UTF-8 CSV with a byte-order mark (so spreadsheet programs read the
// Chinese right), phones masked, formula-like cells defused, times in the console's
// time zone. The export is recorded before the first byte leaves; the file is then
// streamed page by page, so its size is not bounded by memory. Should the store fail
// part way, the file's last line says so.
func (h *Handler) usersExport(c *fiber.Ctx) error {
	f, sf, err := userFilter(c)
	if err != nil {
		return err
	}
	sf.ByLogin = false // the export walks ids: every row, in sign-up order
	ctx := c.UserContext()
	// No export leaves unless it is on record.
	if err := h.store.RecordExport(ctx, f.Values().Encode(), h.auditActor(c)); err != nil {
		return storeError(err)
	}
	name := usersExportName(f, h.now())
	lang := langOf(c)
	header := []string{"id", "nickname", "phone", "account", "account_name", "disabled", "created_at", "last_login_at"}
	h.streamCSV(ctx, c, name, lang, header, func(ctx context.Context, w *csv.Writer) error {
		k := db.Keyset{Limit: exportPage}
		for {
			rows, more, err := h.store.ListWxUsers(ctx, sf, k)
			if err != nil {
				return err
			}
			for _, u := range rows {
				_ = w.Write([]string{strconv.FormatInt(u.ID, 10), csvCell(u.Nickname), maskPhone(u.Phone),
					csvCell(u.Username), csvCell(u.AccountName), strconv.FormatBool(u.Disabled),
					csvTime(u.CreatedAt), csvTime(u.LastLoginAt)})
			}
			if !more || len(rows) == 0 {
				return nil
			}
			k.After = rows[len(rows)-1].ID
		}
	})
	return nil
}

// usersExportName is the export's file name: what (the filter in words: all, bound,
// unbound, blocked, phone, search, since/until days, and the app id) and when (the
// minute, in the console's time zone), e.g. users-bound-wx123-20261201-1530.csv.
func usersExportName(f views.UserFilter, now time.Time) string {
	parts := []string{"users"}
	switch f.Bound {
	case "yes":
		parts = append(parts, "bound")
	case "no":
		parts = append(parts, "unbound")
	}
	if f.Disabled {
		parts = append(parts, "blocked")
	}
	if f.HasPhone {
		parts = append(parts, "phone")
	}
	if f.Q != "" {
		parts = append(parts, "search")
	}
	if f.From != "" {
		parts = append(parts, "from"+strings.ReplaceAll(f.From, "-", ""))
	}
	if f.To != "" {
		parts = append(parts, "to"+strings.ReplaceAll(f.To, "-", ""))
	}
	if f.AppID != "" {
		parts = append(parts, fileWord(f.AppID))
	}
	if len(parts) == 1 {
		parts = append(parts, "all")
	}
	return strings.Join(parts, "-") + "-" + now.In(views.TimeZone()).Format("20060102-1504") + ".csv"
}

// fileWord keeps the letters, digits, '_' and '-' of s, so it is safe in a file name.
func fileWord(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return -1
	}, s)
}

// streamCSV answers with a CSV attachment called name whose rows rows writes after the
// byte-order mark and header. The body is streamed after the handler returns, so rows
// gets its own context (ctx, captured before) and must not touch c. If rows fails, the
// file ends with a line that says it stopped and why (the status is already sent).
func (h *Handler) streamCSV(ctx context.Context, c *fiber.Ctx, name, lang string, header []string, rows func(context.Context, *csv.Writer) error) {
	path := strings.Clone(c.Path())
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		_, _ = bw.WriteString("\ufeff")
		w := csv.NewWriter(bw)
		_ = w.Write(header)
		err := rows(ctx, w)
		if err != nil {
			h.log.ErrorContext(ctx, "export stopped", "path", path, "err", err)
			_ = w.Write([]string{"", views.T(lang, "export.stopped")})
		}
		w.Flush()
		_ = bw.Flush()
	})
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
