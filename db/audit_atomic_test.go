package db_test

import (
	"context"
	"github.com/pquerna/otp/totp"
	"strings"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// breakAudit makes every insert into audit_events fail from now on, as a full disk or a
// lost permission would.
func breakAudit(t *testing.T, s *db.Store) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER audit_down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit down'); END`}
	if s.Dialect() == db.DialectPostgres {
		stmts = []string{
			`CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit down'; END $$`,
			`CREATE TRIGGER audit_down BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_down()`,
		}
	}
	for _, q := range stmts {
		if _, err := s.Writer().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestNoChangeWithoutItsAudit runs every state-changing command while the audit log
// cannot be written: each must fail, and the change it carries must not have happened.
func TestNoChangeWithoutItsAudit(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Now()
		sys := db.SystemActor("test")
		ops := db.OperatorActor(db.Operator{Username: "boss"}, "198.51.100.1")

		// Fixtures, written while the audit log still works.
		amy, amySess, amyNS := login(t, s, "o_amy", "k", now)
		must(t, s.SetPhone(ctx, amy.ID, "13800000001", "86", db.UserActor(amy.ID, "")))
		liveAmy := func() int64 {
			return queryInt(t, s, `SELECT COUNT(*) FROM sessions WHERE wx_user_id = ? AND revoked_at IS NULL`, amy.ID)
		}
		op, err := s.CreateOperator(ctx, "ops", "$argon2id$old", db.RoleAdmin, sys)
		must(t, err)
		opHash := tokenHash()
		must(t, at(t, s, now).OperatorSignedIn(ctx, opHash, op, "198.51.100.1", "ua", time.Hour))
		acc, err := s.CreateAccount(ctx, "acc", "", "$argon2id$old", sys)
		must(t, err)
		execSQL(t, s, `INSERT INTO login_attempts (at, username, ip) VALUES (?, 'acc', '203.0.113.1')`, now.UnixMilli())
		free, err := s.CreateAccount(ctx, "free", "", "$argon2id$old", sys)
		must(t, err)
		ben, _, _ := login(t, s, "o_ben", "k", now)
		cal, calSess, _ := login(t, s, "o_cal", "k", now)
		must(t, s.OperatorBind(ctx, cal.ID, acc.ID, "fixture", sys))
		bound := func(wx int64) int64 { return queryInt(t, s, `SELECT COUNT(*) FROM bindings WHERE wx_user_id = ?`, wx) }
		res, _, ticket := checkBind(t, s, "o_dan", now)
		_, _, reuseNS := login(t, s, "o_eve", "k", now)
		rotated := newSession()
		if _, err := at(t, s, now).RotateRefresh(ctx, reuseNS.RefreshHash, rotated); err != nil {
			t.Fatal(err)
		}
		execSQL(t, s, `INSERT INTO operator_signin_attempts (at, username, ip) VALUES (?, 'ops', '198.51.100.1')`, now.UnixMilli())
		_, err = s.CreateApp(ctx, db.AppInput{AppID: "wxapp1", Secret: "old"}, sys)
		must(t, err)
		linkAcc, err := s.CreateAccount(ctx, "linked", "", "$argon2id$old", sys)
		must(t, err)
		fay, _, err := at(t, s, now).Login(ctx, db.LoginInput{AppID: "wxapp1", OpenID: "o_fay1", UnionID: "u_fay", Session: newSession()})
		must(t, err)
		must(t, s.OperatorBind(ctx, fay.ID, linkAcc.ID, "fixture", sys))
		appRow := func(col string) int64 {
			return queryInt(t, s, `SELECT COUNT(*) FROM apps WHERE appid = 'wxapp1' AND `+col)
		}
		blocked, _, _ := login(t, s, "o_blocked", "k", now)
		execSQL(t, s, `UPDATE wx_users SET disabled = ?, blocked_reason = 'fixture' WHERE id = ?`, true, blocked.ID)
		tf, err := s.CreateOperator(ctx, "tf", "$argon2id$old", db.RoleAdmin, sys)
		must(t, err)
		tfSecret, _ := enrolTOTP(t, s, tf)
		tfPending := tokenHash()
		must(t, s.OperatorPasswordAccepted(ctx, tfPending, tf, "198.51.100.1", "ua", time.Hour, db.StageCodeDue))
		en, err := s.CreateOperator(ctx, "en", "$argon2id$old", db.RoleViewer, sys)
		must(t, err)
		enSecret, err := db.GenerateTOTPSecret("en")
		must(t, err)
		must(t, s.BeginOperatorTOTP(ctx, en.ID, enSecret, sys))
		audits := count(t, s, "audit_events")

		breakAudit(t, s)

		for _, c := range []struct {
			name    string
			run     func() error
			changed func() bool // reads back the state the command would have changed
		}{
			{"revoke", func() error { _, err := s.RevokeSession(ctx, amySess.ID, ops); return err }, func() bool { return liveAmy() != 1 }},
			{"revoke-all", func() error { _, err := s.RevokeWxUserSessions(ctx, amy.ID, ops); return err }, func() bool { return liveAmy() != 1 }},
			{"logout", func() error { _, err := s.RevokeSession(ctx, amySess.ID, db.UserActor(amy.ID, "")); return err }, func() bool { return liveAmy() != 1 }},
			{"erase", func() error { return s.DeleteWxUser(ctx, amy.ID, ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE id = ? AND deleted_at IS NULL AND phone <> ''`, amy.ID) != 1 || liveAmy() != 1
			}},
			{"block", func() error { _, err := s.BlockWxUser(ctx, amy.ID, "spam", ops); return err }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE id = ? AND disabled`, amy.ID) != 0 || liveAmy() != 1
			}},
			{"unblock", func() error { _, err := s.UnblockWxUser(ctx, blocked.ID, ops); return err }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE id = ? AND disabled`, blocked.ID) != 1
			}},
			{"delete", func() error { return s.DeleteWxUser(ctx, amy.ID, db.UserActor(amy.ID, "")) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE id = ? AND deleted_at IS NULL`, amy.ID) != 1
			}},
			{"profile", func() error {
				_, err := s.UpdateProfile(ctx, amy.ID, db.Profile{NickName: "Changed"}, db.UserActor(amy.ID, ""))
				return err
			}, func() bool { return queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE nickname = 'Changed'`) != 0 }},
			{"avatar", func() error {
				_, err := s.SetAvatar(ctx, amy.ID, "img1", "image/jpeg", []byte("x"), db.UserActor(amy.ID, ""))
				return err
			}, func() bool {
				return count(t, s, "avatars") != 0 || queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE avatar_url <> ''`) != 0
			}},
			{"phone", func() error { return s.SetPhone(ctx, amy.ID, "13900000000", "86", db.UserActor(amy.ID, "")) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE phone = '13900000000'`) != 0
			}},
			{"phone reveal", func() error {
				phone, err := s.RevealPhone(ctx, amy.ID, ops)
				if phone != "" {
					t.Errorf("phone %q shown without its reveal on record", phone)
				}
				return err
			}, func() bool { return false }},
			{"export", func() error { return s.RecordExport(ctx, "q=x", ops) }, func() bool { return false }},
			{"audit export", func() error { return s.RecordAuditExport(ctx, "action=x", ops) }, func() bool { return false }},
			{"refresh reuse", func() error {
				_, err := at(t, s, now.Add(time.Hour)).RotateRefresh(ctx, reuseNS.RefreshHash, newSession())
				return err
			}, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM sessions WHERE refresh_hash = ? AND revoked_at IS NULL`, rotated.RefreshHash) != 1
			}},
			{"operator create", func() error { _, err := s.CreateOperator(ctx, "newop", "$argon2id$x", db.RoleViewer, ops); return err }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE username = 'newop'`) != 0
			}},
			{"operator disable", func() error { return s.SetOperatorDisabled(ctx, op.ID, true, ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE id = ? AND NOT disabled`, op.ID) != 1 || queryInt(t, s, `SELECT COUNT(*) FROM operator_sessions WHERE operator_id = ?`, op.ID) != 1
			}},
			{"operator passwd", func() error { return s.SetOperatorPassword(ctx, op.ID, "$argon2id$new", ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE password_hash = '$argon2id$new'`) != 0 || queryInt(t, s, `SELECT COUNT(*) FROM operator_sessions WHERE operator_id = ?`, op.ID) != 1
			}},
			{"sign-in", func() error {
				return at(t, s, now).OperatorSignedIn(ctx, tokenHash(), op, "198.51.100.1", "ua", time.Hour)
			}, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operator_sessions WHERE operator_id = ?`, op.ID) != 1 || count(t, s, "operator_signin_attempts") != 1
			}},
			{"operator role", func() error { return s.SetOperatorRole(ctx, op.ID, db.RoleViewer, ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE role = 'viewer' AND id = ?`, op.ID) != 0
			}},
			{"own password", func() error { return s.ChangeOwnOperatorPassword(ctx, op.ID, "$argon2id$own", opHash, 0, ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE password_hash = '$argon2id$own'`) != 0
			}},
			{"totp begin", func() error { return s.BeginOperatorTOTP(ctx, op.ID, "JBSWY3DPEHPK3PXP", ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE totp_pending IS NOT NULL AND id = ?`, op.ID) != 0
			}},
			{"totp confirm", func() error {
				code, _ := totp.GenerateCode(enSecret, now)
				_, err := s.ConfirmOperatorTOTP(ctx, en.ID, code, nil, sys)
				return err
			}, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE totp_secret IS NOT NULL AND id = ?`, en.ID) != 0
			}},
			{"totp sign-in", func() error {
				code, _ := totp.GenerateCode(tfSecret, time.Now())
				return s.OperatorSecondFactor(ctx, tfPending, tokenHash(), code, "198.51.100.1", "ua", time.Hour)
			}, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operator_sessions WHERE operator_id = ? AND stage = 0`, tf.ID) != 0
			}},
			{"totp reset", func() error { return s.ResetOperatorTOTP(ctx, tf.ID, ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE totp_secret IS NOT NULL AND id = ?`, tf.ID) != 1
			}},
			{"require totp", func() error { return s.SetRequireTOTP(ctx, true, ops) }, func() bool { return count(t, s, "console_settings") != 0 }},
			{"code failure", func() error { return s.OperatorCodeFailed(ctx, 0, "tf", "198.51.100.2") }, func() bool { return false }},
			{"sign-in failure", func() error { return s.OperatorSignInFailed(ctx, 0, "ops", "198.51.100.2") }, func() bool { return false }},
			{"sign-out", func() error { return s.SignOutOperator(ctx, opHash, ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM operator_sessions WHERE operator_id = ?`, op.ID) != 1
			}},
			{"account create", func() error { _, err := s.CreateAccount(ctx, "newacc", "", "$argon2id$x", ops); return err }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM accounts WHERE username = 'newacc'`) != 0
			}},
			{"account disable", func() error { return s.SetAccountDisabled(ctx, acc.ID, true, ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM accounts WHERE disabled`) != 0
			}},
			{"account passwd", func() error { return s.SetAccountPassword(ctx, acc.ID, "$argon2id$new", ops) }, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM accounts WHERE password_hash = '$argon2id$new'`) != 0
			}},
			{"account unlock", func() error { _, err := s.UnlockAccount(ctx, "acc", ops); return err }, func() bool { return count(t, s, "login_attempts") != 1 }},
			{"account import", func() error {
				_, err := s.ImportAccounts(ctx, []db.AccountImport{{Line: 2, Username: "imported", PasswordHash: importHash}}, ops)
				return err
			}, func() bool { return queryInt(t, s, `SELECT COUNT(*) FROM accounts WHERE username = 'imported'`) != 0 }},
			{"operator bind", func() error { return s.OperatorBind(ctx, ben.ID, free.ID, "x", ops) }, func() bool { return bound(ben.ID) != 0 }},
			{"operator unbind", func() error { return s.OperatorUnbind(ctx, cal.ID, "x", ops) }, func() bool { return bound(cal.ID) != 1 }},
			{"app create", func() error { _, err := s.CreateApp(ctx, db.AppInput{AppID: "wxapp2", Secret: "x"}, ops); return err }, func() bool {
				return count(t, s, "apps") != 1
			}},
			{"app disable", func() error { return s.SetAppEnabled(ctx, "wxapp1", false, ops) }, func() bool { return appRow("enabled") != 1 }},
			{"app link", func() error { return s.SetAppLinkUnionID(ctx, "wxapp1", false, ops) }, func() bool { return appRow("link_unionid") != 1 }},
			{"app rename", func() error { return s.SetAppName(ctx, "wxapp1", "new", ops) }, func() bool { return appRow("name = 'new'") != 0 }},
			{"app secret", func() error { return s.SetAppSecret(ctx, "wxapp1", "new", ops) }, func() bool {
				a, err := s.AppByID(ctx, "wxapp1")
				return err != nil || a.Secret() != "old"
			}},
			{"login linked by unionid", func() error {
				_, _, err := at(t, s, now).Login(ctx, db.LoginInput{AppID: "wxapp3", OpenID: "o_fay3", UnionID: "u_fay", Session: newSession()})
				return err
			}, func() bool {
				return queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE openid = 'o_fay3'`) != 0
			}},
			{"bind", func() error {
				_, err := at(t, s, now).Bind(ctx, bindInput(ticket, res.User.ID, free.ID, "free"))
				return err
			}, func() bool {
				return bound(res.User.ID) != 0 || queryInt(t, s, `SELECT COUNT(*) FROM bind_tickets WHERE used_at IS NULL`) != 1
			}},
			{"unbind", func() error {
				ns := newSession()
				_, err := at(t, s, now).Unbind(ctx, db.UnbindInput{WxUserID: cal.ID, SessionID: calSess.ID, Session: &ns, Actor: db.UserActor(cal.ID, "")})
				return err
			}, func() bool {
				return bound(cal.ID) != 1 || queryInt(t, s, `SELECT COUNT(*) FROM sessions WHERE id = ? AND revoked_at IS NULL`, calSess.ID) != 1
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := c.run()
				if err == nil || !strings.Contains(err.Error(), "audit down") {
					t.Errorf("command with no audit log: err %v, want the audit failure", err)
				}
				if c.changed() {
					t.Error("the change happened without its audit event")
				}
			})
		}
		if n := count(t, s, "audit_events"); n != audits {
			t.Fatalf("audit rows %d, want %d", n, audits)
		}
		// The tokens of every fixture session still work: nothing was revoked.
		if _, err := at(t, s, now).CheckToken(ctx, amyNS.TokenHash); err != nil {
			t.Fatalf("amy's token: %v", err)
		}
	})
}
