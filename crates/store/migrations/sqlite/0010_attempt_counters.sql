-- Attempt counters: every limit that protects users (failed sign-ins and the lockout delays,
-- wrong answers to codes, codes sent), one row per pool and counter key. The key names what
-- is counted and for whom (`lockout:<sub>`, `answer:reset_password:<sub>`, a keyed hash for
-- a name that matched no user), so there is no foreign key to users; counters go with their
-- pool. A counter starts afresh at `expires_ms`, and the purge deletes it from then on.
CREATE TABLE attempt_counters (
    pool_id     TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    counter_key TEXT    NOT NULL,
    attempts    INTEGER NOT NULL,
    last_ms     INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    PRIMARY KEY (pool_id, counter_key)
) WITHOUT ROWID;
CREATE INDEX attempt_counters_by_expiry ON attempt_counters (expires_ms);

-- The lockout counts in attempt_counters now. sign_in_failures is no longer written, but it
-- stays until a release after the last one that read it (docs/deploy.md: migrations only add),
-- so nodes of the previous release keep working beside this one during a rolling upgrade.
