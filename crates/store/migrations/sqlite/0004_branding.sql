-- Branding of the hosted pages. See 0001 for the conventions: each record whole in `doc`,
-- other columns only for lookups, uniqueness and cascades.

-- Classic hosted UI customizations: one per pool and client key, where the key is an app
-- client id or `ALL` (the pool's default), so it cannot reference clients.
CREATE TABLE ui_customizations (
    pool_id   TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    doc       TEXT NOT NULL,
    PRIMARY KEY (pool_id, client_id)
) WITHOUT ROWID;

-- Managed login branding styles: found by id, and by client; a client has at most one (the
-- unique index decides between racing creations).
CREATE TABLE managed_login_brandings (
    id        TEXT NOT NULL PRIMARY KEY,
    pool_id   TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    doc       TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX managed_login_brandings_client ON managed_login_brandings (pool_id, client_id);
