//! The hosted pages' branding records.

use async_trait::async_trait;

use crate::branding::{ManagedLoginBranding, UiCustomization};

use super::StoreResult;

/// Persistence of the hosted pages' branding: classic customizations (one per pool and
/// client key, `ALL` for the pool's default) and managed login branding styles (one per app
/// client). Both go with their pool.
#[async_trait]
pub trait BrandingStore: Send + Sync {
    /// Inserts or replaces the customization of `(pool_id, client_id)`.
    async fn put_ui_customization(&self, customization: &UiCustomization) -> StoreResult<()>;
    async fn get_ui_customization(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<UiCustomization>>;

    /// `Conflict::Exists` when the client already has a style (or the id is taken).
    async fn insert_branding(&self, branding: &ManagedLoginBranding) -> StoreResult<()>;
    async fn get_branding(
        &self,
        pool_id: &str,
        branding_id: &str,
    ) -> StoreResult<Option<ManagedLoginBranding>>;
    async fn get_branding_by_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<ManagedLoginBranding>>;
    /// `Conflict::Missing` when it is gone.
    async fn update_branding(&self, branding: &ManagedLoginBranding) -> StoreResult<()>;
    async fn delete_branding(&self, pool_id: &str, branding_id: &str) -> StoreResult<bool>;
}
