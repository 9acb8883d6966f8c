-- A pool's domains and resource servers: the same shape as migrations/sqlite/0003, where the
-- choices are explained. Key columns are COLLATE "C" as in 0001.

CREATE TABLE user_pool_domains (
    domain  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kind    TEXT COLLATE "C" NOT NULL,
    doc     TEXT NOT NULL
);
CREATE UNIQUE INDEX user_pool_domains_kind ON user_pool_domains (pool_id, kind);

CREATE TABLE resource_servers (
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    identifier TEXT COLLATE "C" NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (pool_id, identifier)
);
