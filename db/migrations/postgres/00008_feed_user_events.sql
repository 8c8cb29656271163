-- The revocations feed also says "this user's (or account's) shown data changed": such a
-- row has session_id 0 and names wx_user_id or account_id. Every instance's follower then
-- drops that user or account from its in-memory cache (db/usercache.go), as it drops the
-- sessions other rows name. Old rows keep both columns NULL.

-- +goose Up
ALTER TABLE revocations ADD COLUMN wx_user_id BIGINT;
ALTER TABLE revocations ADD COLUMN account_id BIGINT;

-- +goose Down
ALTER TABLE revocations DROP COLUMN account_id;
ALTER TABLE revocations DROP COLUMN wx_user_id;
