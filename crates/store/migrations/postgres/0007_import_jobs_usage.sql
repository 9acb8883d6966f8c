-- User import jobs and monthly usage: the same shape as migrations/sqlite/0007, where the
-- choices are explained. Key columns are COLLATE "C" as in 0001.

CREATE TABLE user_import_jobs (
    pool_id        TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    job_id         TEXT COLLATE "C" NOT NULL,
    created_ms     BIGINT NOT NULL,
    status         TEXT NOT NULL,
    lease_owner    TEXT,
    lease_until_ms BIGINT,
    doc            TEXT NOT NULL,
    PRIMARY KEY (pool_id, job_id)
);

CREATE INDEX user_import_jobs_runnable ON user_import_jobs (status, lease_until_ms);

CREATE TABLE user_import_chunks (
    pool_id    TEXT COLLATE "C" NOT NULL,
    job_id     TEXT COLLATE "C" NOT NULL,
    seq        BIGINT NOT NULL,
    first_line BIGINT NOT NULL,
    data       BYTEA NOT NULL,
    PRIMARY KEY (pool_id, job_id, seq),
    FOREIGN KEY (pool_id, job_id) REFERENCES user_import_jobs (pool_id, job_id) ON DELETE CASCADE
);

CREATE TABLE usage_active_users (
    pool_id TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    month   TEXT COLLATE "C" NOT NULL,
    sub     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, month, sub)
);

CREATE TABLE usage_messages (
    pool_id TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    month   TEXT COLLATE "C" NOT NULL,
    medium  TEXT COLLATE "C" NOT NULL,
    sent    BIGINT NOT NULL,
    PRIMARY KEY (pool_id, month, medium)
);
