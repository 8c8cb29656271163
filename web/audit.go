package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// audit records a change made by the signed-in operator. A failure to record is logged,
// not shown: the change itself is already done.
func (h *Handler) audit(c *fiber.Ctx, action, target, detail string) {
	typ, id, _ := strings.Cut(actor(c), ":")
	err := h.store.AddAudit(c.UserContext(), db.AuditEvent{
		At: h.now(), ActorType: typ, ActorID: id, Action: action, Target: target,
		IP: h.clientIP(c), Detail: detail,
	})
	if err != nil {
		h.log.ErrorContext(c.UserContext(), "console: audit event not recorded", "action", action, "target", target, "err", err)
	}
}
