-- The SQLite twin of the PostgreSQL migration with the same version: same tables,
-- columns and index names. Booleans are INTEGER 0/1; ids never get reused (AUTOINCREMENT),
-- as with BIGSERIAL, because the revocations feed and audit targets name rows by id.
-- Every time is unix milliseconds in a BIGINT; NULL means "never" (not deleted, not revoked).
-- Token, ticket and session hashes are SHA-256 digests; raw secrets are never stored.

-- +goose Up
CREATE TABLE wx_users (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    appid                  TEXT    NOT NULL,
    openid                 TEXT    NOT NULL,
    unionid                TEXT,
    session_key            TEXT    NOT NULL DEFAULT '',
    prev_session_key       TEXT    NOT NULL DEFAULT '',
    session_key_rotated_at BIGINT,
    nickname               TEXT    NOT NULL DEFAULT '',
    avatar_url             TEXT    NOT NULL DEFAULT '',
    gender                 INTEGER NOT NULL DEFAULT 0,
    province               TEXT    NOT NULL DEFAULT '',
    city                   TEXT    NOT NULL DEFAULT '',
    country                TEXT    NOT NULL DEFAULT '',
    language               TEXT    NOT NULL DEFAULT '',
    phone                  TEXT    NOT NULL DEFAULT '',
    phone_country_code     TEXT    NOT NULL DEFAULT '',
    created_at             BIGINT  NOT NULL,
    last_login_at          BIGINT  NOT NULL,
    disabled               INTEGER NOT NULL DEFAULT 0,
    deleted_at             BIGINT
);
CREATE UNIQUE INDEX wx_users_appid_openid ON wx_users (appid, openid);
CREATE INDEX wx_users_unionid ON wx_users (unionid);
CREATE INDEX wx_users_created_at ON wx_users (created_at, id);
CREATE INDEX wx_users_phone ON wx_users (phone);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX accounts_username ON accounts (username);

CREATE TABLE bindings (
    wx_user_id BIGINT NOT NULL PRIMARY KEY REFERENCES wx_users (id),
    appid      TEXT   NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    created_by TEXT   NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX bindings_appid_account ON bindings (appid, account_id);
CREATE INDEX bindings_account ON bindings (account_id);
CREATE INDEX bindings_created_at ON bindings (created_at, wx_user_id);

CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash        BLOB   NOT NULL,
    refresh_hash      BLOB   NOT NULL,
    wx_user_id        BIGINT NOT NULL REFERENCES wx_users (id),
    account_id        BIGINT REFERENCES accounts (id),
    appid             TEXT   NOT NULL,
    ip                TEXT   NOT NULL DEFAULT '',
    user_agent        TEXT   NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    last_seen_at      BIGINT NOT NULL,
    access_expires_at BIGINT NOT NULL,
    idle_expires_at   BIGINT NOT NULL,
    max_expires_at    BIGINT NOT NULL,
    revoked_at        BIGINT,
    revoked_by        TEXT   NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE UNIQUE INDEX sessions_refresh_hash ON sessions (refresh_hash);
CREATE INDEX sessions_wx_user ON sessions (wx_user_id);
-- Partial where most rows are NULL: a login then writes fewer index pages.
CREATE INDEX sessions_account ON sessions (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX sessions_idle_expires_at ON sessions (idle_expires_at);
CREATE INDEX sessions_max_expires_at ON sessions (max_expires_at);
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE refresh_tokens (
    hash       BLOB   NOT NULL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    used_at    BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE revocations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX revocations_at ON revocations (at);

CREATE TABLE bind_tickets (
    hash       BLOB    NOT NULL PRIMARY KEY,
    wx_user_id BIGINT  NOT NULL REFERENCES wx_users (id) ON DELETE CASCADE,
    appid      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    used_at    BIGINT
);
CREATE INDEX bind_tickets_wx_user ON bind_tickets (wx_user_id);
CREATE INDEX bind_tickets_expires_at ON bind_tickets (expires_at);

CREATE TABLE operators (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    last_login_at BIGINT
);
CREATE UNIQUE INDEX operators_username ON operators (username);

CREATE TABLE operator_sessions (
    hash         BLOB   NOT NULL PRIMARY KEY,
    operator_id  BIGINT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    ip           TEXT   NOT NULL DEFAULT '',
    user_agent   TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);
CREATE INDEX operator_sessions_expires_at ON operator_sessions (expires_at);

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,
    actor_type TEXT   NOT NULL,
    actor_id   TEXT   NOT NULL DEFAULT '',
    action     TEXT   NOT NULL,
    target     TEXT   NOT NULL DEFAULT '',
    ip         TEXT   NOT NULL DEFAULT '',
    detail     TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at, id);
CREATE INDEX audit_events_target ON audit_events (target, at);
CREATE INDEX audit_events_action ON audit_events (action, at);

-- One row per failed password attempt; throttling counts rows per key in a window.
CREATE TABLE login_attempts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,
    username   TEXT   NOT NULL,
    ip         TEXT   NOT NULL DEFAULT '',
    wx_user_id BIGINT
);
CREATE INDEX login_attempts_username ON login_attempts (username, at);
CREATE INDEX login_attempts_at ON login_attempts (at);

-- Per-day counters for the overview. Writers spread over a few shards per day so that
-- concurrent logins do not queue behind one row lock; readers sum the shards.
CREATE TABLE daily_stats (
    day       TEXT    NOT NULL,
    shard     INTEGER NOT NULL DEFAULT 0,
    logins    BIGINT  NOT NULL DEFAULT 0,
    binds     BIGINT  NOT NULL DEFAULT 0,
    new_users BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (day, shard)
);

CREATE TABLE avatars (
    hash         TEXT   NOT NULL PRIMARY KEY,
    content_type TEXT   NOT NULL,
    data         BLOB   NOT NULL,
    created_at   BIGINT NOT NULL
);

-- +goose Down
DROP TABLE avatars;
DROP TABLE daily_stats;
DROP TABLE login_attempts;
DROP TABLE audit_events;
DROP TABLE operator_sessions;
DROP TABLE operators;
DROP TABLE bind_tickets;
DROP TABLE revocations;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE bindings;
DROP TABLE accounts;
DROP TABLE wx_users;
