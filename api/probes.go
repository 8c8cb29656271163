package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz says the process is up.
func (h *Handler) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says whether the instance takes traffic: not while shutting down, nor when the
// database does not answer; load balancers take the instance out on 503.
func (h *Handler) readyz(c *fiber.Ctx) error {
	if h.draining.Load() {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
			"status": "draining", "error": "shutting_down", "message": "this instance is shutting down"})
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
			"status": "unavailable", "error": "store_unavailable", "message": "database unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

// SetDraining turns readiness to 503 for good: the process is shutting down, and a load
// balancer should stop sending while it still serves what arrives.
func (h *Handler) SetDraining() { h.draining.Store(true) }
