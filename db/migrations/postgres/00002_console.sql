-- The operator console's search and list indexes. Lists are keyset-paginated by id, so
-- most filters ride the primary key; these cover the lookups that would otherwise scan.

-- +goose Up
-- Nickname substring search: a trigram GIN index serves ILIKE '%q%' for q of three or
-- more characters. pg_trgm is a trusted extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX wx_users_nickname_trgm ON wx_users USING gin (nickname gin_trgm_ops);
-- Exact openid search without the appid (the unique index leads with appid).
CREATE INDEX wx_users_openid ON wx_users (openid);
-- Sparse filters of the users page.
CREATE INDEX wx_users_disabled ON wx_users (id) WHERE disabled;
CREATE INDEX wx_users_has_phone ON wx_users (id) WHERE phone <> '';
-- Sessions page filters: by WeChat user and by IP, newest first.
CREATE INDEX sessions_wx_user_id ON sessions (wx_user_id, id);
CREATE INDEX sessions_ip ON sessions (ip, id);
-- Audit page and user detail: events of one target, action or actor, newest first.
CREATE INDEX audit_events_target_id ON audit_events (target, id);
CREATE INDEX audit_events_action_id ON audit_events (action, id);
CREATE INDEX audit_events_actor_id ON audit_events (actor_type, actor_id, id);

-- +goose Down
DROP INDEX audit_events_actor_id;
DROP INDEX audit_events_action_id;
DROP INDEX audit_events_target_id;
DROP INDEX sessions_ip;
DROP INDEX sessions_wx_user_id;
DROP INDEX wx_users_has_phone;
DROP INDEX wx_users_disabled;
DROP INDEX wx_users_openid;
DROP INDEX wx_users_nickname_trgm;
