-- Identity pools (Cognito Identity), a family of tables of their own. See 0001 for the
-- conventions: each record whole in `doc`, other columns only for lookups, uniqueness and
-- cascades.

CREATE TABLE identity_pools (
    id         TEXT    NOT NULL PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    doc        TEXT    NOT NULL
) WITHOUT ROWID;

-- Identities go with their pool; ListIdentities walks (pool_id, identity_id).
CREATE TABLE identities (
    identity_id TEXT    NOT NULL PRIMARY KEY,
    pool_id     TEXT    NOT NULL REFERENCES identity_pools (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX identities_by_pool ON identities (pool_id, identity_id);

-- Which identity holds a login: the primary key lets one identity of a pool hold a given
-- (provider, subject), so two first sign-ins of one user racing end with one identity.
CREATE TABLE identity_logins (
    pool_id     TEXT NOT NULL,
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    identity_id TEXT NOT NULL REFERENCES identities (identity_id) ON DELETE CASCADE,
    PRIMARY KEY (pool_id, provider, subject)
) WITHOUT ROWID;
CREATE INDEX identity_logins_by_identity ON identity_logins (identity_id);

-- The identity issuer's keys. `retired_ms` is the truth about retirement (as for
-- signing_keys); the partial unique index allows one active key, so two nodes making the
-- first key at once end with one.
CREATE TABLE identity_issuer_keys (
    kid        TEXT    NOT NULL PRIMARY KEY,
    purpose    TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    retired_ms INTEGER,
    doc        TEXT    NOT NULL
);
CREATE UNIQUE INDEX identity_issuer_keys_active ON identity_issuer_keys (purpose) WHERE retired_ms IS NULL;
