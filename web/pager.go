package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// keyset reads the after/before cursors of a list page.
func keyset(c *fiber.Ctx) (db.Keyset, error) {
	size, err := pageSize(c)
	if err != nil {
		return db.Keyset{}, err
	}
	after, _ := strconv.ParseInt(c.Query(views.ParamAfter), 10, 64)
	before, _ := strconv.ParseInt(c.Query(views.ParamBefore), 10, 64)
	if after > 0 {
		before = 0
	}
	return db.Keyset{After: max(after, 0), Before: max(before, 0), Limit: size}, nil
}

// pageSize is the ?size= choice of a list: one of views.PageSizes, or
// views.DefaultPageSize when absent; anything else is a 400.
func pageSize(c *fiber.Ctx) (int, error) {
	v := c.Query("size")
	if v == "" {
		return views.DefaultPageSize, nil
	}
	for _, n := range views.PageSizes {
		if strconv.Itoa(n) == v {
			return n, nil
		}
	}
	return 0, &pageError{status: fiber.StatusBadRequest, key: "error.status.400", detail: "size"}
}

// cursors are the previous/next cursors of a page whose rows (newest first) run from id
// first to id last; more says whether the store saw rows beyond the page.
func cursors(k db.Keyset, first, last int64, n int, more bool) views.Cursors {
	if n == 0 {
		return views.Cursors{}
	}
	var cur views.Cursors
	if (k.Before == 0 && more) || k.Before > 0 {
		cur.Next = strconv.FormatInt(last, 10)
	}
	if k.After > 0 || (k.Before > 0 && more) {
		cur.Prev = strconv.FormatInt(first, 10)
	}
	return cur
}

// listCount is a list's count of matches as the page shows it.
func listCount(m db.MatchCount) views.ListCount {
	return views.ListCount{N: m.N, More: m.More, Known: true}
}

// countOf is a list's count as the page shows it, from its store count m (and the
// count's error): the capped count, or for an unfiltered list (total not nil) whose count
// stopped at the cap, the list's total from the overview's totals (counted at most a
// minute before, off the request path), shown as an estimate.
func (h *Handler) countOf(c *fiber.Ctx, m db.MatchCount, err error, total func(db.ConsoleTotals) int64) (views.ListCount, error) {
	if err != nil {
		return views.ListCount{}, storeError(err)
	}
	if !m.More || total == nil {
		return listCount(m), nil
	}
	t, err := h.totals.get(c.UserContext(), h.store, h.now())
	if err != nil {
		return views.ListCount{}, storeError(err)
	}
	return views.ListCount{N: total(t), About: true, Known: true}, nil
}
