-- Nickname search for terms of one or two characters, which the FTS5 trigram table cannot
-- look up: nickname_grams holds every distinct 1- and 2-character substring (by code point,
-- lower-cased by lower(), which folds ASCII letters as the trigram table does) of each
-- nickname, keyed by (gram, user id), so a short term is one primary-key range. Triggers
-- keep it in step with wx_users; a console erase empties the nickname, which empties its
-- grams. SQLite has no set-returning split, so each trigger numbers the positions with a
-- recursive CTE inside a subquery (a trigger body may not start with WITH).

-- +goose Up
CREATE TABLE nickname_grams (
    gram       TEXT    NOT NULL,
    wx_user_id INTEGER NOT NULL,
    PRIMARY KEY (gram, wx_user_id)
) WITHOUT ROWID;

-- +goose StatementBegin
CREATE TRIGGER nickname_grams_insert AFTER INSERT ON wx_users WHEN new.nickname <> '' BEGIN
    INSERT OR IGNORE INTO nickname_grams (gram, wx_user_id)
        SELECT lower(substr(new.nickname, p.n, k.k)), new.id
        FROM (WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < length(new.nickname))
              SELECT n FROM i) p, (SELECT 1 AS k UNION ALL SELECT 2) k
        WHERE p.n + k.k - 1 <= length(new.nickname);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER nickname_grams_update AFTER UPDATE OF nickname ON wx_users
WHEN old.nickname IS NOT new.nickname BEGIN
    DELETE FROM nickname_grams WHERE wx_user_id = old.id AND gram IN (
        SELECT lower(substr(old.nickname, p.n, k.k))
        FROM (WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < length(old.nickname))
              SELECT n FROM i) p, (SELECT 1 AS k UNION ALL SELECT 2) k
        WHERE p.n + k.k - 1 <= length(old.nickname));
    INSERT OR IGNORE INTO nickname_grams (gram, wx_user_id)
        SELECT lower(substr(new.nickname, p.n, k.k)), new.id
        FROM (WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < length(new.nickname))
              SELECT n FROM i) p, (SELECT 1 AS k UNION ALL SELECT 2) k
        WHERE new.nickname <> '' AND p.n + k.k - 1 <= length(new.nickname);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER nickname_grams_delete AFTER DELETE ON wx_users WHEN old.nickname <> '' BEGIN
    DELETE FROM nickname_grams WHERE wx_user_id = old.id AND gram IN (
        SELECT lower(substr(old.nickname, p.n, k.k))
        FROM (WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < length(old.nickname))
              SELECT n FROM i) p, (SELECT 1 AS k UNION ALL SELECT 2) k
        WHERE p.n + k.k - 1 <= length(old.nickname));
END;
-- +goose StatementEnd

INSERT OR IGNORE INTO nickname_grams (gram, wx_user_id)
    WITH RECURSIVE i(n) AS (
        SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < (SELECT MAX(length(nickname)) FROM wx_users))
    SELECT lower(substr(u.nickname, i.n, k.k)), u.id
    FROM wx_users u, i, (SELECT 1 AS k UNION ALL SELECT 2) k
    WHERE u.nickname <> '' AND u.deleted_at IS NULL AND i.n + k.k - 1 <= length(u.nickname);

-- +goose Down
DROP TRIGGER nickname_grams_delete;
DROP TRIGGER nickname_grams_update;
DROP TRIGGER nickname_grams_insert;
DROP TABLE nickname_grams;
