package web

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// accountsImport is POST /admin/accounts/import: a CSV file of accounts, all or nothing.
func (h *Handler) accountsImport(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return failed(c, views.PathAccounts, t(c, "error.status.400"))
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
	if errors.As(err, &ie) {
		lines := make([]string, 0, min(len(ie.Rejected), 10))
		for i, r := range ie.Rejected {
			if i == 10 {
				lines = append(lines, fmt.Sprintf("… (%d more)", len(ie.Rejected)-10))
				break
			}
			lines = append(lines, fmt.Sprintf("line %d %s: %s", r.Line, r.Username, r.Reason))
		}
		return failed(c, views.PathAccounts, strings.Join(lines, "; "))
	}
	return failed(c, views.PathAccounts, err.Error())
}
