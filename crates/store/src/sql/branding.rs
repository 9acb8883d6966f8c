//! The [`BrandingStore`] half of the store: classic hosted UI customizations and managed
//! login branding styles, with the same helpers (and so the same backends and read paths) as
//! the rest of [`SqlStore`].

use cognate_domain::branding::{ManagedLoginBranding, UiCustomization};
use cognate_domain::ports::{BrandingStore, Conflict, StoreResult};
use sqlx::query;

use super::Bind;
use crate::records::{conflict, to_doc};

const PUT_UI_CUSTOMIZATION: &str = "INSERT INTO ui_customizations (pool_id, client_id, doc) \
     VALUES ($1, $2, $3) ON CONFLICT (pool_id, client_id) DO UPDATE SET doc = excluded.doc";
const GET_UI_CUSTOMIZATION: &str =
    "SELECT doc FROM ui_customizations WHERE pool_id = $1 AND client_id = $2";

const INSERT_BRANDING: &str = "INSERT INTO managed_login_brandings (id, pool_id, client_id, doc) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const GET_BRANDING: &str = "SELECT doc FROM managed_login_brandings WHERE pool_id = $1 AND id = $2";
const GET_BRANDING_BY_CLIENT: &str =
    "SELECT doc FROM managed_login_brandings WHERE pool_id = $1 AND client_id = $2";
const UPDATE_BRANDING: &str =
    "UPDATE managed_login_brandings SET doc = $3 WHERE pool_id = $1 AND id = $2";
const DELETE_BRANDING: &str = "DELETE FROM managed_login_brandings WHERE pool_id = $1 AND id = $2";

sql_impl! {
impl BrandingStore {
    async fn put_ui_customization(&self, customization: &UiCustomization) -> StoreResult<()> {
        let put = query(PUT_UI_CUSTOMIZATION)
            .bind(customization.pool_id.as_str())
            .bind(customization.client_id.as_str())
            .bind(to_doc("ui customization", customization)?);
        self.changed("put ui customization", put).await.map(|_| ())
    }

    async fn get_ui_customization(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<UiCustomization>> {
        self.read_doc(
            "ui customization",
            GET_UI_CUSTOMIZATION,
            &[Bind::Text(pool_id), Bind::Text(client_id)],
        )
        .await
    }

    async fn insert_branding(&self, branding: &ManagedLoginBranding) -> StoreResult<()> {
        // Nothing inserted: the client has a style already (or, improbably, the id is taken).
        let insert = query(INSERT_BRANDING)
            .bind(branding.id.as_str())
            .bind(branding.pool_id.as_str())
            .bind(branding.client_id.as_str())
            .bind(to_doc("branding", branding)?);
        self.insert_new("insert branding", insert).await
    }

    async fn get_branding(
        &self,
        pool_id: &str,
        branding_id: &str,
    ) -> StoreResult<Option<ManagedLoginBranding>> {
        self.read_doc(
            "branding",
            GET_BRANDING,
            &[Bind::Text(pool_id), Bind::Text(branding_id)],
        )
        .await
    }

    async fn get_branding_by_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<ManagedLoginBranding>> {
        self.read_doc(
            "branding",
            GET_BRANDING_BY_CLIENT,
            &[Bind::Text(pool_id), Bind::Text(client_id)],
        )
        .await
    }

    async fn update_branding(&self, branding: &ManagedLoginBranding) -> StoreResult<()> {
        let update = query(UPDATE_BRANDING)
            .bind(branding.pool_id.as_str())
            .bind(branding.id.as_str())
            .bind(to_doc("branding", branding)?);
        if self.changed("update branding", update).await? {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    async fn delete_branding(&self, pool_id: &str, branding_id: &str) -> StoreResult<bool> {
        self.changed(
            "delete branding",
            query(DELETE_BRANDING).bind(pool_id).bind(branding_id),
        )
        .await
    }
}
}
