//! Issue 4, remembered devices: NewDeviceMetadata, ConfirmDevice with the device's SRP
//! verifier, DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER instead of MFA, the `device_key`
//! claim, refresh with DEVICE_KEY, and the device operations with their Admin variants.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, DeviceRememberedStatusType,
    DeviceSecretVerifierConfigType, DeviceType, SmsMfaSettingsType, UserPoolMfaType,
};
use base64::Engine;
use cognate_crypto::srp;

use crate::mfa::{MfaPool, PASSWORD, answer, mfa_app, mfa_user};
use crate::on_both_backends;
use crate::support::flows::{App, claims, now_secs};
use crate::support::{TestServer, error_of};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What a client keeps for a device it confirmed.
pub struct DeviceSecret {
    pub key: String,
    pub group_key: String,
    pub password: String,
}

/// The DeviceSecretVerifierConfig of a device password, as Cognito's clients build it.
pub fn verifier_config(
    group_key: &str,
    key: &str,
    password: &str,
) -> DeviceSecretVerifierConfigType {
    let mut salt = [0u8; 16];
    cognate_crypto::random::RandomSource::fill(&cognate_crypto::random::SystemRandom, &mut salt);
    let verifier = srp::verifier(group_key, key, password, &salt);
    DeviceSecretVerifierConfigType::builder()
        .salt(B64.encode(srp::pad_bytes(&salt)))
        .password_verifier(B64.encode(srp::pad_bytes(verifier.v_bytes().expose())))
        .build()
}

/// Confirms the device a sign-in was given; returns UserConfirmationNecessary.
pub(crate) async fn confirm(
    client: &Client,
    result: &AuthenticationResultType,
) -> (DeviceSecret, bool) {
    let metadata = result.new_device_metadata().expect("NewDeviceMetadata");
    let secret = DeviceSecret {
        key: metadata.device_key().unwrap().to_owned(),
        group_key: metadata.device_group_key().unwrap().to_owned(),
        password: format!("device-password-{}", uuid::Uuid::new_v4()),
    };
    let confirmed = client
        .confirm_device()
        .access_token(result.access_token().unwrap())
        .device_key(&secret.key)
        .device_secret_verifier_config(verifier_config(
            &secret.group_key,
            &secret.key,
            &secret.password,
        ))
        .device_name("test laptop")
        .send()
        .await
        .unwrap();
    (secret, confirmed.user_confirmation_necessary())
}

async fn sign_in_with_device(
    client: &Client,
    app: &App,
    username: &str,
    device_key: Option<&str>,
) -> aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput {
    let mut request = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", PASSWORD);
    if let Some(key) = device_key {
        request = request.auth_parameters("DEVICE_KEY", key);
    }
    request.send().await.unwrap()
}

/// Answers SMS_MFA with the last code sent.
async fn pass_sms(
    server: &TestServer,
    client: &Client,
    app: &App,
    started: &aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    username: &str,
) -> AuthenticationResultType {
    assert_eq!(started.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let code: String = server
        .sms
        .messages_to(crate::mfa::PHONE)
        .last()
        .unwrap()
        .body
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    answer(
        client,
        app,
        ChallengeNameType::SmsMfa,
        started.session().unwrap(),
        username,
        &code,
    )
    .await
    .unwrap()
    .authentication_result
    .unwrap()
}

/// DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER, with the device's password (or a wrong one).
pub(crate) async fn device_srp(
    client: &Client,
    app: &App,
    username: &str,
    session: &str,
    device: &DeviceSecret,
    password: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
    >,
>{
    let mut a = [0u8; 128];
    cognate_crypto::random::RandomSource::fill(&cognate_crypto::random::SystemRandom, &mut a);
    let big_a = srp::client_ephemeral(&a).unwrap();
    let verifier = client
        .respond_to_auth_challenge()
        .client_id(&app.client_id)
        .challenge_name(ChallengeNameType::DeviceSrpAuth)
        .session(session)
        .challenge_responses("USERNAME", username)
        .challenge_responses("DEVICE_KEY", &device.key)
        .challenge_responses("SRP_A", srp::to_hex(&big_a))
        .send()
        .await?;
    assert_eq!(
        verifier.challenge_name(),
        Some(&ChallengeNameType::DevicePasswordVerifier)
    );
    let params = verifier.challenge_parameters().unwrap();
    assert_eq!(params["DEVICE_KEY"], device.key);
    let salt = hex::decode(&params["SALT"]).unwrap();
    let big_b = srp::parse_hex(&params["SRP_B"]).unwrap();
    let block = params["SECRET_BLOCK"].clone();
    let key = srp::client_session_key(
        &device.group_key,
        &device.key,
        password,
        &salt,
        &big_a,
        &big_b,
        &a,
    )
    .unwrap();
    let timestamp = srp::format_timestamp(now_secs());
    let signature = srp::password_claim_signature(
        &key,
        &device.group_key,
        &device.key,
        &B64.decode(&block).unwrap(),
        &timestamp,
    );
    client
        .respond_to_auth_challenge()
        .client_id(&app.client_id)
        .challenge_name(ChallengeNameType::DevicePasswordVerifier)
        .session(verifier.session().unwrap())
        .challenge_responses("USERNAME", username)
        .challenge_responses("DEVICE_KEY", &device.key)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &block)
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", B64.encode(signature))
        .challenge_responses("TIMESTAMP", timestamp)
        .send()
        .await
}

fn attribute<'a>(device: &'a DeviceType, name: &str) -> Option<&'a str> {
    device
        .device_attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
}

