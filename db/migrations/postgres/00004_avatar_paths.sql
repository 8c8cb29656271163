-- Uploaded avatars are referenced by path (/avatars/<sha256>.jpg), never by an absolute URL
-- whose host came from a request. Rows that stored an absolute URL to one of our own images
-- (the name is in avatars) are rewritten to the path; images nobody shows any more are
-- deleted; a partial index finds the users of an image when one is released.

-- +goose Up
UPDATE wx_users SET avatar_url = right(avatar_url, 77)
WHERE avatar_url LIKE 'http%://%/avatars/%.jpg'
  AND left(right(avatar_url, 77), 9) = '/avatars/'
  AND EXISTS (SELECT 1 FROM avatars WHERE hash = right(wx_users.avatar_url, 68));
CREATE INDEX wx_users_avatar_path ON wx_users (avatar_url) WHERE avatar_url LIKE '/avatars/%';
DELETE FROM avatars WHERE NOT EXISTS
    (SELECT 1 FROM wx_users WHERE avatar_url = '/avatars/' || avatars.hash AND avatar_url LIKE '/avatars/%');

-- +goose Down
DROP INDEX wx_users_avatar_path;
