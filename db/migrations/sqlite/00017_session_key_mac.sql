-- A fingerprint of each user's current session_key, so that PostgreSQL can tell in one
-- statement whether a login brings a new key (the old one is then kept as the previous
-- key) without opening the sealed key in the server: "<kid>.<HMAC-SHA256 of the key under
-- a subkey of key kid, 16 bytes, base64url>". NULL until the user's next login writes it;
-- a login finding it NULL or made with an older key compares the sealed key instead.

-- +goose Up
ALTER TABLE wx_users ADD COLUMN session_key_mac TEXT;

-- +goose Down
ALTER TABLE wx_users DROP COLUMN session_key_mac;