fn assert_error(actual: (String, String), type_name: &str, message: &str) {
    assert_eq!((actual.0.as_str(), actual.1.as_str()), (type_name, message));
}

const NO_DEVICE: (&str, &str) = ("ResourceNotFoundException", "Device does not exist.");

on_both_backends!(a_remembered_device_replaces_mfa, |server| {
    let client = server.client();
    let app = mfa_app(
        &client,
        MfaPool {
            mode: Some(UserPoolMfaType::Optional),
            sms: true,
            devices: Some((true, true)),
            ..MfaPool::default()
        },
    )
    .await;
    mfa_user(&client, &app, "dana", true).await;
    client
        .admin_set_user_mfa_preference()
        .user_pool_id(&app.pool)
        .username("dana")
        .sms_mfa_settings(
            SmsMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();

    // A sign-in without a device key is given one, which its access token names.
    let first = sign_in_with_device(&client, &app, "dana", None).await;
    let result = pass_sms(server, &client, &app, &first, "dana").await;
    let metadata = result.new_device_metadata().unwrap();
    let key = metadata.device_key().unwrap().to_owned();
    assert!(key.starts_with("us-east-1_"), "{key}");
    assert!(!metadata.device_group_key().unwrap().is_empty());
    let access = claims(result.access_token().unwrap());
    assert_eq!(access["device_key"], key.as_str());
    assert!(
        claims(result.id_token().unwrap())
            .get("device_key")
            .is_none()
    );

    // Only that key can be confirmed with that token.
    let other = format!("us-east-1_{}", uuid::Uuid::new_v4());
    assert_error(
        error_of(
            client
                .confirm_device()
                .access_token(result.access_token().unwrap())
                .device_key(&other)
                .device_secret_verifier_config(verifier_config("g", &other, "p"))
                .send()
                .await,
        ),
        NO_DEVICE.0,
        NO_DEVICE.1,
    );
    let (device, necessary) = confirm(&client, &result).await;
    assert!(necessary, "DeviceOnlyRememberedOnUserPrompt asks the user");
    assert_error(
        error_of(
            client
                .confirm_device()
                .access_token(result.access_token().unwrap())
                .device_key(&device.key)
                .device_secret_verifier_config(verifier_config(
                    &device.group_key,
                    &device.key,
                    "another",
                ))
                .send()
                .await,
        ),
        "DeviceKeyExistsException",
        "Device key already exists.",
    );
    let token = result.access_token().unwrap().to_owned();
    let got = client
        .get_device()
        .access_token(&token)
        .device_key(&device.key)
        .send()
        .await
        .unwrap()
        .device
        .unwrap();
    assert_eq!(got.device_key(), Some(device.key.as_str()));
    assert_eq!(attribute(&got, "device_name"), Some("test laptop"));
    assert_eq!(
        attribute(&got, "dev:device_remembered_status"),
        Some("not_remembered")
    );
    assert!(got.device_create_date().is_some() && got.device_last_authenticated_date().is_some());

    // A tracked device that is not remembered still gets MFA, and no new key.
    let tracked = sign_in_with_device(&client, &app, "dana", Some(&device.key)).await;
    let result = pass_sms(server, &client, &app, &tracked, "dana").await;
    assert!(result.new_device_metadata().is_none());
    assert_eq!(
        claims(result.access_token().unwrap())["device_key"],
        device.key.as_str()
    );

    client
        .update_device_status()
        .access_token(&token)
        .device_key(&device.key)
        .device_remembered_status(DeviceRememberedStatusType::Remembered)
        .send()
        .await
        .unwrap();
    let remembered = sign_in_with_device(&client, &app, "dana", Some(&device.key)).await;
    assert_eq!(
        remembered.challenge_name(),
        Some(&ChallengeNameType::DeviceSrpAuth)
    );
    let session = remembered.session().unwrap().to_owned();
    // Another device key than the one the sign-in named is refused.
    let (code, message) = error_of(
        client
            .respond_to_auth_challenge()
            .client_id(&app.client_id)
            .challenge_name(ChallengeNameType::DeviceSrpAuth)
            .session(&session)
            .challenge_responses("USERNAME", "dana")
            .challenge_responses("DEVICE_KEY", &other)
            .challenge_responses("SRP_A", "abcdef")
            .send()
            .await,
    );
    assert_eq!((code.as_str(), message.as_str()), NO_DEVICE);
    // A wrong device password fails the verifier.
    assert_error(
        error_of(device_srp(&client, &app, "dana", &session, &device, "wrong password").await),
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    // The DEVICE_SRP_AUTH session was spent by the failed round.
    assert_error(
        error_of(device_srp(&client, &app, "dana", &session, &device, &device.password).await),
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    );
    let sms_before = server.sms.messages_to(crate::mfa::PHONE).len();
    let remembered = sign_in_with_device(&client, &app, "dana", Some(&device.key)).await;
    let done = device_srp(
        &client,
        &app,
        "dana",
        remembered.session().unwrap(),
        &device,
        &device.password,
    )
    .await
    .unwrap();
    let result = done.authentication_result().unwrap();
    assert!(result.new_device_metadata().is_none());
    assert_eq!(
        server.sms.messages_to(crate::mfa::PHONE).len(),
        sms_before,
        "no SMS was sent"
    );
    let access = claims(result.access_token().unwrap());
    assert_eq!(access["device_key"], device.key.as_str());

    // Refresh with the device's key keeps the claim; with another key it is refused.
    let refresh = result.refresh_token().unwrap().to_owned();
    let refreshed = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .auth_parameters("DEVICE_KEY", &device.key)
        .send()
        .await
        .unwrap();
    let renewed = refreshed.authentication_result().unwrap();
    assert_eq!(
        claims(renewed.access_token().unwrap())["device_key"],
        device.key.as_str()
    );
    assert_error(
        error_of(
            client
                .initiate_auth()
                .client_id(&app.client_id)
                .auth_flow(AuthFlowType::RefreshTokenAuth)
                .auth_parameters("REFRESH_TOKEN", &refresh)
                .auth_parameters("DEVICE_KEY", &other)
                .send()
                .await,
        ),
        "NotAuthorizedException",
        "Invalid Refresh Token",
    );

    // A second device, to page through.
    let fresh = sign_in_with_device(&client, &app, "dana", None).await;
    let second_result = pass_sms(server, &client, &app, &fresh, "dana").await;
    let (second, _) = confirm(&client, &second_result).await;
    let token = second_result.access_token().unwrap().to_owned();
    let mut keys = Vec::new();
    let mut page_token = None;
    loop {
        let page = client
            .list_devices()
            .access_token(&token)
            .limit(1)
            .set_pagination_token(page_token)
            .send()
            .await
            .unwrap();
        keys.extend(
            page.devices()
                .iter()
                .map(|d| d.device_key().unwrap().to_owned()),
        );
        page_token = page.pagination_token().map(str::to_owned);
        if page_token.is_none() {
            break;
        }
    }
    let mut expected = vec![device.key.clone(), second.key.clone()];
    expected.sort();
    assert_eq!(keys, expected);
    let listed = client
        .admin_list_devices()
        .user_pool_id(&app.pool)
        .username("dana")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.devices().len(), 2);
    let admin_got = client
        .admin_get_device()
        .user_pool_id(&app.pool)
        .username("dana")
        .device_key(&device.key)
        .send()
        .await
        .unwrap()
        .device
        .unwrap();
    assert_eq!(
        attribute(&admin_got, "dev:device_remembered_status"),
        Some("remembered")
    );

    // Not remembered any more: MFA again.
    client
        .admin_update_device_status()
        .user_pool_id(&app.pool)
        .username("dana")
        .device_key(&device.key)
        .device_remembered_status(DeviceRememberedStatusType::NotRemembered)
        .send()
        .await
        .unwrap();
    let again = sign_in_with_device(&client, &app, "dana", Some(&device.key)).await;
    assert_eq!(again.challenge_name(), Some(&ChallengeNameType::SmsMfa));

    // Forgotten devices are gone for every operation and for sign-in.
    client
        .forget_device()
        .access_token(&token)
        .device_key(&device.key)
        .send()
        .await
        .unwrap();
    assert_error(
        error_of(
            client
                .get_device()
                .access_token(&token)
                .device_key(&device.key)
                .send()
                .await,
        ),
        NO_DEVICE.0,
        NO_DEVICE.1,
    );
    assert_error(
        error_of(
            client
                .initiate_auth()
                .client_id(&app.client_id)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "dana")
                .auth_parameters("PASSWORD", PASSWORD)
                .auth_parameters("DEVICE_KEY", &device.key)
                .send()
                .await,
        ),
        NO_DEVICE.0,
        NO_DEVICE.1,
    );
    assert_error(
        error_of(
            client
                .forget_device()
                .access_token(&token)
                .device_key(&device.key)
                .send()
                .await,
        ),
        NO_DEVICE.0,
        NO_DEVICE.1,
    );
    client
        .admin_forget_device()
        .user_pool_id(&app.pool)
        .username("dana")
        .device_key(&second.key)
        .send()
        .await
        .unwrap();
    assert!(
        client
            .admin_list_devices()
            .user_pool_id(&app.pool)
            .username("dana")
            .send()
            .await
            .unwrap()
            .devices()
            .is_empty()
    );
});

