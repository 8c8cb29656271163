package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/password"
	"miniauth/views"
)

// importReportBytes bounds the flash that reports a refused import: it travels in the
// console cookie, which holds about 4 KB in all.
const importReportBytes = 1200

// accountsImport is POST /admin/accounts/import: a CSV file of accounts, all or nothing.
// A wrong file is answered with a flash naming its wrong rows, never with a 500.
func (h *Handler) accountsImport(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return failed(c, views.PathAccounts, t(c, "error.status.400"))
	}
	if fh.Size > db.MaxImportBytes {
		return failed(c, views.PathAccounts, views.Tf(langOf(c), "import.too_large", strconv.Itoa(db.MaxImportBytes>>20)))
	}
	f, err := fh.Open()
	if err != nil {
		return badRequest()
	}
	defer f.Close()
	rows, err := db.ReadAccountCSV(c.UserContext(), f, h.hasher)
	if err == nil {
		var n int
		n, err = h.store.ImportAccounts(c.UserContext(), rows, h.auditActor(c))
		if err == nil {
			h.totals.invalidate()
			return done(c, views.PathAccounts, views.Tf(langOf(c), "flash.accounts_imported", n))
		}
	}
	var ie *db.ImportError
	switch {
	case errors.As(err, &ie):
		return failed(c, views.PathAccounts, importReport(langOf(c), ie))
	case errors.Is(err, password.ErrBusy):
		return failed(c, views.PathAccounts, t(c, "error.status.503"))
	}
	return err
}

// importReport lists the rejected rows of a refused import, as many as fit in
// importReportBytes, then how many more there are.
func importReport(lang string, ie *db.ImportError) string {
	var b strings.Builder
	b.WriteString(views.Tf(lang, "import.report", len(ie.Rejected)))
	for i, r := range ie.Rejected {
		reason := importReason(lang, r.Reason)
		var line string
		switch {
		case r.Line == 0:
			line = reason
		case r.Username != "":
			line = views.Tf(lang, "import.line_user", r.Line, r.Username, reason)
		default:
			line = views.Tf(lang, "import.line", r.Line, reason)
		}
		if i > 0 && b.Len()+len(line) > importReportBytes {
			b.WriteString(views.Tf(lang, "import.more", len(ie.Rejected)-i))
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(clipBytes(line, importReportBytes))
	}
	return b.String()
}

// clipBytes shortens s to at most n bytes on a character boundary.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
