-- Cognate's schema on SQLite. Never edit a migration that has shipped: sqlx checks
-- their checksums at start, so a change goes into a new numbered file.
--
-- Each record is kept whole as its serde JSON in `doc`. The other columns exist only for
-- lookups, ordering, uniqueness and cascades: the domain computes every key and the schema
-- only indexes them and backs the domain's uniqueness rules with constraints.
--
-- Text compares with SQLite's default BINARY collation (byte order of UTF-8, which is
-- code point order); the PostgreSQL schema declares COLLATE "C" to order the same way.

CREATE TABLE user_pools (
    id         TEXT    NOT NULL PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    doc        TEXT    NOT NULL
);

CREATE TABLE clients (
    client_id TEXT    NOT NULL PRIMARY KEY,
    pool_id   TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    version   INTEGER NOT NULL,
    doc       TEXT    NOT NULL
);
CREATE INDEX clients_by_pool ON clients (pool_id, client_id);

-- A rowid table: user documents are large (sealed verifiers, attributes), and SQLite
-- advises WITHOUT ROWID only for small rows.
CREATE TABLE users (
    pool_id      TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    sub          TEXT    NOT NULL,
    username_key TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    doc          TEXT    NOT NULL,
    PRIMARY KEY (pool_id, sub),
    CONSTRAINT users_username_key UNIQUE (pool_id, username_key)
);

CREATE TABLE user_aliases (
    pool_id   TEXT NOT NULL,
    alias_key TEXT NOT NULL,
    sub       TEXT NOT NULL,
    PRIMARY KEY (pool_id, alias_key),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX user_aliases_by_user ON user_aliases (pool_id, sub);

-- ListUsers' filters. The primary key is the search index: equality on (pool_id,
-- attribute), then an exact value or a prefix range `value >= p AND value < succ(p)`.
-- Carrying username_key makes exact matches come out in ListUsers' order without a sort,
-- and lets a page be cut before the users table is touched.
CREATE TABLE user_search (
    pool_id      TEXT NOT NULL,
    attribute    TEXT NOT NULL,
    value        TEXT NOT NULL,
    username_key TEXT NOT NULL,
    sub          TEXT NOT NULL,
    PRIMARY KEY (pool_id, attribute, value, username_key, sub),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX user_search_by_user ON user_search (pool_id, sub);

CREATE TABLE groups (
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

-- Members are keyed by username key, not sub: ListUsersInGroup pages in username-key
-- order, which the primary key then gives directly (no sort of the whole group per page).
-- The foreign key on (pool_id, username_key) follows a user's key if it ever changes and
-- goes with the user when it is deleted.
CREATE TABLE group_members (
    pool_id      TEXT NOT NULL,
    group_name   TEXT NOT NULL,
    username_key TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, username_key),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key)
        ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members (pool_id, username_key, group_name);

CREATE TABLE codes (
    pool_id       TEXT    NOT NULL,
    sub           TEXT    NOT NULL,
    purpose       TEXT    NOT NULL,
    hash          BLOB    NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    attempts      INTEGER NOT NULL,
    PRIMARY KEY (pool_id, sub, purpose),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;

-- No foreign key to user_pools: the outbox is a log, and deleting a pool removes its
-- entries explicitly.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    created_ms INTEGER NOT NULL,
    pool_id    TEXT    NOT NULL,
    doc        TEXT    NOT NULL
);
CREATE INDEX outbox_by_pool ON outbox (pool_id, seq);
