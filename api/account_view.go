package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// accountView loads the platform account a session carries (from the profile cache when
// it can); nil when it is gone.
func (h *Handler) accountView(c *fiber.Ctx, id int64) (*accountView, error) {
	a, err := h.store.CachedAccount(c.UserContext(), id)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, storeUnavailable(err)
	}
	return &accountView{ID: a.ID, Username: a.Username, Name: a.Name}, nil
}
