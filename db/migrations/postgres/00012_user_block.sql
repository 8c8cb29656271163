-- An operator blocks a WeChat user with a reason (wx_users.disabled is the block): the
-- reason and the time are kept beside it, for the console and the on-call.

-- +goose Up
ALTER TABLE wx_users ADD COLUMN blocked_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE wx_users ADD COLUMN blocked_at BIGINT;

-- +goose Down
ALTER TABLE wx_users DROP COLUMN blocked_at;
ALTER TABLE wx_users DROP COLUMN blocked_reason;
