-- Identity pools: the same shape as migrations/sqlite/0008, where the choices are explained.
-- Key columns are COLLATE "C" as in 0001.

CREATE TABLE identity_pools (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    doc        TEXT   NOT NULL
);

CREATE TABLE identities (
    identity_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id     TEXT COLLATE "C" NOT NULL REFERENCES identity_pools (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    doc         TEXT   NOT NULL
);
CREATE INDEX identities_by_pool ON identities (pool_id, identity_id);

CREATE TABLE identity_logins (
    pool_id     TEXT COLLATE "C" NOT NULL,
    provider    TEXT COLLATE "C" NOT NULL,
    subject     TEXT COLLATE "C" NOT NULL,
    identity_id TEXT COLLATE "C" NOT NULL REFERENCES identities (identity_id) ON DELETE CASCADE,
    PRIMARY KEY (pool_id, provider, subject)
);
CREATE INDEX identity_logins_by_identity ON identity_logins (identity_id);

CREATE TABLE identity_issuer_keys (
    kid        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    purpose    TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    retired_ms BIGINT,
    doc        TEXT   NOT NULL
);
CREATE UNIQUE INDEX identity_issuer_keys_active ON identity_issuer_keys (purpose) WHERE retired_ms IS NULL;
