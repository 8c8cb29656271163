-- Nickname search for terms of one or two characters, which the trigram index cannot look
-- up: nickname_grams holds every distinct 1- and 2-character substring (by code point,
-- lower-cased by lower(), as ILIKE folds case) of each nickname, keyed by (gram, user id),
-- so a short term is one primary-key range. A trigger keeps it in step with wx_users; a
-- console erase empties the nickname, which empties its grams.

-- +goose Up
CREATE TABLE nickname_grams (
    gram       TEXT   NOT NULL,
    wx_user_id BIGINT NOT NULL,
    PRIMARY KEY (gram, wx_user_id)
);

-- +goose StatementBegin
CREATE FUNCTION nickname_grams_of(s TEXT) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT lower(substr(s, i, k))
    FROM generate_series(1, char_length(s)) i, (VALUES (1), (2)) g(k)
    WHERE i + k - 1 <= char_length(s)
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION nickname_grams_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.nickname <> '' THEN
        DELETE FROM nickname_grams
        WHERE wx_user_id = OLD.id AND gram IN (SELECT nickname_grams_of(OLD.nickname));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.nickname <> '' THEN
        INSERT INTO nickname_grams (gram, wx_user_id)
        SELECT g, NEW.id FROM nickname_grams_of(NEW.nickname) g
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER nickname_grams_insert AFTER INSERT ON wx_users
    FOR EACH ROW EXECUTE FUNCTION nickname_grams_sync();
CREATE TRIGGER nickname_grams_update AFTER UPDATE OF nickname ON wx_users
    FOR EACH ROW WHEN (OLD.nickname IS DISTINCT FROM NEW.nickname) EXECUTE FUNCTION nickname_grams_sync();
CREATE TRIGGER nickname_grams_delete AFTER DELETE ON wx_users
    FOR EACH ROW EXECUTE FUNCTION nickname_grams_sync();

INSERT INTO nickname_grams (gram, wx_user_id)
SELECT g, u.id FROM wx_users u, nickname_grams_of(u.nickname) g
WHERE u.nickname <> '' AND u.deleted_at IS NULL
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TRIGGER nickname_grams_delete ON wx_users;
DROP TRIGGER nickname_grams_update ON wx_users;
DROP TRIGGER nickname_grams_insert ON wx_users;
DROP FUNCTION nickname_grams_sync();
DROP FUNCTION nickname_grams_of(TEXT);
DROP TABLE nickname_grams;
