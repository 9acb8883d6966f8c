-- A pool's domains and resource servers. See 0001 for the conventions: each record whole in
-- `doc`, other columns only for lookups, uniqueness and cascades.

-- Domain names are unique across pools (the primary key), and a pool has at most one domain
-- of each kind, prefix or custom (the unique index): the domain checks both first, and these
-- keys decide between racing writers. Requests are routed by looking a host name up here.
CREATE TABLE user_pool_domains (
    domain  TEXT NOT NULL PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    doc     TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX user_pool_domains_kind ON user_pool_domains (pool_id, kind);

-- Resource servers, listed per pool in identifier order.
CREATE TABLE resource_servers (
    pool_id    TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    identifier TEXT NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (pool_id, identifier)
) WITHOUT ROWID;
