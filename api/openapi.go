package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"
)

// OpenAPIYAML is the API's contract, OpenAPI 3.1 (api/openapi.yaml). The handler tests
// validate every request they send and every answer they get against it; the server serves
// it as JSON at /api/openapi.json and the console renders it as the API reference.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte

var openAPI struct {
	once sync.Once
	doc  *openapi3.T
	json []byte
	err  error
}

// OpenAPI is the parsed, validated contract. It is parsed once; an invalid document is a
// build error that the tests catch, so callers may treat err as fatal.
func OpenAPI() (*openapi3.T, error) {
	openAPI.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(OpenAPIYAML)
		if err != nil {
			openAPI.err = fmt.Errorf("api/openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			openAPI.err = fmt.Errorf("api/openapi.yaml: %w", err)
			return
		}
		openAPI.doc = doc
		openAPI.json, openAPI.err = json.Marshal(doc)
	})
	return openAPI.doc, openAPI.err
}

// openAPIJSON serves the contract as JSON.
func (h *Handler) openAPIJSON(c *fiber.Ctx) error {
	if _, err := OpenAPI(); err != nil {
		return internalError(err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(openAPI.json)
}
