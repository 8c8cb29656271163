-- Several mini-programs in one deployment. Each row is one AppID with its AppSecret sealed
-- under the key ring (like session_keys: `<kid>.<base64url(nonce || ciphertext)>`), so a
-- copy of the database alone does not carry the secret. enabled = FALSE refuses the app's
-- logins; link_unionid = TRUE lets a login in this app take over the binding the same person
-- (same unionid) made in another app.
--
-- wx_users.unlinked_at is when the user's binding was removed (unbind, account
-- cancellation): such a user is not linked again by unionid; binding is then theirs to do.
--
-- The revocations feed also says "the apps changed": such a row has session_id 0 and names
-- the appid; every instance reloads its list of apps when it reads one.

-- +goose Up
CREATE TABLE apps (
    appid        TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL DEFAULT '',
    secret       TEXT    NOT NULL,
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    link_unionid BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
ALTER TABLE revocations ADD COLUMN appid TEXT;
ALTER TABLE wx_users ADD COLUMN unlinked_at BIGINT;

-- +goose Down
ALTER TABLE wx_users DROP COLUMN unlinked_at;
ALTER TABLE revocations DROP COLUMN appid;
DROP TABLE apps;
