-- Remembered devices. See 0001 for the conventions: each record whole in `doc`, other columns
-- only for lookups, uniqueness and cascades.

-- A user's devices, listed in device-key order. The foreign key takes them with the user
-- (and so with its pool).
CREATE TABLE devices (
    pool_id    TEXT NOT NULL,
    sub        TEXT NOT NULL,
    device_key TEXT NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (pool_id, sub, device_key),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;

-- Passkeys (WebAuthn credentials), listed by credential id; they go with their user too.
CREATE TABLE webauthn_credentials (
    pool_id       TEXT NOT NULL,
    sub           TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    doc           TEXT NOT NULL,
    PRIMARY KEY (pool_id, sub, credential_id),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;
