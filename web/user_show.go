package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// userShow is GET /admin/users/:id: profile, binding and its history, active sessions,
// recent events.
func (h *Handler) userShow(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return h.userDetail(c, id, "")
}

// userPhoneReveal is POST /admin/users/:id/phone (admins): the detail page with the full
// phone number, once. The reveal is audited; the number goes into no URL, flash or cookie.
func (h *Handler) userPhoneReveal(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	phone, err := h.store.RevealPhone(c.UserContext(), id, h.auditActor(c))
	if errors.Is(err, db.ErrNotFound) {
		return &pageError{status: fiber.StatusNotFound, key: "error.not_found_user"}
	}
	if err != nil {
		return storeError(err)
	}
	return h.userDetail(c, id, phone)
}

// userDetail renders a user's page; a revealed phone (from RevealPhone) is shown in full.
func (h *Handler) userDetail(c *fiber.Ctx, id int64, revealed string) error {
	ctx := c.UserContext()
	u, err := h.store.ConsoleUserByID(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return &pageError{status: fiber.StatusNotFound, key: "error.not_found_user"}
	}
	if err != nil {
		return storeError(err)
	}
	lang := langOf(c)
	v := views.UserDetail{User: views.UserProfile{ID: u.ID, AppID: u.AppID, OpenID: u.OpenID, UnionID: u.UnionID,
		Nickname: u.NickName, AvatarURL: u.AvatarURL, Gender: u.Gender, Province: u.Province, City: u.City,
		Country: u.Country, Language: u.Language, Phone: maskPhone(u.Phone), PhoneRevealed: revealed != "", Disabled: u.Disabled,
		BlockedReason: u.BlockedReason, BlockedAt: u.BlockedAt,
		Erased: !u.DeletedAt.IsZero(), CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt}}
	if revealed != "" {
		v.User.Phone = revealed
	}

	b, err := h.store.BindingOfWxUser(ctx, id)
	switch {
	case err == nil:
		v.Binding = &views.BindingInfo{AccountID: b.AccountID, Username: b.Username, AccountName: b.AccountName,
			CreatedAt: b.CreatedAt, CreatedBy: b.CreatedBy}
	case !errors.Is(err, db.ErrNotFound):
		return storeError(err)
	}

	same, err := h.store.SamePerson(ctx, id)
	if err != nil {
		return storeError(err)
	}
	for _, o := range same {
		v.SamePerson = append(v.SamePerson, views.PersonRow{ID: o.ID, AppID: o.AppID, OpenID: o.OpenID,
			Nickname: o.Nickname, AccountID: o.AccountID, Username: o.Username, AccountName: o.AccountName,
			LiveSessions: o.LiveSessions})
	}

	sessions, _, err := h.store.ListActiveSessions(ctx, db.SessionFilter{WxUserID: id}, db.Keyset{Limit: 100})
	if err != nil {
		return storeError(err)
	}
	for _, s := range sessions {
		v.Sessions = append(v.Sessions, sessionRow(s))
	}
	history, err := h.store.SessionHistory(ctx, id, 50)
	if err != nil {
		return storeError(err)
	}
	for _, s := range history {
		v.History = append(v.History, views.HistoryRow{ID: s.ID, IP: s.IP, UserAgent: s.UserAgent,
			CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, EndedAt: s.EndedAt, End: s.End, By: s.By,
			Security: s.Security()})
	}

	events, _, err := h.store.ListAudit(ctx, db.AuditFilter{Target: "wx_user:" + strconv.FormatInt(id, 10)}, db.Keyset{Limit: 50})
	if err != nil {
		return storeError(err)
	}
	for _, e := range events {
		row := auditRow(lang, e)
		v.Events = append(v.Events, row)
		if strings.Contains(e.Action, "bind") {
			v.BindingHistory = append(v.BindingHistory, row)
		}
	}
	return render(c, fiber.StatusOK, views.UserDetailPage(h.page(c, views.NavUsers), v))
}
