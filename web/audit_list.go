package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// auditList is GET /admin/audit: the audit log, filtered by action, actor or target.
func (h *Handler) auditList(c *fiber.Ctx) error {
	f := views.AuditFilter{Action: strings.TrimSpace(c.Query("action")), Actor: strings.TrimSpace(c.Query("actor")),
		Target: strings.TrimSpace(c.Query("target"))}
	k := keyset(c)
	rows, more, err := h.store.ListAudit(c.UserContext(), db.AuditFilter{Action: f.Action, Actor: f.Actor, Target: f.Target}, k)
	if err != nil {
		return storeError(err)
	}
	lang := langOf(c)
	v := views.AuditView{Filter: f}
	for _, e := range rows {
		v.Events = append(v.Events, auditRow(lang, e))
	}
	if n := len(rows); n > 0 {
		v.Cursors = cursors(k, rows[0].ID, rows[n-1].ID, n, more)
	}
	return render(c, fiber.StatusOK, views.AuditPage(h.page(c, views.NavAudit), v))
}
