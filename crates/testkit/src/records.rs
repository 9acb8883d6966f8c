//! Small constructors for domain records, so tests state only what they care about.
//!
//! Records have public fields: start from one of these and change what the test is about.
//! Keys are given explicitly (the domain computes them in production; a store test only
//! needs them to be distinct strings).

use std::collections::BTreeMap;

use cognate_domain::client::{AppClient, ClientSettings, TokenValidityUnits};
use cognate_domain::enums::UserStatus;
use cognate_domain::group::Group;
use cognate_domain::messages::OutboxEntry;
use cognate_domain::pool::{
    AdminCreateUserConfig, EmailConfiguration, LambdaConfig, MfaSettings, PasswordPolicy,
    PoolSettings, SignInIdentifiers, SignInPolicy, UserPool, VerificationMessageTemplate,
};
use cognate_domain::ports::{StoredCode, UserKeys, UserWrite};
use cognate_domain::signing::{KeyPurpose, SigningKeyRecord};
use cognate_domain::time::Timestamp;
use cognate_domain::tokens::{ADMIN_SCOPE, AuthSession};
use cognate_domain::user::User;

/// A fixed instant the records are created at (2023-11-14T22:13:20Z).
pub const T0: Timestamp = Timestamp(1_700_000_000_000);

/// A pool with Cognito's default settings.
pub fn pool(id: &str) -> UserPool {
    UserPool {
        id: id.to_owned(),
        name: format!("pool {id}"),
        created: T0,
        modified: T0,
        version: 1,
        schema: Vec::new(),
        sign_in: SignInIdentifiers::default(),
        settings: PoolSettings {
            password_policy: PasswordPolicy::default(),
            sign_in_policy: SignInPolicy::default(),
            deletion_protection: false,
            lambda_config: LambdaConfig::default(),
            auto_verified_attributes: Vec::new(),
            verification_message_template: VerificationMessageTemplate::default(),
            sms_verification_message: None,
            email_verification_message: None,
            email_verification_subject: None,
            attributes_require_verification_before_update: Vec::new(),
            device_configuration: None,
            email_configuration: EmailConfiguration::default(),
            sms_configuration: None,
            admin_create_user_config: AdminCreateUserConfig::default(),
            user_pool_add_ons: None,
            dcr_configuration: None,
            account_recovery: None,
            tier: "ESSENTIALS".to_owned(),
            key_configuration: None,
            issuer_type: None,
            acr_configuration: None,
        },
        mfa: MfaSettings::default(),
        tags: BTreeMap::new(),
    }
}

/// An app client without a secret.
pub fn client(pool_id: &str, client_id: &str) -> AppClient {
    AppClient {
        pool_id: pool_id.to_owned(),
        client_id: client_id.to_owned(),
        name: format!("client {client_id}"),
        created: T0,
        modified: T0,
        version: 1,
        secrets: Vec::new(),
        settings: ClientSettings {
            refresh_token_validity: 30,
            access_token_validity: None,
            id_token_validity: None,
            token_validity_units: TokenValidityUnits::default(),
            read_attributes: None,
            write_attributes: None,
            explicit_auth_flows: None,
            supported_identity_providers: None,
            callback_urls: None,
            logout_urls: None,
            default_redirect_uri: None,
            allowed_oauth_flows: None,
            allowed_oauth_scopes: None,
            allowed_oauth_flows_user_pool_client: false,
            analytics_configuration: None,
            prevent_user_existence_errors: None,
            enable_token_revocation: true,
            enable_propagate_additional_user_context_data: false,
            auth_session_validity: 3,
            refresh_token_rotation: None,
        },
    }
}

/// A confirmed, enabled user at version 1 whose only attribute is its `sub`.
pub fn user(pool_id: &str, sub: &str, username: &str) -> User {
    User {
        pool_id: pool_id.to_owned(),
        sub: sub.to_owned(),
        username: username.to_owned(),
        status: UserStatus::Confirmed,
        enabled: true,
        created: T0,
        modified: T0,
        version: 1,
        attributes: BTreeMap::from([("sub".to_owned(), sub.to_owned())]),
        password: None,
        mfa_options: Vec::new(),
        preferred_mfa: None,
        mfa_methods: Vec::new(),
        software_token: Default::default(),
        pending_attributes: BTreeMap::new(),
    }
}

