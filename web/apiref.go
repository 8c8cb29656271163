package web

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"

	"miniauth/api"
	"miniauth/views"
)

// apiRef is GET /admin/api: the API reference, rendered on the server from the OpenAPI
// document embedded in the binary (api/openapi.yaml); no script, no CDN.
func (h *Handler) apiRef(c *fiber.Ctx) error {
	doc, err := api.OpenAPI()
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.APIRefPage(h.page(c, views.NavAPIRef), apiRefView(doc)))
}

// apiRefView flattens the document into what the page shows: each operation in the
// document's path order, its parameters, the top-level fields of its body and answers.
func apiRefView(doc *openapi3.T) views.APIRefView {
	v := views.APIRefView{Title: doc.Info.Title, Version: doc.OpenAPI, Description: doc.Info.Description}
	if s := doc.Components.Schemas["ErrorCode"]; s != nil && s.Value != nil {
		for _, e := range s.Value.Enum {
			v.ErrorCodes = append(v.ErrorCodes, fmt.Sprint(e))
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			o := views.APIOperation{ID: op.OperationID, Method: method, Path: path,
				Summary: op.Summary, Description: op.Description, Auth: authOf(doc, op)}
			for _, p := range op.Parameters {
				if p.Value == nil {
					continue
				}
				o.Params = append(o.Params, views.APIField{Name: p.Value.Name, In: p.Value.In,
					Type: typeOf(p.Value.Schema), Description: p.Value.Description, Required: p.Value.Required})
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				var types []string
				for mt := range op.RequestBody.Value.Content {
					types = append(types, mt)
				}
				sort.Strings(types)
				o.BodyType = strings.Join(types, ", ")
				if mt := op.RequestBody.Value.Content.Get(types[0]); mt != nil {
					o.Body = fieldsOf(mt.Schema)
				}
			}
			for _, status := range sortedKeys(op.Responses.Map()) {
				r := op.Responses.Value(status)
				if r == nil || r.Value == nil {
					continue
				}
				resp := views.APIResponse{Status: status}
				if r.Value.Description != nil {
					resp.Description = *r.Value.Description
				}
				if mt := r.Value.Content.Get("application/json"); mt != nil {
					resp.Fields = fieldsOf(mt.Schema)
				}
				o.Responses = append(o.Responses, resp)
			}
			v.Operations = append(v.Operations, o)
		}
	}
	// The /api routes first, in their written order, then the internal one.
	sort.SliceStable(v.Operations, func(i, j int) bool {
		return strings.HasPrefix(v.Operations[i].Path, "/api/") && !strings.HasPrefix(v.Operations[j].Path, "/api/")
	})
	return v
}

func sortedKeys(m map[string]*openapi3.ResponseRef) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// authOf names the operation's security: its own, else the document's.
func authOf(doc *openapi3.T, op *openapi3.Operation) string {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	if len(reqs) == 0 {
		return "none"
	}
	var names []string
	for _, r := range reqs {
		if len(r) == 0 {
			names = append(names, "none")
		}
		for name := range r {
			if name == "serviceKey" {
				name = "Bearer <service key>"
			} else {
				name = "Bearer <token>"
			}
			names = append(names, name)
		}
	}
	return strings.Join(names, " | ")
}

// fieldsOf lists an object schema's top-level properties (through allOf), or, for a oneOf,
// the union of its alternatives'.
func fieldsOf(ref *openapi3.SchemaRef) []views.APIField {
	if ref == nil || ref.Value == nil {
		return nil
	}
	s := ref.Value
	var out []views.APIField
	seen := map[string]bool{}
	add := func(fs []views.APIField) {
		for _, f := range fs {
			if !seen[f.Name] {
				seen[f.Name] = true
				out = append(out, f)
			}
		}
	}
	for _, sub := range s.AllOf {
		add(fieldsOf(sub))
	}
	for _, sub := range s.OneOf {
		add(fieldsOf(sub))
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	// Required fields first, each group in name order.
	sort.SliceStable(names, func(i, j int) bool { return contains(s.Required, names[i]) && !contains(s.Required, names[j]) })
	var own []views.APIField
	for _, name := range names {
		p := s.Properties[name]
		f := views.APIField{Name: name, Type: typeOf(p), Required: contains(s.Required, name)}
		if p.Value != nil {
			f.Description = p.Value.Description
		}
		own = append(own, f)
	}
	add(own)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// typeOf is a short type name: the referenced component's name, the type(s), the enum.
func typeOf(ref *openapi3.SchemaRef) string {
	if ref == nil {
		return ""
	}
	if ref.Ref != "" {
		return ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
	}
	s := ref.Value
	if s == nil {
		return ""
	}
	if s.Const != nil {
		return fmt.Sprintf("%v", s.Const)
	}
	t := "any"
	if s.Type != nil && len(*s.Type) > 0 {
		t = strings.Join(*s.Type, " | ")
	}
	if len(s.Enum) > 0 {
		var vals []string
		for _, e := range s.Enum {
			vals = append(vals, fmt.Sprint(e))
		}
		t += " (" + strings.Join(vals, ", ") + ")"
	}
	return t
}
