//! Helpers that play the client side of Cognito's flows: a pool with an app client, the SRP
//! exchange (with Cognate's own SRP client half, checked against the reference vectors), and
//! SECRET_HASH.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, ExplicitAuthFlowsType,
    MessageActionType, PreventUserExistenceErrorTypes, VerifiedAttributeType,
};
use base64::Engine;
use cognate_crypto::srp;

pub struct App {
    pub pool: String,
    pub client_id: String,
    pub secret: Option<String>,
}

impl App {
    pub fn secret_hash(&self, username: &str) -> Option<String> {
        self.secret
            .as_ref()
            .map(|s| cognate_crypto::secret_hash::secret_hash(s, username, &self.client_id))
    }

    pub fn pool_name(&self) -> &str {
        srp::pool_name(&self.pool)
    }
}

pub struct AppOptions {
    pub secret: bool,
    pub hide_existence: bool,
    pub auto_verify_email: bool,
    pub rotation: bool,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            secret: false,
            hide_existence: false,
            auto_verify_email: true,
            rotation: false,
        }
    }
}

/// A pool (email auto-verified) and a client allowing SRP, password, admin password and refresh.
pub async fn app(client: &Client, options: AppOptions) -> App {
    let mut pool = client.create_user_pool().pool_name("signin");
    if options.auto_verify_email {
        pool = pool.auto_verified_attributes(VerifiedAttributeType::Email);
    }
    let pool = pool.send().await.unwrap().user_pool.unwrap().id.unwrap();
    let mut request = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .generate_secret(options.secret)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth);
    if options.hide_existence {
        request = request.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled);
    }
    if options.rotation {
        request = request.refresh_token_rotation(
            aws_sdk_cognitoidentityprovider::types::RefreshTokenRotationType::builder()
                .feature(aws_sdk_cognitoidentityprovider::types::FeatureType::Enabled)
                .retry_grace_period_seconds(10)
                .build()
                .unwrap(),
        );
    }
    let created = request.send().await.unwrap().user_pool_client.unwrap();
    App {
        pool,
        client_id: created.client_id.unwrap(),
        secret: created.client_secret,
    }
}

/// A confirmed user with a permanent password (through the admin API).
pub async fn confirmed_user(
    client: &Client,
    app: &App,
    username: &str,
    password: &str,
    email: &str,
) {
    client
        .admin_create_user()
        .user_pool_id(&app.pool)
        .username(username)
        .user_attributes(attr("email", email))
        .user_attributes(attr("email_verified", "true"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    client
        .admin_set_user_password()
        .user_pool_id(&app.pool)
        .username(username)
        .password(password)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

pub fn attr(name: &str, value: &str) -> aws_sdk_cognitoidentityprovider::types::AttributeType {
    aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// USER_PASSWORD_AUTH through InitiateAuth.
pub async fn password_sign_in(
    client: &Client,
    app: &App,
    username: &str,
    password: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError,
    >,
> {
    let mut request = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password);
    if let Some(hash) = app.secret_hash(username) {
        request = request.auth_parameters("SECRET_HASH", hash);
    }
    request.send().await
}

/// Tokens from a successful password sign-in.
pub async fn tokens(
    client: &Client,
    app: &App,
    username: &str,
    password: &str,
) -> AuthenticationResultType {
    password_sign_in(client, app, username, password)
        .await
        .unwrap()
        .authentication_result
        .unwrap()
}

/// USER_SRP_AUTH then PASSWORD_VERIFIER, computed as Cognito's clients do.
pub async fn srp_sign_in(
    client: &Client,
    app: &App,
    username: &str,
    password: &str,
) -> Result<
    RespondToAuthChallengeOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
    >,
>{
    let mut a = [0u8; 128];
    cognate_crypto::random::RandomSource::fill(&cognate_crypto::random::SystemRandom, &mut a);
    let big_a = srp::client_ephemeral(&a).unwrap();
    let mut initiate = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", srp::to_hex(&big_a));
    if let Some(hash) = app.secret_hash(username) {
        initiate = initiate.auth_parameters("SECRET_HASH", hash);
    }
    let challenge = initiate.send().await.unwrap();
    assert_eq!(
        challenge.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params = challenge.challenge_parameters().unwrap();
    let user_id = params["USER_ID_FOR_SRP"].clone();
    let salt = hex::decode(&params["SALT"]).unwrap();
    let big_b = srp::parse_hex(&params["SRP_B"]).unwrap();
    let secret_block = params["SECRET_BLOCK"].clone();
    let key = srp::client_session_key(
        app.pool_name(),
        &user_id,
        password,
        &salt,
        &big_a,
        &big_b,
        &a,
    )
    .unwrap();
    let timestamp = srp::format_timestamp(now_secs());
    let block_bytes = base64::engine::general_purpose::STANDARD
        .decode(&secret_block)
        .unwrap();
    let signature =
        srp::password_claim_signature(&key, app.pool_name(), &user_id, &block_bytes, &timestamp);
    respond_password_verifier(client, app, &user_id, &secret_block, &timestamp, &signature).await
}

pub async fn respond_password_verifier(
    client: &Client,
    app: &App,
    user_id: &str,
    secret_block: &str,
    timestamp: &str,
    signature: &[u8],
) -> Result<
    RespondToAuthChallengeOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
    >,
>{
    let mut respond = client
        .respond_to_auth_challenge()
        .client_id(&app.client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", user_id)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", secret_block)
        .challenge_responses(
            "PASSWORD_CLAIM_SIGNATURE",
            base64::engine::general_purpose::STANDARD.encode(signature),
        )
        .challenge_responses("TIMESTAMP", timestamp);
    if let Some(hash) = app.secret_hash(user_id) {
        respond = respond.challenge_responses("SECRET_HASH", hash);
    }
    respond.send().await
}

pub fn now_secs() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// The claims of a JWT, without checking anything.
pub fn claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

pub fn header(token: &str) -> serde_json::Value {
    let head = token.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(head)
            .unwrap(),
    )
    .unwrap()
}
