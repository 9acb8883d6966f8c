-- User import jobs and monthly usage. See 0001 for the conventions: each record whole in
-- `doc`, other columns only for lookups, uniqueness and cascades.

-- Import jobs, listed by job id. `status` and the lease columns are the truth (the doc's
-- copy of the status is overridden on read): workers on any node claim a runnable job by
-- taking an expired lease in one UPDATE, and every commit of a batch is guarded by them.
CREATE TABLE user_import_jobs (
    pool_id        TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    job_id         TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    status         TEXT NOT NULL,
    lease_owner    TEXT,
    lease_until_ms INTEGER,
    doc            TEXT NOT NULL,
    PRIMARY KEY (pool_id, job_id)
) WITHOUT ROWID;

-- What a worker looks for: runnable jobs whose lease ran out.
CREATE INDEX user_import_jobs_runnable ON user_import_jobs (status, lease_until_ms);

-- An uploaded CSV file in pieces of whole lines, so neither the upload nor a worker holds
-- the whole file. They go with their job.
CREATE TABLE user_import_chunks (
    pool_id    TEXT NOT NULL,
    job_id     TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    first_line INTEGER NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (pool_id, job_id, seq),
    FOREIGN KEY (pool_id, job_id) REFERENCES user_import_jobs (pool_id, job_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- Monthly active users: one row per pool, calendar month (`YYYY-MM`, UTC) and user who
-- acted in it. Inserted idempotently, so every node counts into the same set.
CREATE TABLE usage_active_users (
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    month   TEXT NOT NULL,
    sub     TEXT NOT NULL,
    PRIMARY KEY (pool_id, month, sub)
) WITHOUT ROWID;

-- Messages sent per pool, month and medium (`EMAIL`, `SMS`).
CREATE TABLE usage_messages (
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    month   TEXT NOT NULL,
    medium  TEXT NOT NULL,
    sent    INTEGER NOT NULL,
    PRIMARY KEY (pool_id, month, medium)
) WITHOUT ROWID;
