package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// operatorsList is GET /admin/operators (admins only).
func (h *Handler) operatorsList(c *fiber.Ctx) error {
	ops, err := h.store.Operators(c.UserContext())
	if err != nil {
		return storeError(err)
	}
	var v views.OperatorsView
	if v.RequireTOTP, err = h.store.RequireTOTP(c.UserContext()); err != nil {
		return storeError(err)
	}
	for _, o := range ops {
		v.Operators = append(v.Operators, views.OperatorRow{ID: o.ID, Username: o.Username, Role: o.Role,
			Disabled: o.Disabled, CreatedAt: o.CreatedAt, LastLoginAt: o.LastLoginAt, HasTOTP: o.HasTOTP})
	}
	return render(c, fiber.StatusOK, views.OperatorsPage(h.page(c, views.NavOperators), v))
}
