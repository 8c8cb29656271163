-- Accounts search without reading every account. A username is searched by prefix: a
-- range on an index in byte order (COLLATE "C", whatever the database's collation), with
-- the id beside it so the range is read from the index alone. A name is searched by
-- substring, as nicknames are (00002, 00007): pg_trgm's GIN index for three characters or
-- more, and account_name_grams for one or two, every distinct 1- and 2-character
-- substring of lower(name) keyed by (gram, account id), so a short term is one
-- primary-key range walked newest first. A trigger keeps the grams in step with accounts.

-- +goose Up
CREATE INDEX accounts_username_c ON accounts (username COLLATE "C", id);
CREATE INDEX accounts_name_trgm ON accounts USING gin (name gin_trgm_ops);

CREATE TABLE account_name_grams (
    gram       TEXT   NOT NULL,
    account_id BIGINT NOT NULL,
    PRIMARY KEY (gram, account_id)
);

-- +goose StatementBegin
CREATE FUNCTION account_name_grams_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.name <> '' THEN
        DELETE FROM account_name_grams
        WHERE account_id = OLD.id AND gram IN (SELECT nickname_grams_of(OLD.name));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.name <> '' THEN
        INSERT INTO account_name_grams (gram, account_id)
        SELECT g, NEW.id FROM nickname_grams_of(NEW.name) g
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER account_name_grams_insert AFTER INSERT ON accounts
    FOR EACH ROW EXECUTE FUNCTION account_name_grams_sync();
CREATE TRIGGER account_name_grams_update AFTER UPDATE OF name ON accounts
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION account_name_grams_sync();
CREATE TRIGGER account_name_grams_delete AFTER DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION account_name_grams_sync();

INSERT INTO account_name_grams (gram, account_id)
SELECT g, a.id FROM accounts a, nickname_grams_of(a.name) g
WHERE a.name <> ''
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TRIGGER account_name_grams_delete ON accounts;
DROP TRIGGER account_name_grams_update ON accounts;
DROP TRIGGER account_name_grams_insert ON accounts;
DROP FUNCTION account_name_grams_sync();
DROP TABLE account_name_grams;
DROP INDEX accounts_name_trgm;
DROP INDEX accounts_username_c;
