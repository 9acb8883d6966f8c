//! `Domain` as the [`UserDirectory`] federation works through: the few user-pool operations
//! a federated sign-in and the linking operations need, and nothing more.

use async_trait::async_trait;

use super::{FederatedTrigger, UserDirectory};
use crate::Domain;
use crate::error::{Error, Result};
use crate::group::Group;
use crate::oauth::authorize::{AuthorizeRequest, CheckResult, Checked};
use crate::oauth::{HostedSite, OAuthResult, Redirect, SsoCookie};
use crate::pool::UserPool;
use crate::ports::{Conflict, StoreError};
use crate::selfservice::apply_pre_sign_up;
use crate::triggers::{ClientMetadata, EventBase, SignUpContext, Trigger};
use crate::user::{CreatedBy, User};

#[async_trait]
impl UserDirectory for Domain {
    async fn pool(&self, pool_id: &str) -> Result<UserPool> {
        self.user_pool(pool_id).await
    }

    async fn find_user(&self, pool: &UserPool, name: &str) -> Result<Option<User>> {
        Domain::find_user(self, pool, name).await
    }

    async fn user_by_sub(&self, pool_id: &str, sub: &str) -> Result<Option<User>> {
        self.store
            .get_user_by_sub(pool_id, sub)
            .await
            .map_err(Error::from)
    }

    async fn save_user(&self, pool: &UserPool, user: &mut User) -> Result<()> {
        Domain::save_user(self, pool, user).await
    }

    async fn insert_user(&self, pool: &UserPool, user: &User) -> Result<()> {
        Domain::insert_user(self, pool, user, false, CreatedBy::Admin).await
    }

    async fn add_to_group(
        &self,
        pool_id: &str,
        group: &str,
        description: &str,
        sub: &str,
    ) -> Result<()> {
        let now = self.now();
        let record = Group {
            pool_id: pool_id.to_owned(),
            name: group.to_owned(),
            description: Some(description.to_owned()),
            role_arn: None,
            precedence: None,
            created: now,
            modified: now,
        };
        match self.store.insert_group(&record).await {
            Ok(()) | Err(StoreError::Conflict(Conflict::Exists)) => {}
            Err(e) => return Err(e.into()),
        }
        self.store
            .add_user_to_group(pool_id, group, sub)
            .await
            .map_err(Error::from)
    }

    async fn check_authorize_request(
        &self,
        site: &HostedSite,
        request: &AuthorizeRequest,
    ) -> CheckResult {
        Domain::check_authorize_request(self, site, request).await
    }

    async fn complete_federated_authorization(
        &self,
        site: &HostedSite,
        checked: &Checked,
        user: &User,
        auth_time: i64,
    ) -> OAuthResult<(Redirect, Option<SsoCookie>)> {
        let cookie = self.start_sso(site, user).await?;
        let redirect = self
            .complete_authorization(checked, user, auth_time)
            .await?;
        Ok((redirect, Some(cookie)))
    }

    async fn federated_trigger(
        &self,
        trigger: FederatedTrigger,
        pool: &UserPool,
        user: &mut User,
        client_id: &str,
    ) -> Result<()> {
        let none = ClientMetadata::new();
        match trigger {
            FederatedTrigger::PreSignUp => {
                let decided = self
                    .pre_sign_up(
                        "PreSignUp_ExternalProvider",
                        SignUpContext {
                            pool,
                            user,
                            client_id: Some(client_id),
                            validation_data: &[],
                            client_metadata: &none,
                        },
                    )
                    .await?;
                apply_pre_sign_up(user, decided);
                Ok(())
            }
            FederatedTrigger::PostConfirmation => {
                self.post_confirmation(
                    "PostConfirmation_ConfirmSignUp",
                    pool,
                    user,
                    Some(client_id),
                    &none,
                )
                .await
            }
            FederatedTrigger::PreAuthentication => {
                self.pre_authentication(pool, user, client_id, &[], &none)
                    .await
            }
            FederatedTrigger::PostAuthentication => {
                self.post_authentication(pool, user, client_id, false, &none)
                    .await
            }
        }
    }

    async fn inbound_federation_trigger(
        &self,
        pool: &UserPool,
        client_id: &str,
        username: &str,
        request: serde_json::Value,
    ) -> Result<Option<serde_json::Value>> {
        let base = EventBase {
            pool,
            trigger_source: "InboundFederation_ExternalProvider",
            username,
            client_id: Some(client_id),
        };
        let response = serde_json::json!({ "userAttributesToMap": {} });
        self.run_trigger(Trigger::InboundFederation, base, request, response)
            .await
    }

    async fn use_once(&self, key: &str, expires_at_ms: i64) -> Result<bool> {
        self.store
            .use_once(key, expires_at_ms)
            .await
            .map_err(Error::from)
    }
}
