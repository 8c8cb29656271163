-- The day counters per mini-program, so that the overview can show one app or all. Rows
-- from before have appid '' (counted before apps were told apart): they count in "all"
-- only.

-- +goose Up
ALTER TABLE daily_stats ADD COLUMN appid TEXT NOT NULL DEFAULT '';
ALTER TABLE daily_stats DROP CONSTRAINT daily_stats_pkey;
ALTER TABLE daily_stats ADD PRIMARY KEY (day, appid, shard);

-- +goose Down
DELETE FROM daily_stats WHERE appid <> '';
ALTER TABLE daily_stats DROP CONSTRAINT daily_stats_pkey;
ALTER TABLE daily_stats ADD PRIMARY KEY (day, shard);
ALTER TABLE daily_stats DROP COLUMN appid;
