-- The SQLite twin of the PostgreSQL migration with the same version: accounts search
-- without reading every account. A username is searched by prefix, a range on the
-- accounts_username index (BINARY collation is byte order; the index holds the rowid, so
-- the range is read from the index alone). A name is searched by substring, as nicknames
-- are (00002, 00007): an FTS5 trigram table (external content, rows with an empty name
-- left out) for three characters or more, and account_name_grams for one or two, every
-- distinct 1- and 2-character substring of lower(name) keyed by (gram, account id), so a
-- short term is one primary-key range walked newest first. Triggers keep both in step
-- with accounts; each update trigger removes the old text and adds the new in one body,
-- in that order (see 00003).

-- +goose Up
CREATE VIRTUAL TABLE accounts_fts USING fts5(name, content='accounts', content_rowid='id', tokenize='trigram');
INSERT INTO accounts_fts (rowid, name) SELECT id, name FROM accounts WHERE name <> '';

CREATE TABLE account_name_grams (
    gram       TEXT    NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (gram, account_id)
) WITHOUT ROWID;

-- +goose StatementBegin
CREATE TRIGGER account_search_insert AFTER INSERT ON accounts WHEN new.name <> '' BEGIN
    INSERT INTO accounts_fts (rowid, name) VALUES (new.id, new.name);
    INSERT OR IGNORE INTO account_name_grams (gram, account_id)
        SELECT lower(substr(new.name, p.n, k.k)), new.id
        FROM (WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < length(new.name))
              SELECT n FROM i) p, (SELECT 1 AS k UNION ALL SELECT 2) k
        WHERE p.n + k.k - 1 <= length(new.name);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER account_search_update AFTER UPDATE OF name ON accounts
WHEN old.name IS NOT new.name BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, name)
        SELECT 'delete', old.id, old.name WHERE old.name <> '';
    INSERT INTO accounts_fts (rowid, name)
        SELECT new.id, new.name WHERE new.name <> '';
    DELETE FROM account_name_grams WHERE account_id = old.id AND gram IN (
        SELECT lower(substr(old.name, p.n, k.k))
        FROM (WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < length(old.name))
              SELECT n FROM i) p, (SELECT 1 AS k UNION ALL SELECT 2) k
        WHERE p.n + k.k - 1 <= length(old.name));
    INSERT OR IGNORE INTO account_name_grams (gram, account_id)
        SELECT lower(substr(new.name, p.n, k.k)), new.id
        FROM (WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < length(new.name))
              SELECT n FROM i) p, (SELECT 1 AS k UNION ALL SELECT 2) k
        WHERE new.name <> '' AND p.n + k.k - 1 <= length(new.name);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER account_search_delete AFTER DELETE ON accounts WHEN old.name <> '' BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, name) VALUES ('delete', old.id, old.name);
    DELETE FROM account_name_grams WHERE account_id = old.id AND gram IN (
        SELECT lower(substr(old.name, p.n, k.k))
        FROM (WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < length(old.name))
              SELECT n FROM i) p, (SELECT 1 AS k UNION ALL SELECT 2) k
        WHERE p.n + k.k - 1 <= length(old.name));
END;
-- +goose StatementEnd

INSERT OR IGNORE INTO account_name_grams (gram, account_id)
    WITH RECURSIVE i(n) AS (
        SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < (SELECT MAX(length(name)) FROM accounts))
    SELECT lower(substr(a.name, i.n, k.k)), a.id
    FROM accounts a, i, (SELECT 1 AS k UNION ALL SELECT 2) k
    WHERE a.name <> '' AND i.n + k.k - 1 <= length(a.name);

-- +goose Down
DROP TRIGGER account_search_delete;
DROP TRIGGER account_search_update;
DROP TRIGGER account_search_insert;
DROP TABLE account_name_grams;
DROP TABLE accounts_fts;
