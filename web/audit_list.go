package web

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// auditFilter reads the audit filters: from and to are days (YYYY-MM-DD) in the console's
// time zone, to inclusive; action must be one of the known actions. Anything else is a
// 400 naming the field, before any read.
func auditFilter(c *fiber.Ctx) (views.AuditFilter, db.AuditFilter, error) {
	f := views.AuditFilter{Action: strings.TrimSpace(c.Query("action")), Actor: strings.TrimSpace(c.Query("actor")),
		Target: strings.TrimSpace(c.Query("target")), From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to"))}
	df := db.AuditFilter{Action: f.Action, Actor: f.Actor, Target: f.Target}
	bad := func(field string) error {
		return &pageError{status: fiber.StatusBadRequest, key: "error.status.400", detail: field}
	}
	if f.Action != "" {
		known := false
		for _, a := range views.AuditActions() {
			known = known || a == f.Action
		}
		if !known {
			return f, df, bad("action")
		}
	}
	loc := views.TimeZone()
	if f.From != "" {
		d, err := time.ParseInLocation(time.DateOnly, f.From, loc)
		if err != nil {
			return f, df, bad("from")
		}
		df.From = d
	}
	if f.To != "" {
		d, err := time.ParseInLocation(time.DateOnly, f.To, loc)
		if err != nil {
			return f, df, bad("to")
		}
		df.Before = d.AddDate(0, 0, 1)
	}
	return f, df, nil
}

// auditList is GET /admin/audit: the audit log, filtered by days, action, actor, target.
func (h *Handler) auditList(c *fiber.Ctx) error {
	f, df, err := auditFilter(c)
	if err != nil {
		return err
	}
	k, err := keyset(c)
	if err != nil {
		return err
	}
	rows, more, err := h.store.ListAudit(c.UserContext(), df, k)
	if err != nil {
		return storeError(err)
	}
	m, err := h.store.CountAudit(c.UserContext(), df)
	count, err := h.countOf(c, m, err, nil)
	if err != nil {
		return err
	}
	lang := langOf(c)
	v := views.AuditView{Filter: f, Count: count}
	for _, e := range rows {
		v.Events = append(v.Events, auditRow(lang, e))
	}
	if n := len(rows); n > 0 {
		v.Cursors = cursors(k, rows[0].ID, rows[n-1].ID, n, more)
	}
	return render(c, fiber.StatusOK, views.AuditPage(h.page(c, views.NavAudit), v))
}

// auditExport is GET /admin/audit/export.csv (admins only, itself audited): every audit
// event of the filter as UTF-8 CSV with a byte-order mark, times in the console's time
// zone, the action as code and in the operator's language. Recorded before the file
// leaves, then streamed page by page like the users export (no row limit).
func (h *Handler) auditExport(c *fiber.Ctx) error {
	f, df, err := auditFilter(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	lang := langOf(c)
	// No export leaves unless it is on record.
	if err := h.store.RecordAuditExport(ctx, f.Values().Encode(), h.auditActor(c)); err != nil {
		return storeError(err)
	}
	name := "audit-all-"
	if len(f.Values()) > 0 {
		name = "audit-filtered-"
		if f.Action != "" {
			name = "audit-" + fileWord(strings.ReplaceAll(f.Action, ".", "_")) + "-"
		}
	}
	name += h.now().In(views.TimeZone()).Format("20060102-1504") + ".csv"
	header := []string{"id", "time", "actor", "action", "action_label", "target", "ip", "detail"}
	h.streamCSV(ctx, c, name, lang, header, func(ctx context.Context, w *csv.Writer) error {
		k := db.Keyset{Limit: exportPage}
		for {
			rows, more, err := h.store.ListAudit(ctx, df, k)
			if err != nil {
				return err
			}
			for _, e := range rows {
				_ = w.Write([]string{strconv.FormatInt(e.ID, 10), csvTime(e.At), csvCell(strings.TrimSpace(e.ActorType + ":" + e.ActorID)), e.Action,
					csvCell(views.T(lang, "audit.action."+e.Action)), csvCell(e.Target), csvCell(e.IP), csvCell(e.Detail)})
			}
			if !more || len(rows) == 0 {
				return nil
			}
			k.After = rows[len(rows)-1].ID
		}
	})
	return nil
}
