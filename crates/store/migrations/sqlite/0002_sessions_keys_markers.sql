-- Signing keys, sign-in sessions, single-use markers and failed sign-in counters.
-- See 0001 for the conventions: each record whole in `doc`, other columns only for
-- lookups, uniqueness and cascades.

-- `retired_ms` is the truth about retirement and `doc.retired` only what it was when the
-- key was inserted: retiring updates the column alone, and reads take it from there. The
-- partial unique index allows one active key per pool and purpose, so two nodes creating a
-- pool's first key at once end with one key, whichever committed first.
CREATE TABLE signing_keys (
    pool_id    TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kid        TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    retired_ms INTEGER,
    doc        TEXT    NOT NULL,
    PRIMARY KEY (pool_id, kid)
);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys (pool_id, purpose) WHERE retired_ms IS NULL;

-- One row per sign-in, read on every token-authenticated request (by origin_jti) and every
-- refresh (by a refresh hash). `revoked_ms`, like `retired_ms` above, is the truth about
-- revocation: revoking updates the column alone, so it never races a rotation's doc. A
-- rowid table, as session documents are a few hundred bytes.
--
-- Few sessions are ever rotated, so the index of previous hashes holds only those that
-- were; a lookup `previous_refresh_hash = ?` implies NOT NULL and can use it.
-- The foreign key takes a user's sessions with the user (and so with its pool).
CREATE TABLE sessions (
    origin_jti            TEXT    NOT NULL PRIMARY KEY,
    pool_id               TEXT    NOT NULL,
    sub                   TEXT    NOT NULL,
    refresh_hash          BLOB    NOT NULL,
    previous_refresh_hash BLOB,
    expires_ms            INTEGER NOT NULL,
    revoked_ms            INTEGER,
    doc                   TEXT    NOT NULL,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE UNIQUE INDEX sessions_refresh_hash ON sessions (refresh_hash);
CREATE INDEX sessions_previous_refresh_hash ON sessions (previous_refresh_hash)
    WHERE previous_refresh_hash IS NOT NULL;
CREATE INDEX sessions_by_user ON sessions (pool_id, sub);
-- For purging expired sessions without reading the whole table.
CREATE INDEX sessions_by_expiry ON sessions (expires_ms);

-- Single-use markers (spent sign-in steps): the primary key lets only one caller in.
CREATE TABLE single_use (
    marker_key TEXT    NOT NULL PRIMARY KEY,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX single_use_by_expiry ON single_use (expires_ms);

-- Consecutive failed sign-ins. The key is a sub or an opaque string for a name that matched
-- no user, so there is no foreign key to users; the counters go with the pool.
CREATE TABLE sign_in_failures (
    pool_id         TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    failure_key     TEXT    NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_ms INTEGER NOT NULL,
    PRIMARY KEY (pool_id, failure_key)
) WITHOUT ROWID;
