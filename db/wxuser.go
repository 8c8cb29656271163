package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// WxUser is one WeChat user of one mini-program (appid + openid). Session keys are
// plaintext here; the store seals them on write and opens them on read.
type WxUser struct {
	ID                  int64
	AppID, OpenID       string
	UnionID             string
	SessionKey          string
	PrevSessionKey      string // the key replaced at SessionKeyRotatedAt, for late payloads
	SessionKeyRotatedAt time.Time
	Profile
	Phone, PhoneCountryCode string
	CreatedAt, LastLoginAt  time.Time
	Disabled                bool
	DeletedAt               time.Time // zero: not deleted
}

// Profile is what the user shows of themselves, as the mini-program sends it.
type Profile struct {
	NickName, AvatarURL string
	Gender              int // 0 unknown, 1 male, 2 female
	Province, City      string
	Country, Language   string
}

// wxUserColumns is the column list scanWxUser reads, in order.
const wxUserColumns = `id, appid, openid, COALESCE(unionid, ''), session_key, prev_session_key,
	session_key_rotated_at, nickname, avatar_url, gender, province, city, country, language,
	phone, phone_country_code, created_at, last_login_at, disabled, deleted_at`

// scanWxUser reads a row of wxUserColumns and opens the sealed session keys.
func (s *Store) scanWxUser(r scanner) (WxUser, error) {
	var u WxUser
	var key, prev string
	if err := r.Scan(wxUserDest(&u, &key, &prev)...); err != nil {
		return WxUser{}, err
	}
	if err := s.openWxUserKeys(&u, key, prev); err != nil {
		return WxUser{}, err
	}
	return u, nil
}

// wxUserDest is where a row of wxUserColumns is scanned: into u, and the sealed session
// keys into key and prev for openWxUserKeys.
func wxUserDest(u *WxUser, key, prev *string) []any {
	return []any{&u.ID, &u.AppID, &u.OpenID, &u.UnionID, key, prev,
		msTime{&u.SessionKeyRotatedAt}, &u.NickName, &u.AvatarURL, &u.Gender, &u.Province,
		&u.City, &u.Country, &u.Language, &u.Phone, &u.PhoneCountryCode,
		msTime{&u.CreatedAt}, msTime{&u.LastLoginAt}, &u.Disabled, msTime{&u.DeletedAt}}
}

// openWxUserKeys opens the sealed session keys scanned with wxUserDest into u.
func (s *Store) openWxUserKeys(u *WxUser, key, prev string) error {
	var err error
	if u.SessionKey, err = s.openKey(key); err != nil {
		return fmt.Errorf("wx user %d session_key: %w", u.ID, err)
	}
	if u.PrevSessionKey, err = s.openKey(prev); err != nil {
		return fmt.Errorf("wx user %d previous session_key: %w", u.ID, err)
	}
	return nil
}

// sealKey seals a session_key for storage; the empty key stays empty.
func (s *Store) sealKey(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	return s.keys.Seal([]byte(plain))
}

// keyFingerprint is the session_key_mac stored beside a session_key sealed from plain
// (Keyring.Fingerprint); NULL for the empty key.
func (s *Store) keyFingerprint(plain string) any {
	if plain == "" {
		return nil
	}
	return s.keys.Fingerprint([]byte(plain))
}

// openKey opens a stored session_key; the empty value stays empty.
func (s *Store) openKey(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := s.keys.Open(sealed)
	return string(b), err
}

// WxUserByID returns a WeChat user, deleted ones included (DeletedAt set); ErrNotFound if
// there is no such row.
func (s *Store) WxUserByID(ctx context.Context, id int64) (WxUser, error) {
	u, err := s.scanWxUser(s.row(ctx, s.r, `SELECT `+wxUserColumns+` FROM wx_users WHERE id = ?`, id))
	if err != nil {
		return WxUser{}, wrap(fmt.Sprintf("wx user %d", id), err)
	}
	return u, nil
}

// UpdateProfile replaces the profile of a live (not deleted) user and returns the row, in
// one transaction with a "user.profile" audit event by actor. An AvatarURL under
// AvatarPath must name a stored image (ErrNoAvatar otherwise); the image the user showed
// before is deleted when no user refers to it any more.
func (s *Store) UpdateProfile(ctx context.Context, id int64, p Profile, actor AuditActor) (WxUser, error) {
	now := s.now()
	var u WxUser
	err := s.tx(ctx, fmt.Sprintf("update profile of wx user %d", id), func(tx *sqlx.Tx) error {
		old, err := s.lockUserAvatar(ctx, tx, id)
		if err != nil {
			return err
		}
		if name, ok := strings.CutPrefix(p.AvatarURL, AvatarPath); ok && p.AvatarURL != old {
			if err := s.lockImagesInOrder(ctx, tx, old, p.AvatarURL); err != nil {
				return err
			}
			if err := s.holdAvatar(ctx, tx, name); err != nil {
				return err
			}
		}
		u, err = s.scanWxUser(s.row(ctx, tx, `UPDATE wx_users SET nickname = ?, avatar_url = ?,
			gender = ?, province = ?, city = ?, country = ?, language = ?
			WHERE id = ? RETURNING `+wxUserColumns,
			p.NickName, p.AvatarURL, p.Gender, p.Province, p.City, p.Country, p.Language, id))
		if err != nil {
			return err
		}
		if old != p.AvatarURL {
			if err := s.releaseAvatar(ctx, tx, old); err != nil {
				return err
			}
		}
		if err := s.appendChanged(ctx, tx, now, id, 0); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "user.profile", wxUserTarget(id), ""))
	})
	if err != nil {
		return WxUser{}, err
	}
	s.dropChanged(id, 0)
	return u, nil
}

