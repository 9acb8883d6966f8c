//! The [`IdentityProviderStore`] half of the store: a pool's identity providers with their
//! unique identifiers, its SAML signing key, and the links from outside identities to users,
//! with the same helpers (and so the same backends and read paths) as the rest of
//! [`SqlStore`].

use cognate_domain::federation::{FederatedLink, IdentityProvider, PoolSigningKey};
use cognate_domain::ports::{Conflict, IdentityProviderStore, StoreResult};
use sqlx::{Encode, Executor, IntoArguments, Type, query, query_scalar};

use super::{Bind, Dialect, Paged};
use crate::records::{conflict, fail, to_doc};

const INSERT_PROVIDER: &str = "INSERT INTO identity_providers (pool_id, name, doc) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const UPDATE_PROVIDER: &str =
    "UPDATE identity_providers SET doc = $3 WHERE pool_id = $1 AND name = $2";
const GET_PROVIDER: &str = "SELECT doc FROM identity_providers WHERE pool_id = $1 AND name = $2";
const GET_PROVIDER_BY_IDENTIFIER: &str = "SELECT p.doc FROM identity_provider_identifiers i \
     JOIN identity_providers p ON p.pool_id = i.pool_id AND p.name = i.provider_name \
     WHERE i.pool_id = $1 AND i.identifier_key = $2";
const DELETE_PROVIDER: &str = "DELETE FROM identity_providers WHERE pool_id = $1 AND name = $2";
const LIST_PROVIDERS: Paged = Paged {
    first: "SELECT doc FROM identity_providers WHERE pool_id = $1 ORDER BY name LIMIT $2",
    after: "SELECT doc FROM identity_providers WHERE pool_id = $1 AND name > $3 \
     ORDER BY name LIMIT $2",
};
const INSERT_IDENTIFIER: &str = "INSERT INTO identity_provider_identifiers (pool_id, identifier_key, provider_name) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const DELETE_IDENTIFIERS: &str =
    "DELETE FROM identity_provider_identifiers WHERE pool_id = $1 AND provider_name = $2";

const INSERT_SIGNING_KEY: &str = "INSERT INTO pool_signing_certificates (pool_id, doc) \
     VALUES ($1, $2) ON CONFLICT DO NOTHING";
const GET_SIGNING_KEY: &str = "SELECT doc FROM pool_signing_certificates WHERE pool_id = $1";

const INSERT_LINK: &str = "INSERT INTO federated_links \
     (pool_id, provider_name, attribute_name, attribute_value, sub, doc) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
const GET_LINK: &str = "SELECT doc FROM federated_links WHERE pool_id = $1 \
     AND provider_name = $2 AND attribute_name = $3 AND attribute_value = $4";
const LIST_USER_LINKS: &str = "SELECT doc FROM federated_links WHERE pool_id = $1 AND sub = $2 \
     ORDER BY provider_name, attribute_name, attribute_value";
const LINKED_ATTRIBUTE_NAMES: &str = "SELECT DISTINCT attribute_name FROM federated_links \
     WHERE pool_id = $1 AND provider_name = $2 ORDER BY attribute_name";
const DELETE_LINK: &str = "DELETE FROM federated_links WHERE pool_id = $1 \
     AND provider_name = $2 AND attribute_name = $3 AND attribute_value = $4";

