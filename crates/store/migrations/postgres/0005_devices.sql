-- Remembered devices: the same shape as migrations/sqlite/0005, where the choices are
-- explained. Key columns are COLLATE "C" as in 0001.

CREATE TABLE devices (
    pool_id    TEXT COLLATE "C" NOT NULL,
    sub        TEXT COLLATE "C" NOT NULL,
    device_key TEXT COLLATE "C" NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (pool_id, sub, device_key),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);

CREATE TABLE webauthn_credentials (
    pool_id       TEXT COLLATE "C" NOT NULL,
    sub           TEXT COLLATE "C" NOT NULL,
    credential_id TEXT COLLATE "C" NOT NULL,
    doc           TEXT NOT NULL,
    PRIMARY KEY (pool_id, sub, credential_id),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
