-- The per-IP login limit, shared by every instance: logins admitted per client address in
-- each fixed one-minute window. Instances count in memory and add their new admissions
-- here about once a second, reading the cluster's totals back (db/login_rate.go). The
-- window comes first in the key so the cleanup deletes old windows by range.

-- +goose Up
CREATE TABLE login_rate (
    window_start BIGINT NOT NULL,
    ip           TEXT   NOT NULL,
    count        BIGINT NOT NULL,
    PRIMARY KEY (window_start, ip)
);

-- +goose Down
DROP TABLE login_rate;
