-- The overview's bind funnel counts, per UTC day, the checkBind exchanges that answered
-- "not bound" (code 301, a bind ticket issued), beside logins and binds. The users list
-- can be sorted by last login, on a keyset of (last_login_at, id).

-- +goose Up
ALTER TABLE daily_stats ADD COLUMN checkbind_unbound BIGINT NOT NULL DEFAULT 0;
CREATE INDEX wx_users_last_login ON wx_users (last_login_at, id);

-- +goose Down
DROP INDEX wx_users_last_login;
ALTER TABLE daily_stats DROP COLUMN checkbind_unbound;
