-- Branding of the hosted pages: the same shape as migrations/sqlite/0004, where the choices
-- are explained. Key columns are COLLATE "C" as in 0001.

CREATE TABLE ui_customizations (
    pool_id   TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id TEXT COLLATE "C" NOT NULL,
    doc       TEXT NOT NULL,
    PRIMARY KEY (pool_id, client_id)
);

CREATE TABLE managed_login_brandings (
    id        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id   TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id TEXT COLLATE "C" NOT NULL,
    doc       TEXT NOT NULL
);
CREATE UNIQUE INDEX managed_login_brandings_client ON managed_login_brandings (pool_id, client_id);
