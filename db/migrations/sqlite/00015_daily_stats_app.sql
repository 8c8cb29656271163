-- The day counters per mini-program, so that the overview can show one app or all. Rows
-- from before have appid '' (counted before apps were told apart): they count in "all"
-- only. SQLite cannot change a primary key: the table is rebuilt.

-- +goose Up
CREATE TABLE daily_stats_app (
    day       TEXT    NOT NULL,
    appid     TEXT    NOT NULL DEFAULT '',
    shard     INTEGER NOT NULL DEFAULT 0,
    logins    BIGINT  NOT NULL DEFAULT 0,
    binds     BIGINT  NOT NULL DEFAULT 0,
    new_users BIGINT  NOT NULL DEFAULT 0,
    checkbind_unbound BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, appid, shard)
);
INSERT INTO daily_stats_app (day, appid, shard, logins, binds, new_users, checkbind_unbound)
    SELECT day, '', shard, logins, binds, new_users, checkbind_unbound FROM daily_stats;
DROP TABLE daily_stats;
ALTER TABLE daily_stats_app RENAME TO daily_stats;

-- +goose Down
CREATE TABLE daily_stats_day (
    day       TEXT    NOT NULL,
    shard     INTEGER NOT NULL DEFAULT 0,
    logins    BIGINT  NOT NULL DEFAULT 0,
    binds     BIGINT  NOT NULL DEFAULT 0,
    new_users BIGINT  NOT NULL DEFAULT 0,
    checkbind_unbound BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, shard)
);
INSERT INTO daily_stats_day (day, shard, logins, binds, new_users, checkbind_unbound)
    SELECT day, shard, SUM(logins), SUM(binds), SUM(new_users), SUM(checkbind_unbound) FROM daily_stats GROUP BY day, shard;
DROP TABLE daily_stats;
ALTER TABLE daily_stats_day RENAME TO daily_stats;
