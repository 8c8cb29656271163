-- Operator security: two-factor sign-in (TOTP, RFC 6238) with single-use recovery codes,
-- the console-wide "require two-factor" setting, and the stage of a console session that
-- still owes a second factor or an enrolment (db/operator_totp.go).

-- +goose Up
-- totp_secret and totp_pending are sealed with the key ring (like session keys);
-- totp_last_step is the last accepted time step (codes are single-use within it).
ALTER TABLE operators ADD COLUMN totp_secret TEXT;
ALTER TABLE operators ADD COLUMN totp_pending TEXT;
ALTER TABLE operators ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
-- 0: signed in; 1: password accepted, TOTP code due; 2: must enrol in two-factor sign-in.
ALTER TABLE operator_sessions ADD COLUMN stage SMALLINT NOT NULL DEFAULT 0;

CREATE TABLE operator_recovery_codes (
    id          BIGSERIAL PRIMARY KEY,
    operator_id BIGINT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    hash        BYTEA  NOT NULL,
    used_at     BIGINT
);
CREATE UNIQUE INDEX operator_recovery_codes_hash ON operator_recovery_codes (operator_id, hash);

CREATE TABLE console_settings (
    name       TEXT   NOT NULL PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE console_settings;
DROP TABLE operator_recovery_codes;
ALTER TABLE operator_sessions DROP COLUMN stage;
ALTER TABLE operators DROP COLUMN totp_last_step;
ALTER TABLE operators DROP COLUMN totp_pending;
ALTER TABLE operators DROP COLUMN totp_secret;