sql_impl! {
impl IdentityProviderStore {
    async fn insert_identity_provider(
        &self,
        provider: &IdentityProvider,
        identifier_keys: &[String],
    ) -> StoreResult<()> {
        let what = "insert identity provider";
        let mut tx = self.write.begin().await.map_err(fail(what))?;
        let inserted = query(INSERT_PROVIDER)
            .bind(provider.pool_id.as_str())
            .bind(provider.name.as_str())
            .bind(to_doc("identity provider", provider)?)
            .execute(&mut *tx)
            .await
            .map_err(fail(what))?;
        if DB::rows_affected(&inserted) == 0 {
            return conflict(Conflict::Exists);
        }
        insert_identifiers::<DB>(&mut tx, provider, identifier_keys).await?;
        tx.commit().await.map_err(fail(what))
    }

    async fn get_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> StoreResult<Option<IdentityProvider>> {
        self.read_doc(
            "identity provider",
            GET_PROVIDER,
            &[Bind::Text(pool_id), Bind::Text(name)],
        )
        .await
    }

    async fn get_identity_provider_by_identifier(
        &self,
        pool_id: &str,
        identifier_key: &str,
    ) -> StoreResult<Option<IdentityProvider>> {
        self.read_doc(
            "identity provider",
            GET_PROVIDER_BY_IDENTIFIER,
            &[Bind::Text(pool_id), Bind::Text(identifier_key)],
        )
        .await
    }

    async fn update_identity_provider(
        &self,
        provider: &IdentityProvider,
        identifier_keys: &[String],
    ) -> StoreResult<()> {
        let what = "update identity provider";
        let mut tx = self.write.begin().await.map_err(fail(what))?;
        let updated = query(UPDATE_PROVIDER)
            .bind(provider.pool_id.as_str())
            .bind(provider.name.as_str())
            .bind(to_doc("identity provider", provider)?)
            .execute(&mut *tx)
            .await
            .map_err(fail(what))?;
        if DB::rows_affected(&updated) == 0 {
            return conflict(Conflict::Missing);
        }
        query(DELETE_IDENTIFIERS)
            .bind(provider.pool_id.as_str())
            .bind(provider.name.as_str())
            .execute(&mut *tx)
            .await
            .map_err(fail(what))?;
        insert_identifiers::<DB>(&mut tx, provider, identifier_keys).await?;
        tx.commit().await.map_err(fail(what))
    }

    async fn delete_identity_provider(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        // Its identifiers go by cascade.
        self.changed(
            "delete identity provider",
            query(DELETE_PROVIDER).bind(pool_id).bind(name),
        )
        .await
    }

    async fn list_identity_providers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<IdentityProvider>> {
        let list = query_scalar(LIST_PROVIDERS.sql(after))
            .bind(pool_id)
            .bind(i64::from(limit));
        self.fetch_docs("identity provider", Self::after(list, after))
            .await
    }

    async fn insert_pool_signing_key(&self, key: &PoolSigningKey) -> StoreResult<bool> {
        self.changed(
            "insert pool signing key",
            query(INSERT_SIGNING_KEY)
                .bind(key.pool_id.as_str())
                .bind(to_doc("pool signing key", key)?),
        )
        .await
    }

    async fn get_pool_signing_key(&self, pool_id: &str) -> StoreResult<Option<PoolSigningKey>> {
        self.read_doc("pool signing key", GET_SIGNING_KEY, &[Bind::Text(pool_id)])
            .await
    }

    async fn insert_federated_link(&self, link: &FederatedLink) -> StoreResult<()> {
        // Nothing inserted: the identity is linked already. A user that is gone fails the
        // foreign key, which `insert_new` reports as `Conflict::Missing`.
        let insert = query(INSERT_LINK)
            .bind(link.pool_id.as_str())
            .bind(link.provider_name.as_str())
            .bind(link.attribute_name.as_str())
            .bind(link.attribute_value.as_str())
            .bind(link.sub.as_str())
            .bind(to_doc("federated link", link)?);
        self.insert_new("insert federated link", insert).await
    }

    async fn get_federated_link(
        &self,
        pool_id: &str,
        provider_name: &str,
        attribute_name: &str,
        attribute_value: &str,
    ) -> StoreResult<Option<FederatedLink>> {
        self.read_doc(
            "federated link",
            GET_LINK,
            &[
                Bind::Text(pool_id),
                Bind::Text(provider_name),
                Bind::Text(attribute_name),
                Bind::Text(attribute_value),
            ],
        )
        .await
    }

    async fn list_federated_links_for_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> StoreResult<Vec<FederatedLink>> {
        self.fetch_docs(
            "federated link",
            query_scalar(LIST_USER_LINKS).bind(pool_id).bind(sub),
        )
        .await
    }

    async fn linked_attribute_names(
        &self,
        pool_id: &str,
        provider_name: &str,
    ) -> StoreResult<Vec<String>> {
        query_scalar(LINKED_ATTRIBUTE_NAMES)
            .bind(pool_id)
            .bind(provider_name)
            .fetch_all(&self.read)
            .await
            .map_err(fail("linked attribute names"))
    }

    async fn delete_federated_link(
        &self,
        pool_id: &str,
        provider_name: &str,
        attribute_name: &str,
        attribute_value: &str,
    ) -> StoreResult<bool> {
        self.changed(
            "delete federated link",
            query(DELETE_LINK)
                .bind(pool_id)
                .bind(provider_name)
                .bind(attribute_name)
                .bind(attribute_value),
        )
        .await
    }
}
}

/// Inserts a provider's identifier keys inside its transaction; a key another provider
/// holds ends the transaction (dropped, so rolled back) with `Conflict::Alias(key)`.
async fn insert_identifiers<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    provider: &IdentityProvider,
    identifier_keys: &[String],
) -> StoreResult<()>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    for key in identifier_keys {
        let inserted = query(INSERT_IDENTIFIER)
            .bind(provider.pool_id.as_str())
            .bind(key.as_str())
            .bind(provider.name.as_str())
            .execute(&mut **tx)
            .await
            .map_err(fail("insert identity provider identifier"))?;
        if DB::rows_affected(&inserted) == 0 {
            return conflict(Conflict::Alias(key.clone()));
        }
    }
    Ok(())
}
