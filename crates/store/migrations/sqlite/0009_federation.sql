-- Federation: a pool's identity providers, its SAML signing key, and links from outside
-- identities to users. See 0001 for the conventions: each record whole in `doc`, other
-- columns only for lookups, uniqueness and cascades.

-- Identity providers, found by name; they go with their pool.
CREATE TABLE identity_providers (
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (pool_id, name)
) WITHOUT ROWID;

-- IdpIdentifiers (keys decided by the domain), unique across the pool's providers; they go
-- with their provider.
CREATE TABLE identity_provider_identifiers (
    pool_id        TEXT NOT NULL,
    identifier_key TEXT NOT NULL,
    provider_name  TEXT NOT NULL,
    PRIMARY KEY (pool_id, identifier_key),
    FOREIGN KEY (pool_id, provider_name) REFERENCES identity_providers (pool_id, name) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX identity_provider_identifiers_provider
    ON identity_provider_identifiers (pool_id, provider_name);

-- One SAML signing key pair per pool (GetSigningCertificate); the first node to store it wins.
CREATE TABLE pool_signing_certificates (
    pool_id TEXT NOT NULL PRIMARY KEY REFERENCES user_pools (id) ON DELETE CASCADE,
    doc     TEXT NOT NULL
) WITHOUT ROWID;

-- AdminLinkProviderForUser's links: an outside identity (provider, attribute, value) signs in
-- as one user; they go with their user.
CREATE TABLE federated_links (
    pool_id         TEXT NOT NULL,
    provider_name   TEXT NOT NULL,
    attribute_name  TEXT NOT NULL,
    attribute_value TEXT NOT NULL,
    sub             TEXT NOT NULL,
    doc             TEXT NOT NULL,
    PRIMARY KEY (pool_id, provider_name, attribute_name, attribute_value),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX federated_links_user ON federated_links (pool_id, sub);
