-- Fewer index writes per login. A first login inserts a user and a session, and every
-- index of the two tables takes an entry. Three of those entries served nothing:
-- sessions_wx_user (wx_user_id) repeats the leading column of sessions_wx_user_id
-- (wx_user_id, id), which answers every query it did; and most users have no phone
-- number and many no unionid, yet wx_users_phone and wx_users_unionid held an entry for
-- each empty one. The two become partial indexes of the users who have one: lookups by
-- phone say "phone <> ''" and lookups by unionid compare it with a value, which implies
-- "unionid IS NOT NULL", so both still use them.

-- +goose Up
DROP INDEX sessions_wx_user;
DROP INDEX wx_users_phone;
CREATE INDEX wx_users_phone ON wx_users (phone) WHERE phone <> '';
DROP INDEX wx_users_unionid;
CREATE INDEX wx_users_unionid ON wx_users (unionid) WHERE unionid IS NOT NULL;

-- +goose Down
DROP INDEX wx_users_unionid;
CREATE INDEX wx_users_unionid ON wx_users (unionid);
DROP INDEX wx_users_phone;
CREATE INDEX wx_users_phone ON wx_users (phone);
CREATE INDEX sessions_wx_user ON sessions (wx_user_id);
