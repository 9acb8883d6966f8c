-- Cognate's schema on PostgreSQL, the same shape as migrations/sqlite. Never edit a
-- migration that has shipped: sqlx checks their checksums at start, so a change goes into
-- a new numbered file.
--
-- Each record is kept whole as its serde JSON in `doc`. The other columns exist only for
-- lookups, ordering, uniqueness and cascades: the domain computes every key and the schema
-- only indexes them and backs the domain's uniqueness rules with constraints.
--
-- Key columns are COLLATE "C": byte order of UTF-8 (code point order), the order SQLite's
-- BINARY collation gives, so both backends page identically whatever the database's
-- locale; it also makes the btree usable for the prefix range `value >= p AND value < succ(p)`
-- (under a linguistic collation that range is neither index-friendly nor exact).
--
-- `doc` is TEXT, not JSONB: the store never looks inside it, TEXT keeps the bytes the
-- domain wrote and skips jsonb's parse on write and rendering on read. Ad-hoc queries can
-- still use `doc::jsonb`.

CREATE TABLE user_pools (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    doc        TEXT   NOT NULL
);

CREATE TABLE clients (
    client_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id   TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    version   BIGINT NOT NULL,
    doc       TEXT   NOT NULL
);
CREATE INDEX clients_by_pool ON clients (pool_id, client_id);

CREATE TABLE users (
    pool_id      TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    sub          TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    version      BIGINT NOT NULL,
    doc          TEXT   NOT NULL,
    PRIMARY KEY (pool_id, sub),
    CONSTRAINT users_username_key UNIQUE (pool_id, username_key)
);

CREATE TABLE user_aliases (
    pool_id   TEXT COLLATE "C" NOT NULL,
    alias_key TEXT COLLATE "C" NOT NULL,
    sub       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, alias_key),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX user_aliases_by_user ON user_aliases (pool_id, sub);

-- ListUsers' filters; see migrations/sqlite for why username_key is carried here.
CREATE TABLE user_search (
    pool_id      TEXT COLLATE "C" NOT NULL,
    attribute    TEXT COLLATE "C" NOT NULL,
    value        TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    sub          TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, attribute, value, username_key, sub),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX user_search_by_user ON user_search (pool_id, sub);

CREATE TABLE groups (
    pool_id TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name    TEXT COLLATE "C" NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

-- Members are keyed by username key, not sub: ListUsersInGroup pages in username-key
-- order, which the primary key then gives directly (no sort of the whole group per page).
-- The foreign key on (pool_id, username_key) follows a user's key if it ever changes and
-- goes with the user when it is deleted.
CREATE TABLE group_members (
    pool_id      TEXT COLLATE "C" NOT NULL,
    group_name   TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, group_name, username_key),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX group_members_by_user ON group_members (pool_id, username_key, group_name);

CREATE TABLE codes (
    pool_id       TEXT COLLATE "C" NOT NULL,
    sub           TEXT COLLATE "C" NOT NULL,
    purpose       TEXT COLLATE "C" NOT NULL,
    hash          BYTEA   NOT NULL,
    expires_at_ms BIGINT  NOT NULL,
    attempts      INTEGER NOT NULL,
    PRIMARY KEY (pool_id, sub, purpose),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);

-- No foreign key to user_pools: the outbox is a log, and deleting a pool removes its
-- entries explicitly.
CREATE TABLE outbox (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    pool_id    TEXT COLLATE "C" NOT NULL,
    doc        TEXT   NOT NULL
);
CREATE INDEX outbox_by_pool ON outbox (pool_id, seq);
