-- The SQLite twin of the PostgreSQL migration with the same version. Nickname substring
-- search uses an FTS5 table with the trigram tokenizer over wx_users.nickname (external
-- content: the text lives only in wx_users), kept in step by triggers. Rows with an empty
-- nickname are left out of it, so a login that creates a user costs no FTS write.

-- +goose Up
CREATE VIRTUAL TABLE wx_users_fts USING fts5(nickname, content='wx_users', content_rowid='id', tokenize='trigram');
INSERT INTO wx_users_fts (rowid, nickname) SELECT id, nickname FROM wx_users WHERE nickname <> '';

-- +goose StatementBegin
CREATE TRIGGER wx_users_fts_insert AFTER INSERT ON wx_users WHEN new.nickname <> '' BEGIN
    INSERT INTO wx_users_fts (rowid, nickname) VALUES (new.id, new.nickname);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER wx_users_fts_delete AFTER DELETE ON wx_users WHEN old.nickname <> '' BEGIN
    INSERT INTO wx_users_fts (wx_users_fts, rowid, nickname) VALUES ('delete', old.id, old.nickname);
END;
-- +goose StatementEnd
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

CREATE INDEX wx_users_openid ON wx_users (openid);
CREATE INDEX wx_users_disabled ON wx_users (id) WHERE disabled;
CREATE INDEX wx_users_has_phone ON wx_users (id) WHERE phone <> '';
CREATE INDEX sessions_wx_user_id ON sessions (wx_user_id, id);
CREATE INDEX sessions_ip ON sessions (ip, id);
CREATE INDEX audit_events_target_id ON audit_events (target, id);
CREATE INDEX audit_events_action_id ON audit_events (action, id);
CREATE INDEX audit_events_actor_id ON audit_events (actor_type, actor_id, id);

-- +goose Down
DROP INDEX audit_events_actor_id;
DROP INDEX audit_events_action_id;
DROP INDEX audit_events_target_id;
DROP INDEX sessions_ip;
DROP INDEX sessions_wx_user_id;
DROP INDEX wx_users_has_phone;
DROP INDEX wx_users_disabled;
DROP INDEX wx_users_openid;
DROP TRIGGER wx_users_fts_update_new;
DROP TRIGGER wx_users_fts_update_old;
DROP TRIGGER wx_users_fts_delete;
DROP TRIGGER wx_users_fts_insert;
DROP TABLE wx_users_fts;
