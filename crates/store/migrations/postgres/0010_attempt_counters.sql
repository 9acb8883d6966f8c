-- Attempt counters: the same shape as migrations/sqlite/0010, where the choices are explained.
CREATE TABLE attempt_counters (
    pool_id     TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    counter_key TEXT COLLATE "C" NOT NULL,
    attempts    BIGINT NOT NULL,
    last_ms     BIGINT NOT NULL,
    expires_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, counter_key)
);
CREATE INDEX attempt_counters_by_expiry ON attempt_counters (expires_ms);

-- sign_in_failures stays, unused, for the previous release's nodes (see the SQLite file).
