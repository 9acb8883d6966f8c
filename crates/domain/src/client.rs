//! App clients: their settings as Cognito stores and returns them, the effective values the
//! sign-in flows use, and the validation CreateUserPoolClient/UpdateUserPoolClient apply.

use serde::{Deserialize, Serialize};

use crate::enums::{ExplicitAuthFlow, OAuthFlow, TimeUnit};
use crate::error::{Error, ErrorKind, Result};
use crate::paging::{self, PageSize};
use crate::pool::{Page, UserPool};
use crate::time::Timestamp;
use crate::{Domain, ids};

/// Scopes that exist in every pool without a resource server.
pub const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];
/// Most client secrets a client may hold at once (to rotate without downtime).
pub const MAX_CLIENT_SECRETS: usize = 2;

/// An app client as stored. Optional members are `None` when the caller never set them,
/// so DescribeUserPoolClient reports exactly what Cognito would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppClient {
    pub pool_id: String,
    pub client_id: String,
    pub name: String,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub version: i64,
    pub secrets: Vec<ClientSecret>,
    pub settings: ClientSettings,
}

/// A client secret, sealed with the key-encryption key (it must be returned, so it cannot be hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSecret {
    pub id: String,
    #[serde(with = "crate::b64")]
    pub sealed: Vec<u8>,
    pub created: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientSettings {
    pub refresh_token_validity: u32,
    pub access_token_validity: Option<u32>,
    pub id_token_validity: Option<u32>,
    pub token_validity_units: TokenValidityUnits,
    pub read_attributes: Option<Vec<String>>,
    pub write_attributes: Option<Vec<String>>,
    pub explicit_auth_flows: Option<Vec<ExplicitAuthFlow>>,
    pub supported_identity_providers: Option<Vec<String>>,
    pub callback_urls: Option<Vec<String>>,
    pub logout_urls: Option<Vec<String>>,
    pub default_redirect_uri: Option<String>,
    pub allowed_oauth_flows: Option<Vec<OAuthFlow>>,
    pub allowed_oauth_scopes: Option<Vec<String>>,
    pub allowed_oauth_flows_user_pool_client: bool,
    pub analytics_configuration: Option<AnalyticsConfiguration>,
    pub prevent_user_existence_errors: Option<String>,
    pub enable_token_revocation: bool,
    pub enable_propagate_additional_user_context_data: bool,
    pub auth_session_validity: u32,
    pub refresh_token_rotation: Option<RefreshTokenRotation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenValidityUnits {
    pub access_token: Option<TimeUnit>,
    pub id_token: Option<TimeUnit>,
    pub refresh_token: Option<TimeUnit>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsConfiguration {
    pub application_id: Option<String>,
    pub application_arn: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub user_data_shared: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshTokenRotation {
    pub enabled: bool,
    pub retry_grace_period_seconds: Option<u32>,
}

/// What CreateUserPoolClient and UpdateUserPoolClient carry.
#[derive(Debug, Clone, Default)]
pub struct ClientInput {
    pub name: Option<String>,
    pub generate_secret: bool,
    pub client_secret: Option<String>,
    pub refresh_token_validity: Option<u32>,
    pub access_token_validity: Option<u32>,
    pub id_token_validity: Option<u32>,
    pub token_validity_units: Option<TokenValidityUnits>,
    pub read_attributes: Option<Vec<String>>,
    pub write_attributes: Option<Vec<String>>,
    pub explicit_auth_flows: Option<Vec<ExplicitAuthFlow>>,
    pub supported_identity_providers: Option<Vec<String>>,
    pub callback_urls: Option<Vec<String>>,
    pub logout_urls: Option<Vec<String>>,
    pub default_redirect_uri: Option<String>,
    pub allowed_oauth_flows: Option<Vec<OAuthFlow>>,
    pub allowed_oauth_scopes: Option<Vec<String>>,
    pub allowed_oauth_flows_user_pool_client: Option<bool>,
    pub analytics_configuration: Option<AnalyticsConfiguration>,
    pub prevent_user_existence_errors: Option<String>,
    pub enable_token_revocation: Option<bool>,
    pub enable_propagate_additional_user_context_data: Option<bool>,
    pub auth_session_validity: Option<u32>,
    pub refresh_token_rotation: Option<RefreshTokenRotation>,
}

/// A client secret as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecretView {
    pub id: String,
    pub value: Option<String>,
    pub created: Timestamp,
}

impl AppClient {
    pub fn has_secret(&self) -> bool {
        !self.secrets.is_empty()
    }

    /// The flows this client accepts; Cognito's default when none were configured.
    pub fn auth_flows(&self) -> Vec<ExplicitAuthFlow> {
        match &self.settings.explicit_auth_flows {
            Some(flows) if !flows.is_empty() => flows.clone(),
            _ => vec![
                ExplicitAuthFlow::AllowRefreshTokenAuth,
                ExplicitAuthFlow::AllowUserSrpAuth,
                ExplicitAuthFlow::AllowCustomAuth,
            ],
        }
    }

    pub fn prevents_user_existence_errors(&self) -> bool {
        self.settings.prevent_user_existence_errors.as_deref() == Some("ENABLED")
    }

    /// Access-token lifetime in seconds.
    pub fn access_token_seconds(&self) -> i64 {
        let units = self
            .settings
            .token_validity_units
            .access_token
            .unwrap_or(TimeUnit::Hours);
        self.settings
            .access_token_validity
            .map_or(3600, |v| i64::from(v) * units.seconds())
    }

    /// ID-token lifetime in seconds.
    pub fn id_token_seconds(&self) -> i64 {
        let units = self
            .settings
            .token_validity_units
            .id_token
            .unwrap_or(TimeUnit::Hours);
        self.settings
            .id_token_validity
            .map_or(3600, |v| i64::from(v) * units.seconds())
    }

    /// Refresh-token lifetime in seconds.
    pub fn refresh_token_seconds(&self) -> i64 {
        let units = self
            .settings
            .token_validity_units
            .refresh_token
            .unwrap_or(TimeUnit::Days);
        i64::from(self.settings.refresh_token_validity) * units.seconds()
    }
}

fn settings_from(input: &ClientInput, pool: &UserPool, has_secret: bool) -> Result<ClientSettings> {
    let settings = ClientSettings {
        refresh_token_validity: match input.refresh_token_validity {
            None | Some(0) => default_refresh_validity(input),
            Some(v) => v,
        },
        access_token_validity: input.access_token_validity,
        id_token_validity: input.id_token_validity,
        token_validity_units: input.token_validity_units.clone().unwrap_or_default(),
        read_attributes: input.read_attributes.clone(),
        write_attributes: input.write_attributes.clone(),
        explicit_auth_flows: input.explicit_auth_flows.clone(),
        supported_identity_providers: input.supported_identity_providers.clone(),
        callback_urls: input.callback_urls.clone(),
        logout_urls: input.logout_urls.clone(),
        default_redirect_uri: input.default_redirect_uri.clone(),
        allowed_oauth_flows: input.allowed_oauth_flows.clone(),
        allowed_oauth_scopes: input.allowed_oauth_scopes.clone(),
        allowed_oauth_flows_user_pool_client: input
            .allowed_oauth_flows_user_pool_client
            .unwrap_or(false),
        analytics_configuration: input.analytics_configuration.clone(),
        prevent_user_existence_errors: input.prevent_user_existence_errors.clone(),
        enable_token_revocation: input.enable_token_revocation.unwrap_or(true),
        enable_propagate_additional_user_context_data: input
            .enable_propagate_additional_user_context_data
            .unwrap_or(false),
        auth_session_validity: input.auth_session_validity.unwrap_or(3),
        refresh_token_rotation: input.refresh_token_rotation.clone(),
    };
    check_token_validity(&settings)?;
    check_auth_flows(settings.explicit_auth_flows.as_deref().unwrap_or_default())?;
    check_attribute_permissions(&settings, pool)?;
    check_oauth(&settings, has_secret)?;
    Ok(settings)
}

/// Cognito's default refresh validity is 30 days, expressed in whatever unit was chosen.
fn default_refresh_validity(input: &ClientInput) -> u32 {
    let unit = input
        .token_validity_units
        .as_ref()
        .and_then(|u| u.refresh_token)
        .unwrap_or(TimeUnit::Days);
    u32::try_from(30 * 86_400 / unit.seconds()).unwrap_or(30)
}

fn check_token_validity(settings: &ClientSettings) -> Result<()> {
    let units = &settings.token_validity_units;
    let seconds = |value: Option<u32>, unit: Option<TimeUnit>, default_unit: TimeUnit| {
        value.map(|v| i64::from(v) * unit.unwrap_or(default_unit).seconds())
    };
    let access = seconds(
        settings.access_token_validity,
        units.access_token,
        TimeUnit::Hours,
    );
    let id = seconds(settings.id_token_validity, units.id_token, TimeUnit::Hours);
    let refresh = i64::from(settings.refresh_token_validity)
        * units.refresh_token.unwrap_or(TimeUnit::Days).seconds();
    for (what, value) in [("AccessToken", access), ("IdToken", id)] {
        if let Some(v) = value
            && !(300..=86_400).contains(&v)
        {
            return Err(Error::invalid_parameter(format!(
                "Invalid range for token validity: {what} validity must be between 5 minutes and 1 day."
            )));
        }
    }
    if !(3600..=315_360_000).contains(&refresh) {
        return Err(Error::invalid_parameter(
            "Invalid range for token validity: RefreshToken validity must be between 60 minutes and 10 years.",
        ));
    }
    for v in [access, id].into_iter().flatten() {
        if v > refresh {
            return Err(Error::invalid_parameter(
                "Invalid range for token validity: access and ID token validity must not exceed refresh token validity.",
            ));
        }
    }
    Ok(())
}

fn check_auth_flows(flows: &[ExplicitAuthFlow]) -> Result<()> {
    use ExplicitAuthFlow::*;
    let legacy = flows
        .iter()
        .any(|f| matches!(f, AdminNoSrpAuth | CustomAuthFlowOnly | UserPasswordAuth));
    let modern = flows
        .iter()
        .any(|f| !matches!(f, AdminNoSrpAuth | CustomAuthFlowOnly | UserPasswordAuth));
    if legacy && modern {
        return Err(Error::invalid_parameter(
            "ExplicitAuthFlows cannot mix legacy values (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) with ALLOW_ values.",
        ));
    }
    Ok(())
}

fn check_attribute_permissions(settings: &ClientSettings, pool: &UserPool) -> Result<()> {
    let known = |name: &str| {
        pool.attribute(name).is_some()
            || name == "email_verified"
            || name == "phone_number_verified"
    };
    if let Some(read) = &settings.read_attributes
        && read.iter().any(|a| !known(a))
    {
        return Err(Error::invalid_parameter(
            "Invalid read attributes specified while creating a client",
        ));
    }
    if let Some(write) = &settings.write_attributes {
        let writable =
            |name: &str| pool.attribute(name).is_some_and(|a| a.mutable) && name != "sub";
        if write.iter().any(|a| !writable(a)) {
            return Err(Error::invalid_parameter(
                "Invalid write attributes specified while creating a client",
            ));
        }
    }
    Ok(())
}

fn check_oauth(settings: &ClientSettings, has_secret: bool) -> Result<()> {
    let flows = settings.allowed_oauth_flows.as_deref().unwrap_or_default();
    let scopes = settings.allowed_oauth_scopes.as_deref().unwrap_or_default();
    let callbacks = settings.callback_urls.as_deref().unwrap_or_default();
    for url in callbacks
        .iter()
        .chain(settings.logout_urls.as_deref().unwrap_or_default())
    {
        check_redirect_url(url)?;
    }
    if let Some(default) = &settings.default_redirect_uri
        && !callbacks.contains(default)
    {
        return Err(Error::invalid_parameter(
            "DefaultRedirectURI must be one of the CallbackURLs.",
        ));
    }
    if !settings.allowed_oauth_flows_user_pool_client {
        return Ok(());
    }
    if flows.is_empty() {
        return Err(Error::invalid_parameter(
            "AllowedOAuthFlows must be specified when AllowedOAuthFlowsUserPoolClient is true.",
        ));
    }
    if scopes.is_empty() {
        return Err(Error::invalid_parameter(
            "AllowedOAuthScopes must be specified when AllowedOAuthFlowsUserPoolClient is true.",
        ));
    }
    let client_credentials = flows.contains(&OAuthFlow::ClientCredentials);
    if client_credentials && flows.len() > 1 {
        return Err(Error::new(
            ErrorKind::InvalidOAuthFlow,
            "client_credentials flow can not be selected along with code flow or implicit flow.",
        ));
    }
    if client_credentials && !has_secret {
        return Err(Error::new(
            ErrorKind::InvalidOAuthFlow,
            "client_credentials flow can not be selected if client does not have a client secret.",
        ));
    }
    if client_credentials && scopes.iter().any(|s| STANDARD_SCOPES.contains(&s.as_str())) {
        return Err(Error::new(
            ErrorKind::InvalidOAuthFlow,
            "client_credentials flow can only be used with custom scopes.",
        ));
    }
    if !client_credentials && callbacks.is_empty() {
        return Err(Error::invalid_parameter(
            "CallbackURLs must be specified when the code or implicit flow is allowed.",
        ));
    }
    Ok(())
}

/// Cognito accepts https URLs, http only for localhost, and custom app schemes; never fragments.
/// `*.localhost` counts as localhost too (browsers resolve it to loopback, RFC 6761), so a
/// second local server's `http://<prefix>.auth.localhost:<port>/oauth2/idpresponse` can be a
/// callback in local development (issue 13 item 5).
fn check_redirect_url(url: &str) -> Result<()> {
    let invalid = || Error::invalid_parameter(format!("Invalid redirect URL: {url}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    if url.contains('#') || rest.is_empty() || scheme.is_empty() {
        return Err(invalid());
    }
    if scheme.eq_ignore_ascii_case("http") {
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host.to_ascii_lowercase().ends_with(".localhost")
            || host == "127.0.0.1"
            || host == "[::1]";
        if !loopback {
            return Err(Error::invalid_parameter(format!(
                "Invalid redirect URL: {url}. http is only allowed for localhost."
            )));
        }
    }
    Ok(())
}

/// Checks that every custom scope exists in one of the pool's resource servers.
fn check_scopes_exist(scopes: &[String], custom_scopes: &[String]) -> Result<()> {
    for scope in scopes {
        if !STANDARD_SCOPES.contains(&scope.as_str()) && !custom_scopes.contains(scope) {
            return Err(Error::new(
                ErrorKind::ScopeDoesNotExist,
                format!("Invalid scope requested: {scope}"),
            ));
        }
    }
    Ok(())
}

impl Domain {
    /// CreateUserPoolClient.
    pub async fn create_user_pool_client(
        &self,
        pool_id: &str,
        input: ClientInput,
    ) -> Result<(AppClient, Option<String>)> {
        let pool = self.user_pool(pool_id).await?;
        let name = input
            .name
            .clone()
            .ok_or_else(|| Error::invalid_parameter("ClientName is required."))?;
        let now = self.now();
        let secret_value = match (&input.client_secret, input.generate_secret) {
            (Some(custom), _) => Some(custom.clone()),
            (None, true) => Some(ids::new_client_secret(self.random())),
            (None, false) => None,
        };
        let settings = settings_from(&input, &pool, secret_value.is_some())?;
        self.check_client_scopes(pool_id, &settings).await?;
        self.check_identity_providers(pool_id, &settings).await?;
        let client_id = ids::new_client_id(self.random());
        let secrets = match &secret_value {
            Some(value) => vec![self.seal_client_secret(&client_id, value, now)?],
            None => Vec::new(),
        };
        let client = AppClient {
            pool_id: pool.id.clone(),
            client_id,
            name,
            created: now,
            modified: now,
            version: 1,
            secrets,
            settings,
        };
        self.store
            .insert_client(&client)
            .await
            .map_err(Error::from)?;
        Ok((client, secret_value))
    }

    /// The client, refusing one that belongs to another pool.
    pub async fn user_pool_client(&self, pool_id: &str, client_id: &str) -> Result<AppClient> {
        self.user_pool(pool_id).await?;
        match self.client_by_id(client_id).await {
            Ok(client) if client.pool_id == pool_id => Ok(client),
            Ok(_) => Err(Error::client_not_found(client_id)),
            Err(e) => Err(e),
        }
    }

    /// The client as stored now, bypassing the cache: read-modify-write needs the current version.
    async fn user_pool_client_for_update(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<AppClient> {
        self.client_cache.remove(client_id);
        self.user_pool_client(pool_id, client_id).await
    }

    /// DescribeUserPoolClient: the client and its current secret in clear.
    pub async fn describe_user_pool_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<(AppClient, Option<String>)> {
        let client = self.user_pool_client(pool_id, client_id).await?;
        let secret = self.current_client_secret(&client)?;
        Ok((client, secret))
    }

    /// UpdateUserPoolClient: replaces the settings; unset members return to their defaults.
    pub async fn update_user_pool_client(
        &self,
        pool_id: &str,
        client_id: &str,
        input: ClientInput,
    ) -> Result<(AppClient, Option<String>)> {
        let pool = self.user_pool(pool_id).await?;
        let mut client = self.user_pool_client_for_update(pool_id, client_id).await?;
        let settings = settings_from(&input, &pool, client.has_secret())?;
        self.check_client_scopes(pool_id, &settings).await?;
        self.check_identity_providers(pool_id, &settings).await?;
        if let Some(name) = input.name {
            client.name = name;
        }
        client.settings = settings;
        let client = self.save_client(client).await?;
        let secret = self.current_client_secret(&client)?;
        Ok((client, secret))
    }

    /// DeleteUserPoolClient.
    pub async fn delete_user_pool_client(&self, pool_id: &str, client_id: &str) -> Result<()> {
        self.user_pool_client(pool_id, client_id).await?;
        self.store
            .delete_client(pool_id, client_id)
            .await
            .map_err(Error::from)?;
        self.client_cache.remove(client_id);
        Ok(())
    }

    /// ListUserPoolClients.
    pub async fn list_user_pool_clients(
        &self,
        pool_id: &str,
        next: Option<&str>,
        page_size: PageSize,
    ) -> Result<Page<AppClient>> {
        let limit = page_size.or(paging::DIRECTORY);
        self.user_pool(pool_id).await?;
        let scope = format!("clients:{pool_id}");
        let after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let mut clients = self
            .store
            .list_clients(pool_id, after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut clients, limit, &scope, |c| c.client_id.clone())?;
        Ok(Page {
            items: clients,
            next,
        })
    }

    /// AddUserPoolClientSecret: a second secret for rotation.
    pub async fn add_user_pool_client_secret(
        &self,
        pool_id: &str,
        client_id: &str,
        value: Option<String>,
    ) -> Result<ClientSecretView> {
        let mut client = self.user_pool_client_for_update(pool_id, client_id).await?;
        if client.secrets.len() >= MAX_CLIENT_SECRETS {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "The app client {client_id} already has the maximum number of client secrets."
                ),
            ));
        }
        let now = self.now();
        let value = value.unwrap_or_else(|| ids::new_client_secret(self.random()));
        let secret = self.seal_client_secret(client_id, &value, now)?;
        let view = ClientSecretView {
            id: secret.id.clone(),
            value: Some(value),
            created: now,
        };
        client.secrets.push(secret);
        self.save_client(client).await?;
        Ok(view)
    }

    /// DeleteUserPoolClientSecret; the last secret of a client cannot be removed.
    pub async fn delete_user_pool_client_secret(
        &self,
        pool_id: &str,
        client_id: &str,
        secret_id: &str,
    ) -> Result<()> {
        let mut client = self.user_pool_client_for_update(pool_id, client_id).await?;
        let before = client.secrets.len();
        client.secrets.retain(|s| s.id != secret_id);
        if client.secrets.len() == before {
            return Err(Error::resource_not_found(format!(
                "Client secret {secret_id} does not exist."
            )));
        }
        if client.secrets.is_empty() {
            return Err(Error::invalid_parameter(
                "The last client secret of an app client cannot be deleted.",
            ));
        }
        self.save_client(client).await.map(|_| ())
    }

    /// ListUserPoolClientSecrets: ids and dates, never values.
    pub async fn list_user_pool_client_secrets(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Vec<ClientSecretView>> {
        let client = self.user_pool_client(pool_id, client_id).await?;
        Ok(client
            .secrets
            .iter()
            .map(|s| ClientSecretView {
                id: s.id.clone(),
                value: None,
                created: s.created,
            })
            .collect())
    }

    /// Every secret of the client in clear, for SECRET_HASH checks (either may be in use).
    pub fn client_secrets(&self, client: &AppClient) -> Result<Vec<String>> {
        client
            .secrets
            .iter()
            .map(|s| self.open_client_secret(&client.client_id, s))
            .collect()
    }

    /// Whether `given` is one of the client's secrets, compared in constant time.
    pub(crate) fn client_secret_matches(&self, client: &AppClient, given: &str) -> Result<bool> {
        Ok(self.client_secrets(client)?.iter().any(|s| {
            bool::from(subtle::ConstantTimeEq::ct_eq(
                s.as_bytes(),
                given.as_bytes(),
            ))
        }))
    }

    fn current_client_secret(&self, client: &AppClient) -> Result<Option<String>> {
        client
            .secrets
            .first()
            .map(|s| self.open_client_secret(&client.client_id, s))
            .transpose()
    }

    fn seal_client_secret(
        &self,
        client_id: &str,
        value: &str,
        now: Timestamp,
    ) -> Result<ClientSecret> {
        let id = format!("{client_id}--{}", now.millis());
        Ok(ClientSecret {
            sealed: self
                .keys
                .seal(&secret_purpose(client_id), value.as_bytes())?,
            id,
            created: now,
        })
    }

    fn open_client_secret(&self, client_id: &str, secret: &ClientSecret) -> Result<String> {
        let bytes = self.keys.open(&secret_purpose(client_id), &secret.sealed)?;
        String::from_utf8(bytes).map_err(|_| Error::internal("client secret is not UTF-8"))
    }

    async fn save_client(&self, mut client: AppClient) -> Result<AppClient> {
        let expected = client.version;
        client.version += 1;
        client.modified = self.now();
        self.store
            .update_client(&client, expected)
            .await
            .map_err(Error::from)?;
        // Dropped after the write, so a concurrent read cannot cache the old settings again.
        self.client_cache.remove(&client.client_id);
        Ok(client)
    }

    /// Every name in SupportedIdentityProviders is `COGNITO` or one of the pool's identity
    /// providers (Cognito's message, as Terraform users meet it).
    async fn check_identity_providers(
        &self,
        pool_id: &str,
        settings: &ClientSettings,
    ) -> Result<()> {
        for name in settings.supported_identity_providers.iter().flatten() {
            if name == "COGNITO" {
                continue;
            }
            let exists = self
                .store
                .get_identity_provider(pool_id, name)
                .await
                .map_err(Error::from)?
                .is_some();
            if !exists {
                return Err(Error::invalid_parameter(format!(
                    "The provider {name} does not exist for User Pool {pool_id}"
                )));
            }
        }
        Ok(())
    }

    async fn check_client_scopes(&self, pool_id: &str, settings: &ClientSettings) -> Result<()> {
        let scopes = settings.allowed_oauth_scopes.as_deref().unwrap_or_default();
        if scopes.iter().all(|s| STANDARD_SCOPES.contains(&s.as_str())) {
            return Ok(());
        }
        let custom = self.custom_scopes(pool_id).await?;
        check_scopes_exist(scopes, &custom)
    }
}

pub(crate) fn secret_purpose(client_id: &str) -> Vec<u8> {
    format!("client-secret:{client_id}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls_follow_cognitos_rules() {
        assert!(check_redirect_url("https://app.example.com/cb").is_ok());
        assert!(check_redirect_url("http://localhost:3000/cb").is_ok());
        assert!(check_redirect_url("myapp://callback").is_ok());
        assert!(check_redirect_url("http://up.auth.localhost:9450/oauth2/idpresponse").is_ok());
        assert!(check_redirect_url("http://localhost.example.com/cb").is_err());
        assert!(check_redirect_url("http://evil.com/x.localhost").is_err());
        assert!(check_redirect_url("http://example.com/cb").is_err());
        assert!(check_redirect_url("https://example.com/cb#frag").is_err());
        assert!(check_redirect_url("not a url").is_err());
    }

    #[test]
    fn legacy_and_new_flows_cannot_mix() {
        use ExplicitAuthFlow::*;
        assert!(check_auth_flows(&[AllowUserSrpAuth, AllowRefreshTokenAuth]).is_ok());
        assert!(check_auth_flows(&[AdminNoSrpAuth, UserPasswordAuth]).is_ok());
        assert!(check_auth_flows(&[AdminNoSrpAuth, AllowUserSrpAuth]).is_err());
    }
}
