-- The per-IP login limit, shared by every instance: logins admitted per client address in
-- each fixed one-minute window. Instances count in memory and add their new admissions
-- here about once a second, reading back the cluster's totals of those addresses and of
-- every address near the limit (db/login_rate.go). The window comes first in the key so
-- the cleanup deletes old windows by range.

-- +goose Up
CREATE TABLE login_rate (
    window_start BIGINT NOT NULL,
    ip           TEXT   NOT NULL,
    count        BIGINT NOT NULL,
    PRIMARY KEY (window_start, ip)
);
CREATE INDEX login_rate_hot ON login_rate (window_start, count);

-- +goose Down
DROP TABLE login_rate;
