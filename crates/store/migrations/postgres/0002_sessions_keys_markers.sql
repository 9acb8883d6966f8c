-- Signing keys, sign-in sessions, single-use markers and failed sign-in counters: the same
-- shape as migrations/sqlite/0002, where the choices are explained. Key columns are
-- COLLATE "C" as in 0001.

CREATE TABLE signing_keys (
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kid        TEXT COLLATE "C" NOT NULL,
    purpose    TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    retired_ms BIGINT,
    doc        TEXT   NOT NULL,
    PRIMARY KEY (pool_id, kid)
);
-- One active key per pool and purpose; concurrent first inserts end with one winner.
CREATE UNIQUE INDEX signing_keys_active ON signing_keys (pool_id, purpose) WHERE retired_ms IS NULL;

CREATE TABLE sessions (
    origin_jti            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id               TEXT COLLATE "C" NOT NULL,
    sub                   TEXT COLLATE "C" NOT NULL,
    refresh_hash          BYTEA  NOT NULL,
    previous_refresh_hash BYTEA,
    expires_ms            BIGINT NOT NULL,
    revoked_ms            BIGINT,
    doc                   TEXT   NOT NULL,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE UNIQUE INDEX sessions_refresh_hash ON sessions (refresh_hash);
CREATE INDEX sessions_previous_refresh_hash ON sessions (previous_refresh_hash)
    WHERE previous_refresh_hash IS NOT NULL;
CREATE INDEX sessions_by_user ON sessions (pool_id, sub);
CREATE INDEX sessions_by_expiry ON sessions (expires_ms);

CREATE TABLE single_use (
    marker_key TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX single_use_by_expiry ON single_use (expires_ms);

CREATE TABLE sign_in_failures (
    pool_id         TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    failure_key     TEXT COLLATE "C" NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_ms BIGINT NOT NULL,
    PRIMARY KEY (pool_id, failure_key)
);
