package web

import "github.com/gofiber/fiber/v2"

func (h *Handler) playgroundShow(c *fiber.Ctx) error      { return notFound() }
func (h *Handler) playgroundLogin(c *fiber.Ctx) error     { return notFound() }
func (h *Handler) playgroundCheckBind(c *fiber.Ctx) error { return notFound() }
func (h *Handler) playgroundBind(c *fiber.Ctx) error      { return notFound() }
func (h *Handler) playgroundReset(c *fiber.Ctx) error     { return notFound() }