/// Lookup keys: the username itself as the username key, plus the given aliases and
/// searchable (attribute, value) pairs.
pub fn keys(user: &User, aliases: &[&str], search: &[(&str, &str)]) -> UserKeys {
    UserKeys {
        username_key: user.username.clone(),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        search: search
            .iter()
            .map(|(a, v)| ((*a).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// Inserts `user` with these keys.
pub fn insert(user: &User, aliases: &[&str], search: &[(&str, &str)]) -> UserWrite {
    UserWrite {
        user: user.clone(),
        keys: keys(user, aliases, search),
        expected_version: None,
    }
}

/// Writes `user` as the next version of what the store holds (`user.version`), with new keys.
/// Returns the write and the record as it will be stored.
pub fn update(user: &User, aliases: &[&str], search: &[(&str, &str)]) -> (UserWrite, User) {
    let mut next = user.clone();
    next.version += 1;
    next.modified = Timestamp(user.modified.0 + 1);
    let write = UserWrite {
        keys: keys(&next, aliases, search),
        user: next.clone(),
        expected_version: Some(user.version),
    };
    (write, next)
}

pub fn group(pool_id: &str, name: &str) -> Group {
    Group {
        pool_id: pool_id.to_owned(),
        name: name.to_owned(),
        description: None,
        role_arn: None,
        precedence: None,
        created: T0,
        modified: T0,
    }
}

/// A fresh code that expires an hour after [`T0`].
pub fn code(pool_id: &str, sub: &str, purpose: &str, hash: &[u8]) -> StoredCode {
    StoredCode {
        pool_id: pool_id.to_owned(),
        sub: sub.to_owned(),
        purpose: purpose.to_owned(),
        hash: hash.to_vec(),
        expires_at_ms: T0.plus_secs(3600).millis(),
    }
}

pub fn outbox_entry(pool_id: &str, id: &str) -> OutboxEntry {
    OutboxEntry {
        id: id.to_owned(),
        created: T0,
        pool_id: pool_id.to_owned(),
        username: "alice".to_owned(),
        kind: "sign_up_code".to_owned(),
        medium: "EMAIL".to_owned(),
        destination: "alice@example.com".to_owned(),
        subject: Some("Your verification code".to_owned()),
        body: format!("Your verification code is {id}."),
        code: Some(id.to_owned()),
    }
}

/// An active signing key created at [`T0`]; the "sealed" PEM is a placeholder naming the kid.
pub fn signing_key(pool_id: &str, kid: &str, purpose: KeyPurpose) -> SigningKeyRecord {
    SigningKeyRecord {
        pool_id: pool_id.to_owned(),
        kid: kid.to_owned(),
        purpose,
        sealed_pem: format!("sealed pem of {kid}").into_bytes(),
        created: T0,
        activates: None,
        retired: None,
    }
}

/// A fresh, never rotated session of `client-1` signed in at [`T0`] that expires 30 days later.
pub fn session(pool_id: &str, sub: &str, origin_jti: &str, refresh_hash: &[u8]) -> AuthSession {
    AuthSession {
        origin_jti: origin_jti.to_owned(),
        pool_id: pool_id.to_owned(),
        sub: sub.to_owned(),
        client_id: "client-1".to_owned(),
        refresh_hash: refresh_hash.to_vec(),
        previous_refresh_hash: None,
        rotated_at: None,
        created: T0,
        expires: T0.plus_secs(30 * 86_400),
        revoked: None,
        auth_time: T0.secs(),
        scopes: vec!["openid".to_owned(), ADMIN_SCOPE.to_owned()],
        device_key: None,
    }
}

/// `session` after a rotation at `at` to `new_hash`: the current hash becomes the previous one.
pub fn rotated(session: &AuthSession, new_hash: &[u8], at: Timestamp) -> AuthSession {
    AuthSession {
        previous_refresh_hash: Some(session.refresh_hash.clone()),
        refresh_hash: new_hash.to_vec(),
        rotated_at: Some(at),
        ..session.clone()
    }
}
