-- Federation: the same shape as migrations/sqlite/0009, where the choices are explained.
-- Key columns are COLLATE "C" as in 0001.

CREATE TABLE identity_providers (
    pool_id TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name    TEXT COLLATE "C" NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE identity_provider_identifiers (
    pool_id        TEXT COLLATE "C" NOT NULL,
    identifier_key TEXT COLLATE "C" NOT NULL,
    provider_name  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, identifier_key),
    FOREIGN KEY (pool_id, provider_name) REFERENCES identity_providers (pool_id, name) ON DELETE CASCADE
);
CREATE INDEX identity_provider_identifiers_provider
    ON identity_provider_identifiers (pool_id, provider_name);

CREATE TABLE pool_signing_certificates (
    pool_id TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES user_pools (id) ON DELETE CASCADE,
    doc     TEXT NOT NULL
);

CREATE TABLE federated_links (
    pool_id         TEXT COLLATE "C" NOT NULL,
    provider_name   TEXT COLLATE "C" NOT NULL,
    attribute_name  TEXT COLLATE "C" NOT NULL,
    attribute_value TEXT COLLATE "C" NOT NULL,
    sub             TEXT COLLATE "C" NOT NULL,
    doc             TEXT NOT NULL,
    PRIMARY KEY (pool_id, provider_name, attribute_name, attribute_value),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX federated_links_user ON federated_links (pool_id, sub);
