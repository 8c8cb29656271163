package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// The SQL of a login that needs nothing but an insert or an update of its user, shared by
// PostgreSQL's batch statement (loginsStatementPostgres) and SQLite's quick upsert
// (quickUpsertSQLite). A login that needs more — a user blocked, erased, bound to a
// disabled account or learning a unionid, a session_key fingerprint missing or made
// under an older key, a unionid that may link the user to an account — is turned down
// by quickLoginWhere or by linkableUnionID and goes the careful way (upsertWxUser,
// linkByUnionID).

// quickLoginSet is the SET of such an update of user row w: the last login time, and the
// session_key rotated (the old one kept as the previous key) when the fingerprints
// differ. key, mac and at are the SQL of the new sealed key, its fingerprint (NULL: no
// key came) and the login's time. quickLoginWhere makes sure both fingerprints are made
// under the newest key, so they differ exactly when the keys do.
func quickLoginSet(w, key, mac, at string) string {
	changed := mac + ` <> ` + w + `.session_key_mac`
	return `last_login_at = ` + at + `,
		prev_session_key = CASE WHEN ` + changed + ` THEN ` + w + `.session_key ELSE ` + w + `.prev_session_key END,
		session_key_rotated_at = CASE WHEN ` + changed + ` THEN ` + at + ` ELSE ` + w + `.session_key_rotated_at END,
		session_key = CASE WHEN ` + changed + ` THEN ` + key + ` ELSE ` + w + `.session_key END,
		session_key_mac = COALESCE(` + mac + `, ` + w + `.session_key_mac)`
}

// quickLoginWhere is the condition on user row w under which quickLoginSet is the whole
// update: union and mac are the SQL of the login's unionid and fingerprint (NULL: none).
// It takes two arguments: the length of the newest key's fingerprint prefix and the
// prefix (Keyring.FingerprintPrefix).
func quickLoginWhere(w, union, mac string) string {
	return `NOT ` + w + `.disabled AND ` + w + `.deleted_at IS NULL
		AND (` + union + ` IS NULL OR ` + union + ` = ` + w + `.unionid)
		AND (` + mac + ` IS NULL OR substr(` + w + `.session_key_mac, 1, ?) = ?)
		AND NOT EXISTS (SELECT 1 FROM bindings b JOIN accounts a ON a.id = b.account_id
			WHERE b.wx_user_id = ` + w + `.id AND a.disabled)
		AND (` + w + `.unionid IS NULL OR EXISTS (SELECT 1 FROM bindings b WHERE b.wx_user_id = ` + w + `.id)
			OR NOT ` + linkableUnionID(w+".unionid", w+".appid") + `)`
}

// linkableUnionID is true when someone of unionid union is bound in an app other than
// app: linkByUnionID may then bind the user, so the login goes the careful way.
func linkableUnionID(union, app string) string {
	return `EXISTS (SELECT 1 FROM wx_users o JOIN bindings b ON b.wx_user_id = o.id
		WHERE o.unionid = ` + union + ` AND o.appid <> ` + app + `)`
}

// SQLite's quick upsert: an update of a returning user, else an insert of a new one.
var (
	quickUpdateSQLite = `UPDATE wx_users SET ` + quickLoginSet("wx_users", "n.sealed", "n.mac", "n.at") + `
		FROM (SELECT ? AS sealed, ? AS mac, ? AS at, ? AS union_id) AS n
		WHERE wx_users.appid = ? AND wx_users.openid = ?
		AND ` + quickLoginWhere("wx_users", "n.union_id", "n.mac") + `
		RETURNING ` + wxUserColumns + `, COALESCE((SELECT b.account_id FROM bindings b WHERE b.wx_user_id = wx_users.id), 0)`
	quickInsertSQLite = `INSERT INTO wx_users (appid, openid, unionid, session_key, session_key_mac, created_at, last_login_at)
		SELECT ?, ?, ?, ?, ?, ?, ? WHERE ? IS NULL OR NOT ` + linkableUnionID("?", "?") + `
		ON CONFLICT (appid, openid) DO NOTHING
		RETURNING ` + wxUserColumns
)

// quickUpsertSQLite is upsertWxUser for a login that needs nothing more (see
// quickLoginWhere) on SQLite, inside tx: one statement for a returning user, two for a
// new one, where upsertWxUser and linkByUnionID take two to four. ok is false when the
// login needs more; nothing was written then.
func (s *Store) quickUpsertSQLite(ctx context.Context, tx *sqlx.Tx, in LoginInput, sealed string, now time.Time) (u WxUser, bound int64, newUser, ok bool, err error) {
	union, mac, nowMS := nullString(in.UnionID), s.keyFingerprint(in.SessionKey), now.UnixMilli()
	prefix := s.keys.FingerprintPrefix()
	var key, prev string
	err = s.row(ctx, tx, quickUpdateSQLite, sealed, mac, nowMS, union, in.AppID, in.OpenID, len(prefix), prefix).
		Scan(append(wxUserDest(&u, &key, &prev), &bound)...)
	if mapErr(err) == ErrNotFound {
		newUser = true
		err = s.row(ctx, tx, quickInsertSQLite, in.AppID, in.OpenID, union, sealed, mac, nowMS, nowMS,
			union, union, in.AppID).Scan(wxUserDest(&u, &key, &prev)...)
	}
	if mapErr(err) == ErrNotFound {
		return WxUser{}, 0, false, false, nil
	}
	if err != nil {
		return WxUser{}, 0, false, false, err
	}
	if err := s.openWxUserKeys(&u, key, prev); err != nil {
		return WxUser{}, 0, false, false, err
	}
	return u, bound, newUser, true, nil
}
