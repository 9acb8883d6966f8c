//! Classic UI customizations and managed login branding styles (`BrandingStore`).

use async_trait::async_trait;
use cognate_domain::branding::{ManagedLoginBranding, UiCustomization};
use cognate_domain::ports::{BrandingStore, Conflict, StoreResult};

use super::{MemoryStore, conflict, k};

#[async_trait]
impl BrandingStore for MemoryStore {
    async fn put_ui_customization(&self, customization: &UiCustomization) -> StoreResult<()> {
        self.with(|s| {
            s.need_pool(&customization.pool_id)?;
            s.ui_customizations.insert(
                (k(&customization.pool_id), k(&customization.client_id)),
                customization.clone(),
            );
            Ok(())
        })
    }

    async fn get_ui_customization(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<UiCustomization>> {
        self.with(|s| {
            Ok(s.ui_customizations
                .get(&(k(pool_id), k(client_id)))
                .cloned())
        })
    }

    async fn insert_branding(&self, branding: &ManagedLoginBranding) -> StoreResult<()> {
        self.with(|s| {
            let client_taken = s
                .brandings
                .values()
                .any(|b| b.pool_id == branding.pool_id && b.client_id == branding.client_id);
            if s.brandings.contains_key(&branding.id) || client_taken {
                return conflict(Conflict::Exists);
            }
            s.need_pool(&branding.pool_id)?;
            s.brandings.insert(branding.id.clone(), branding.clone());
            Ok(())
        })
    }

    async fn get_branding(
        &self,
        pool_id: &str,
        branding_id: &str,
    ) -> StoreResult<Option<ManagedLoginBranding>> {
        self.with(|s| {
            Ok(s.brandings
                .get(branding_id)
                .filter(|b| b.pool_id == pool_id)
                .cloned())
        })
    }

    async fn get_branding_by_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<ManagedLoginBranding>> {
        self.with(|s| {
            Ok(s.brandings
                .values()
                .find(|b| b.pool_id == pool_id && b.client_id == client_id)
                .cloned())
        })
    }

    async fn update_branding(&self, branding: &ManagedLoginBranding) -> StoreResult<()> {
        self.with(|s| match s.brandings.get_mut(&branding.id) {
            Some(stored) if stored.pool_id == branding.pool_id => {
                *stored = branding.clone();
                Ok(())
            }
            _ => conflict(Conflict::Missing),
        })
    }

    async fn delete_branding(&self, pool_id: &str, branding_id: &str) -> StoreResult<bool> {
        self.with(|s| {
            let in_pool = s
                .brandings
                .get(branding_id)
                .is_some_and(|b| b.pool_id == pool_id);
            Ok(in_pool && s.brandings.remove(branding_id).is_some())
        })
    }
}