// SetPhone stores the verified phone number of a live user, in one transaction with a
// "user.phone" audit event by actor. ErrNotFound if there is no live user with this id.
func (s *Store) SetPhone(ctx context.Context, id int64, phone, countryCode string, actor AuditActor) error {
	now := s.now()
	err := s.tx(ctx, fmt.Sprintf("set phone of wx user %d", id), func(tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE wx_users SET phone = ?, phone_country_code = ?
			WHERE id = ? AND deleted_at IS NULL`, phone, countryCode, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := s.appendChanged(ctx, tx, now, id, 0); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "user.phone", wxUserTarget(id), ""))
	})
	if err != nil {
		return err
	}
	s.dropChanged(id, 0)
	return nil
}

// RevealPhone returns a user's full phone number (deleted users' is empty) and records,
// in the same transaction, a "user.phone_reveal" event by actor: no number is shown
// unless its reveal is on record. ErrNotFound if there is no such user.
func (s *Store) RevealPhone(ctx context.Context, id int64, actor AuditActor) (string, error) {
	now := s.now()
	var phone string
	err := s.tx(ctx, fmt.Sprintf("reveal phone of wx user %d", id), func(tx *sqlx.Tx) error {
		if err := s.row(ctx, tx, `SELECT phone FROM wx_users WHERE id = ?`, id).Scan(&phone); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "user.phone_reveal", wxUserTarget(id), ""))
	})
	if err != nil {
		return "", err
	}
	return phone, nil
}

// DeleteWxUser cancels a user's account in one transaction: every session is revoked (and
// fed to the revocations feed), the binding and pending bind tickets are removed, profile,
// phone, unionid and session keys are erased, deleted_at is set, and a "user.delete" audit
// event stays behind as the tombstone. appid and openid are kept so that the user's next
// login finds the same row (and starts over with an empty profile). The uploaded avatar the
// user showed is deleted unless another user shows it too. actor is the user themself
// (UserActor) or an operator erasing on their behalf.
func (s *Store) DeleteWxUser(ctx context.Context, id int64, actor AuditActor) error {
	now := s.now()
	var ids []int64
	err := s.tx(ctx, fmt.Sprintf("delete wx user %d", id), func(tx *sqlx.Tx) error {
		avatar, err := s.lockUserAvatar(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, `UPDATE wx_users SET unionid = NULL, session_key = '', session_key_mac = NULL,
			prev_session_key = '', session_key_rotated_at = NULL, nickname = '', avatar_url = '',
			gender = 0, province = '', city = '', country = '', language = '', phone = '',
			phone_country_code = '', deleted_at = ?
			WHERE id = ? AND deleted_at IS NULL`, now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := s.releaseAvatar(ctx, tx, avatar); err != nil {
			return err
		}
		if ids, err = s.revokeWhere(ctx, tx, now, "user.delete", `wx_user_id = ?`, id); err != nil {
			return err
		}
		var account int64
		err = s.row(ctx, tx, `DELETE FROM bindings WHERE wx_user_id = ? RETURNING account_id`, id).Scan(&account)
		if err != nil && mapErr(err) != ErrNotFound {
			return err
		}
		if account != 0 { // not linked again by unionid when the user comes back
			if _, err := s.exec(ctx, tx, `UPDATE wx_users SET unlinked_at = ? WHERE id = ?`, now.UnixMilli(), id); err != nil {
				return err
			}
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM bind_tickets WHERE wx_user_id = ?`, id); err != nil {
			return err
		}
		if err := s.appendChanged(ctx, tx, now, id, 0); err != nil {
			return err
		}
		detail := fmt.Sprintf("sessions revoked: %d", len(ids))
		if account != 0 {
			detail += fmt.Sprintf("; binding to account %d removed", account)
		}
		return s.addAudit(ctx, tx, actor.event(now, "user.delete", wxUserTarget(id), detail))
	})
	if err != nil {
		return err
	}
	s.cache.dropSessions(ids)
	s.dropChanged(id, 0)
	return nil
}
