-- The nickname search index was kept by two AFTER UPDATE triggers, one removing the old
-- nickname and one adding the new. SQLite fires triggers of one event in an order it does
-- not promise (the newest first, in practice), so the new nickname was added and then the
-- old one "deleted" from the same rowid: a profile update that kept the nickname dropped
-- the user from nickname search. One trigger now does both, in order, and only when the
-- nickname really changes; the index is then rebuilt from wx_users to repair the rows the
-- old triggers broke.

-- +goose Up
DROP TRIGGER wx_users_fts_update_old;
DROP TRIGGER wx_users_fts_update_new;
-- +goose StatementBegin
CREATE TRIGGER wx_users_fts_update AFTER UPDATE OF nickname ON wx_users
WHEN old.nickname IS NOT new.nickname BEGIN
    INSERT INTO wx_users_fts (wx_users_fts, rowid, nickname)
        SELECT 'delete', old.id, old.nickname WHERE old.nickname <> '';
    INSERT INTO wx_users_fts (rowid, nickname)
        SELECT new.id, new.nickname WHERE new.nickname <> '';
END;
-- +goose StatementEnd
INSERT INTO wx_users_fts (wx_users_fts) VALUES ('delete-all');
INSERT INTO wx_users_fts (rowid, nickname) SELECT id, nickname FROM wx_users WHERE nickname <> '';

-- +goose Down
DROP TRIGGER wx_users_fts_update;
-- +goose StatementBegin
CREATE TRIGGER wx_users_fts_update_old AFTER UPDATE OF nickname ON wx_users WHEN old.nickname <> '' BEGIN
    INSERT INTO wx_users_fts (wx_users_fts, rowid, nickname) VALUES ('delete', old.id, old.nickname);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER wx_users_fts_update_new AFTER UPDATE OF nickname ON wx_users WHEN new.nickname <> '' BEGIN
    INSERT INTO wx_users_fts (rowid, nickname) VALUES (new.id, new.nickname);
END;
-- +goose StatementEnd
