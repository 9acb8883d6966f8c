-- Deployment-wide settings: the same shape as migrations/sqlite/0006, where they are
-- explained.
CREATE TABLE settings (
    name  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value BYTEA NOT NULL
);