on_both_backends!(
    devices_are_remembered_at_once_unless_the_user_is_asked,
    |server| {
        let client = server.client();
        let app = mfa_app(
            &client,
            MfaPool {
                devices: Some((true, false)),
                ..MfaPool::default()
            },
        )
        .await;
        mfa_user(&client, &app, "rita", false).await;
        let first = sign_in_with_device(&client, &app, "rita", None).await;
        let result = first.authentication_result().unwrap();
        let (device, necessary) = confirm(&client, result).await;
        assert!(!necessary);
        // Without MFA, a remembered device still proves itself with device SRP.
        let next = sign_in_with_device(&client, &app, "rita", Some(&device.key)).await;
        assert_eq!(
            next.challenge_name(),
            Some(&ChallengeNameType::DeviceSrpAuth)
        );
        let done = device_srp(
            &client,
            &app,
            "rita",
            next.session().unwrap(),
            &device,
            &device.password,
        )
        .await
        .unwrap();
        assert!(done.authentication_result().is_some());

        // Without device tracking there is no NewDeviceMetadata and DEVICE_KEY is ignored.
        let plain = mfa_app(&client, MfaPool::default()).await;
        mfa_user(&client, &plain, "rita", false).await;
        let signed_in = sign_in_with_device(&client, &plain, "rita", Some(&device.key)).await;
        let result = signed_in.authentication_result().unwrap();
        assert!(result.new_device_metadata().is_none());
        assert!(
            claims(result.access_token().unwrap())
                .get("device_key")
                .is_none()
        );
    }
);

on_both_backends!(
    remembered_devices_skip_mfa_only_when_the_pool_says_so,
    |server| {
        let client = server.client();
        // ChallengeRequiredOnNewDevice false: devices are tracked and remembered, but MFA stays.
        let app = mfa_app(
            &client,
            MfaPool {
                mode: Some(UserPoolMfaType::Optional),
                sms: true,
                devices: Some((false, false)),
                ..MfaPool::default()
            },
        )
        .await;
        mfa_user(&client, &app, "mia", true).await;
        client
            .admin_set_user_mfa_preference()
            .user_pool_id(&app.pool)
            .username("mia")
            .sms_mfa_settings(
                SmsMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let first = sign_in_with_device(&client, &app, "mia", None).await;
        let result = pass_sms(server, &client, &app, &first, "mia").await;
        let (device, necessary) = confirm(&client, &result).await;
        assert!(!necessary);
        let next = sign_in_with_device(&client, &app, "mia", Some(&device.key)).await;
        let result = pass_sms(server, &client, &app, &next, "mia").await;
        assert!(result.new_device_metadata().is_none());
        assert_eq!(
            claims(result.access_token().unwrap())["device_key"],
            device.key.as_str()
        );
    }
);
