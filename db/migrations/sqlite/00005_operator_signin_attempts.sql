-- Failed console sign-ins, shared by every instance: one row per try that passed the
-- limits (reserved before the password hash runs, forgotten by a success). The console
-- throttles by username and by client IP over a window (db/operator_signin.go).

-- +goose Up
CREATE TABLE operator_signin_attempts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,
    username   TEXT   NOT NULL,
    ip         TEXT   NOT NULL
);
CREATE INDEX operator_signin_attempts_username ON operator_signin_attempts (username, at);
CREATE INDEX operator_signin_attempts_ip ON operator_signin_attempts (ip, at);

-- +goose Down
DROP TABLE operator_signin_attempts;
