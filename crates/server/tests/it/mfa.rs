//! Issue 4, MFA: the pool's MfaConfiguration and factors driving the challenges, software
//! tokens (AssociateSoftwareToken, VerifySoftwareToken, SOFTWARE_TOKEN_MFA, MFA_SETUP), SMS
//! and email codes (SMS_MFA, EMAIL_OTP), SELECT_MFA_TYPE, the users' preferences, and every
//! wrong, expired and reused code with Cognito's error.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, DeviceConfigurationType, EmailConfigurationType,
    EmailMfaConfigType, EmailMfaSettingsType, EmailSendingAccountType, ExplicitAuthFlowsType,
    MfaOptionType, SmsMfaConfigType, SmsMfaSettingsType, SoftwareTokenMfaConfigType,
    SoftwareTokenMfaSettingsType, UserPoolMfaType, VerifySoftwareTokenResponseType,
};
use cognate_domain::time::Clock;

use crate::on_both_backends;
use crate::support::flows::{App, attr, confirmed_user, password_sign_in};
use crate::support::{TestServer, error_of};

pub const PASSWORD: &str = "Mfa-Passw0rd!";
pub const PHONE: &str = "+15555550142";

/// What a test pool offers.
#[derive(Default, Clone)]
pub struct MfaPool {
    pub mode: Option<UserPoolMfaType>,
    pub sms: bool,
    pub totp: bool,
    pub email: bool,
    /// DeviceConfiguration: Some((ChallengeRequiredOnNewDevice, DeviceOnlyRememberedOnUserPrompt)).
    pub devices: Option<(bool, bool)>,
}

/// A pool (sending email as DEVELOPER, so that email MFA is allowed) with its MFA
/// configuration, and a client allowing SRP, password, admin password and refresh.
pub async fn mfa_app(client: &Client, options: MfaPool) -> App {
    let mut pool = client
        .create_user_pool()
        .pool_name("mfa")
        .email_configuration(
            EmailConfigurationType::builder()
                .email_sending_account(EmailSendingAccountType::Developer)
                .source_arn("arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com")
                .build(),
        );
    if let Some((replaces_mfa, only_on_prompt)) = options.devices {
        pool = pool.device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(replaces_mfa)
                .device_only_remembered_on_user_prompt(only_on_prompt)
                .build(),
        );
    }
    let pool = pool.send().await.unwrap().user_pool.unwrap().id.unwrap();
    if let Some(mode) = options.mode {
        let mut set = client
            .set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(mode);
        if options.sms {
            set = set.sms_mfa_configuration(
                SmsMfaConfigType::builder()
                    .sms_authentication_message("Your sign-in code is {####}")
                    .build(),
            );
        }
        if options.totp {
            set = set.software_token_mfa_configuration(
                SoftwareTokenMfaConfigType::builder().enabled(true).build(),
            );
        }
        if options.email {
            set = set.email_mfa_configuration(
                EmailMfaConfigType::builder()
                    .subject("Sign-in code")
                    .message("Your code is {####}")
                    .build(),
            );
        }
        set.send().await.unwrap();
    }
    let created = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    App {
        pool,
        client_id: created.client_id.unwrap(),
        secret: None,
    }
}

/// A confirmed user with an email address and, if asked, a phone number.
pub async fn mfa_user(client: &Client, app: &App, username: &str, phone: bool) {
    confirmed_user(
        client,
        app,
        username,
        PASSWORD,
        &format!("{username}@example.com"),
    )
    .await;
    if phone {
        client
            .admin_update_user_attributes()
            .user_pool_id(&app.pool)
            .username(username)
            .user_attributes(attr("phone_number", PHONE))
            .user_attributes(attr("phone_number_verified", "true"))
            .send()
            .await
            .unwrap();
    }
}

/// The server's time (the tests move its clock).
pub fn server_secs(server: &TestServer) -> i64 {
    server.clock.now().secs()
}

/// The TOTP code of `secret_code` (base32) `steps` steps away from the server's time.
pub fn totp(server: &TestServer, secret_code: &str, steps: i64) -> String {
    let secret = cognate_crypto::totp::base32_decode(secret_code).unwrap();
    cognate_crypto::totp::totp(&secret, server_secs(server) + 30 * steps)
}

pub async fn access_token(client: &Client, app: &App, username: &str) -> String {
    let signed_in = password_sign_in(client, app, username, PASSWORD)
        .await
        .unwrap();
    signed_in
        .authentication_result
        .unwrap()
        .access_token
        .unwrap()
}

/// AssociateSoftwareToken + VerifySoftwareToken + SetUserMFAPreference with an access
/// token; returns the secret. The verification spends the current step's code.
pub async fn enrol_totp(server: &TestServer, client: &Client, token: &str) -> String {
    let secret = client
        .associate_software_token()
        .access_token(token)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    let verified = client
        .verify_software_token()
        .access_token(token)
        .user_code(totp(server, &secret, 0))
        .friendly_device_name("phone app")
        .send()
        .await
        .unwrap();
    assert_eq!(
        verified.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    assert_eq!(verified.session(), None);
    client
        .set_user_mfa_preference()
        .access_token(token)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    secret
}

/// Answers an MFA challenge with a code.
pub async fn answer(
    client: &Client,
    app: &App,
    challenge: ChallengeNameType,
    session: &str,
    username: &str,
    code: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
    >,
>{
    let parameter = match &challenge {
        ChallengeNameType::SmsMfa => "SMS_MFA_CODE",
        ChallengeNameType::EmailOtp => "EMAIL_OTP_CODE",
        ChallengeNameType::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA_CODE",
        other => panic!("no code for {other:?}"),
    };
    client
        .respond_to_auth_challenge()
        .client_id(&app.client_id)
        .challenge_name(challenge)
        .session(session)
        .challenge_responses("USERNAME", username)
        .challenge_responses(parameter, code)
        .send()
        .await
}

fn challenge_of(output: &InitiateAuthOutput) -> (ChallengeNameType, String) {
    (
        output.challenge_name().cloned().expect("a challenge"),
        output.session().expect("a session").to_owned(),
    )
}

fn assert_error(actual: (String, String), type_name: &str, message: &str) {
    assert_eq!((actual.0.as_str(), actual.1.as_str()), (type_name, message));
}

/// The code in the last SMS sent to PHONE.
fn last_sms_code(server: &TestServer) -> String {
    let messages = server.sms.messages_to(PHONE);
    let body = &messages.last().expect("an SMS").body;
    body.chars().filter(char::is_ascii_digit).collect()
}

const EXPIRED: &str = "Invalid session for the user, session is expired.";

on_both_backends!(totp_enrolment_sign_in_and_every_wrong_code, |server| {
    let client = server.client();
    let app = mfa_app(
        &client,
        MfaPool {
            mode: Some(UserPoolMfaType::Optional),
            totp: true,
            ..MfaPool::default()
        },
    )
    .await;
    mfa_user(&client, &app, "tina", false).await;
    let token = access_token(&client, &app, "tina").await;

    // Nothing associated yet.
    assert_error(
        error_of(
            client
                .verify_software_token()
                .access_token(&token)
                .user_code("123456")
                .send()
                .await,
        ),
        "SoftwareTokenMFANotFoundException",
        "Software Token MFA has not been associated with the user.",
    );
    let secret = client
        .associate_software_token()
        .access_token(&token)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    // 160 bits of secret: 32 base32 characters.
    assert_eq!(secret.len(), 32, "{secret}");
    assert!(
        secret
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
    );
    // The secret cannot be switched on before it is verified.
    assert_error(
        error_of(
            client
                .set_user_mfa_preference()
                .access_token(&token)
                .software_token_mfa_settings(
                    SoftwareTokenMfaSettingsType::builder()
                        .enabled(true)
                        .build(),
                )
                .send()
                .await,
        ),
        "InvalidParameterException",
        "User has not verified software token mfa",
    );
    // A wrong code, and a code two steps old, do not verify it.
    for code in [
        "000000".to_owned(),
        totp(server, &secret, -2),
        totp(server, &secret, 2),
    ] {
        if code == totp(server, &secret, 0) {
            continue;
        }
        assert_error(
            error_of(
                client
                    .verify_software_token()
                    .access_token(&token)
                    .user_code(&code)
                    .send()
                    .await,
            ),
            "EnableSoftwareTokenMFAException",
            "Code mismatch and fail enable Software Token MFA",
        );
    }
    let enrol_code = totp(server, &secret, 0);
    let verified = client
        .verify_software_token()
        .access_token(&token)
        .user_code(&enrol_code)
        .friendly_device_name("phone app")
        .send()
        .await
        .unwrap();
    assert_eq!(
        verified.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    client
        .set_user_mfa_preference()
        .access_token(&token)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let me = client.get_user().access_token(&token).send().await.unwrap();
    assert_eq!(me.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
    assert_eq!(me.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    let admin = client
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username("tina")
        .send()
        .await
        .unwrap();
    assert_eq!(admin.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);

    // Signing in now asks for the code.
    let started = password_sign_in(&client, &app, "tina", PASSWORD)
        .await
        .unwrap();
    let (name, session) = challenge_of(&started);
    assert_eq!(name, ChallengeNameType::SoftwareTokenMfa);
    assert!(started.authentication_result().is_none());
    assert_eq!(started.challenge_parameters().unwrap()["USERNAME"], "tina");
    // The code that verified the token has been used.
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::SoftwareTokenMfa,
                &session,
                "tina",
                &enrol_code,
            )
            .await,
        ),
        "ExpiredCodeException",
        "Your software token has already been used once.",
    );
    // A wrong code and a stale one are refused, and the session survives them.
    for code in ["111111".to_owned(), totp(server, &secret, -3)] {
        assert_error(
            error_of(
                answer(
                    &client,
                    &app,
                    ChallengeNameType::SoftwareTokenMfa,
                    &session,
                    "tina",
                    &code,
                )
                .await,
            ),
            "CodeMismatchException",
            "Invalid code received for user",
        );
    }
    // The session of this challenge cannot answer another one.
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::SmsMfa,
                &session,
                "tina",
                &totp(server, &secret, 1),
            )
            .await,
        ),
        "NotAuthorizedException",
        EXPIRED,
    );
    // The next step's code is within the tolerance.
    let next = totp(server, &secret, 1);
    let done = answer(
        &client,
        &app,
        ChallengeNameType::SoftwareTokenMfa,
        &session,
        "tina",
        &next,
    )
    .await
    .unwrap();
    let result = done.authentication_result().unwrap();
    assert!(result.access_token().is_some() && result.refresh_token().is_some());
    assert!(result.new_device_metadata().is_none());
    // The session is spent, and so is the code.
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::SoftwareTokenMfa,
                &session,
                "tina",
                &next,
            )
            .await,
        ),
        "NotAuthorizedException",
        EXPIRED,
    );
    let again = password_sign_in(&client, &app, "tina", PASSWORD)
        .await
        .unwrap();
    let (_, session) = challenge_of(&again);
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::SoftwareTokenMfa,
                &session,
                "tina",
                &next,
            )
            .await,
        ),
        "ExpiredCodeException",
        "Your software token has already been used once.",
    );

    // Wrong answers count toward a lockout, as Cognito's MFA does (issue 10): the replayed code
    // above and four more wrong ones make five, and the next answer, even a right one, must
    // wait out the first delay.
    for _ in 0..4 {
        assert_error(
            error_of(
                answer(
                    &client,
                    &app,
                    ChallengeNameType::SoftwareTokenMfa,
                    &session,
                    "tina",
                    "222222",
                )
                .await,
            ),
            "CodeMismatchException",
            "Invalid code received for user",
        );
    }
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::SoftwareTokenMfa,
                &session,
                "tina",
                &totp(server, &secret, -1),
            )
            .await,
        ),
        "NotAuthorizedException",
        "Password attempts exceeded",
    );

    // A challenge left longer than the client's AuthSessionValidity (3 minutes) expires.
    let late = password_sign_in(&client, &app, "tina", PASSWORD)
        .await
        .unwrap();
    let (_, session) = challenge_of(&late);
    server.clock.advance_secs(4 * 60);
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::SoftwareTokenMfa,
                &session,
                "tina",
                &totp(server, &secret, 0),
            )
            .await,
        ),
        "NotAuthorizedException",
        EXPIRED,
    );

    // The admin sign-in asks too; switching the factor off stops the challenge.
    let admin = client
        .admin_initiate_auth()
        .user_pool_id(&app.pool)
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "tina")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(
        admin.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    let code = totp(server, &secret, 0);
    let admin_done = client
        .admin_respond_to_auth_challenge()
        .user_pool_id(&app.pool)
        .client_id(&app.client_id)
        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
        .session(admin.session().unwrap())
        .challenge_responses("USERNAME", "tina")
        .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", &code)
        .send()
        .await
        .unwrap();
    assert!(admin_done.authentication_result().is_some());
    client
        .admin_set_user_mfa_preference()
        .user_pool_id(&app.pool)
        .username("tina")
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(false)
                .preferred_mfa(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plain = password_sign_in(&client, &app, "tina", PASSWORD)
        .await
        .unwrap();
    assert!(plain.authentication_result().is_some());
});

on_both_backends!(
    the_pool_mfa_configuration_decides_whether_to_ask,
    |server| {
        let client = server.client();
        let app = mfa_app(
            &client,
            MfaPool {
                mode: Some(UserPoolMfaType::Optional),
                totp: true,
                sms: true,
                ..MfaPool::default()
            },
        )
        .await;
        mfa_user(&client, &app, "olga", true).await;
        let token = access_token(&client, &app, "olga").await;
        enrol_totp(server, &client, &token).await;
        let config = client
            .get_user_pool_mfa_config()
            .user_pool_id(&app.pool)
            .send()
            .await
            .unwrap();
        assert_eq!(config.mfa_configuration(), Some(&UserPoolMfaType::Optional));
        assert!(config.software_token_mfa_configuration().unwrap().enabled());
        assert_eq!(
            config
                .sms_mfa_configuration()
                .unwrap()
                .sms_authentication_message(),
            Some("Your sign-in code is {####}")
        );
        let first = password_sign_in(&client, &app, "olga", PASSWORD)
            .await
            .unwrap();
        assert_eq!(
            first.challenge_name(),
            Some(&ChallengeNameType::SoftwareTokenMfa)
        );

        // OFF: nobody is asked, whatever they enabled.
        client
            .set_user_pool_mfa_config()
            .user_pool_id(&app.pool)
            .mfa_configuration(UserPoolMfaType::Off)
            .send()
            .await
            .unwrap();
        let off = client
            .get_user_pool_mfa_config()
            .user_pool_id(&app.pool)
            .send()
            .await
            .unwrap();
        assert_eq!(off.mfa_configuration(), Some(&UserPoolMfaType::Off));
        // Factors left out of the request are switched off, as in Cognito.
        assert!(off.sms_mfa_configuration().is_none());
        assert!(!off.software_token_mfa_configuration().unwrap().enabled());
        // Pool settings are cached per node for a few seconds.
        server.clock.advance_secs(10);
        let signed_in = password_sign_in(&client, &app, "olga", PASSWORD)
            .await
            .unwrap();
        assert!(signed_in.authentication_result().is_some());

        // A mode without any factor is refused.
        assert_error(
            error_of(
                client
                    .set_user_pool_mfa_config()
                    .user_pool_id(&app.pool)
                    .mfa_configuration(UserPoolMfaType::On)
                    .send()
                    .await,
            ),
            "InvalidParameterException",
            "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
        );

        // ON with only SMS offered: a user with a phone number gets SMS_MFA, though they never
        // switched it on.
        client
            .set_user_pool_mfa_config()
            .user_pool_id(&app.pool)
            .mfa_configuration(UserPoolMfaType::On)
            .sms_mfa_configuration(SmsMfaConfigType::builder().build())
            .send()
            .await
            .unwrap();
        server.clock.advance_secs(10);
        let on = password_sign_in(&client, &app, "olga", PASSWORD)
            .await
            .unwrap();
        assert_eq!(on.challenge_name(), Some(&ChallengeNameType::SmsMfa));
        let parameters = on.challenge_parameters().unwrap();
        assert_eq!(parameters["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
        assert_eq!(parameters["CODE_DELIVERY_DESTINATION"], "+*******0142");
        let sms = server.sms.messages_to(PHONE);
        assert!(
            sms.last()
                .unwrap()
                .body
                .starts_with("Your authentication code is "),
            "{:?}",
            sms.last()
        );
    }
);

on_both_backends!(sms_and_email_codes_and_select_mfa_type, |server| {
    let client = server.client();
    let app = mfa_app(
        &client,
        MfaPool {
            mode: Some(UserPoolMfaType::Optional),
            sms: true,
            email: true,
            ..MfaPool::default()
        },
    )
    .await;
    mfa_user(&client, &app, "sam", true).await;
    mfa_user(&client, &app, "nophone", false).await;

    // SMS needs a phone number.
    assert_error(
        error_of(
            client
                .admin_set_user_mfa_preference()
                .user_pool_id(&app.pool)
                .username("nophone")
                .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
                .send()
                .await,
        ),
        "InvalidParameterException",
        "User does not have delivery config set to turn on SMS_MFA",
    );

    client
        .admin_set_user_mfa_preference()
        .user_pool_id(&app.pool)
        .username("sam")
        .sms_mfa_settings(
            SmsMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let started = password_sign_in(&client, &app, "sam", PASSWORD)
        .await
        .unwrap();
    let (name, session) = challenge_of(&started);
    assert_eq!(name, ChallengeNameType::SmsMfa);
    let parameters = started.challenge_parameters().unwrap();
    assert_eq!(parameters["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    assert_eq!(parameters["CODE_DELIVERY_DESTINATION"], "+*******0142");
    let message = server.sms.messages_to(PHONE).last().unwrap().body.clone();
    assert!(message.starts_with("Your sign-in code is "), "{message}");
    let code = last_sms_code(server);
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::SmsMfa,
                &session,
                "sam",
                wrong,
            )
            .await,
        ),
        "CodeMismatchException",
        "Invalid code received for user",
    );
    // Another node answers: the challenge lives in the sealed Session and the store.
    let node = server.second_node().await;
    let done = answer(
        &node.client(),
        &app,
        ChallengeNameType::SmsMfa,
        &session,
        "sam",
        &code,
    )
    .await
    .unwrap();
    node.stop().await;
    assert!(done.authentication_result().is_some());
    // The code and its session are spent.
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::SmsMfa,
                &session,
                "sam",
                &code,
            )
            .await,
        ),
        "NotAuthorizedException",
        EXPIRED,
    );

    // A new sign-in sends a new code; the old one does not answer it.
    let second = password_sign_in(&client, &app, "sam", PASSWORD)
        .await
        .unwrap();
    let (_, session) = challenge_of(&second);
    let fresh = last_sms_code(server);
    if fresh != code {
        assert_error(
            error_of(
                answer(
                    &client,
                    &app,
                    ChallengeNameType::SmsMfa,
                    &session,
                    "sam",
                    &code,
                )
                .await,
            ),
            "CodeMismatchException",
            "Invalid code received for user",
        );
    }
    // An SMS code expires with its session.
    server.clock.advance_secs(4 * 60);
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::SmsMfa,
                &session,
                "sam",
                &fresh,
            )
            .await,
        ),
        "NotAuthorizedException",
        EXPIRED,
    );

    // Both SMS and email on, none preferred: the user chooses.
    let token = access_token(&client, &app, "nophone").await;
    client
        .set_user_mfa_preference()
        .access_token(&token)
        .email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .unwrap();
    client
        .admin_set_user_mfa_preference()
        .user_pool_id(&app.pool)
        .username("sam")
        .sms_mfa_settings(
            SmsMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(false)
                .build(),
        )
        .email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .unwrap();
    let got = client
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username("sam")
        .send()
        .await
        .unwrap();
    assert_eq!(got.user_mfa_setting_list(), ["SMS_MFA", "EMAIL_OTP"]);
    assert_eq!(got.preferred_mfa_setting(), None);
    let choose = password_sign_in(&client, &app, "sam", PASSWORD)
        .await
        .unwrap();
    let (name, session) = challenge_of(&choose);
    assert_eq!(name, ChallengeNameType::SelectMfaType);
    assert_eq!(
        choose.challenge_parameters().unwrap()["MFAS_CAN_CHOOSE"],
        r#"["SMS_MFA","EMAIL_OTP"]"#
    );
    let select = |answer: &str| {
        client
            .respond_to_auth_challenge()
            .client_id(&app.client_id)
            .challenge_name(ChallengeNameType::SelectMfaType)
            .session(&session)
            .challenge_responses("USERNAME", "sam")
            .challenge_responses("ANSWER", answer)
            .send()
    };
    assert_error(
        error_of(select("SOFTWARE_TOKEN_MFA").await),
        "InvalidParameterException",
        "The MFA type SOFTWARE_TOKEN_MFA is not available for the user.",
    );
    let email = select("EMAIL_OTP").await.unwrap();
    assert_eq!(email.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let parameters = email.challenge_parameters().unwrap();
    assert_eq!(parameters["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    assert_eq!(parameters["CODE_DELIVERY_DESTINATION"], "s***@e***");
    let mail = server.mail.mail_to("sam@example.com").await;
    assert_eq!(mail.header("Subject").as_deref(), Some("Sign-in code"));
    let code = mail.code(6).unwrap();
    let email_session = email.session().unwrap().to_owned();
    let wrong = if code == "999999" { "999998" } else { "999999" };
    assert_error(
        error_of(
            answer(
                &client,
                &app,
                ChallengeNameType::EmailOtp,
                &email_session,
                "sam",
                wrong,
            )
            .await,
        ),
        "CodeMismatchException",
        "Invalid code received for user",
    );
    let done = answer(
        &client,
        &app,
        ChallengeNameType::EmailOtp,
        &email_session,
        "sam",
        &code,
    )
    .await
    .unwrap();
    assert!(done.authentication_result().is_some());
    // The choice was spent with its session.
    assert_error(
        error_of(select("SMS_MFA").await),
        "NotAuthorizedException",
        EXPIRED,
    );

    // The legacy MFAOptions of AdminSetUserSettings are SMS MFA by another name.
    client
        .admin_set_user_mfa_preference()
        .user_pool_id(&app.pool)
        .username("sam")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(false).build())
        .email_mfa_settings(EmailMfaSettingsType::builder().enabled(false).build())
        .send()
        .await
        .unwrap();
    assert!(
        password_sign_in(&client, &app, "sam", PASSWORD)
            .await
            .unwrap()
            .authentication_result()
            .is_some()
    );
    client
        .admin_set_user_settings()
        .user_pool_id(&app.pool)
        .username("sam")
        .mfa_options(
            MfaOptionType::builder()
                .delivery_medium(aws_sdk_cognitoidentityprovider::types::DeliveryMediumType::Sms)
                .attribute_name("phone_number")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = client
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username("sam")
        .send()
        .await
        .unwrap();
    assert_eq!(got.user_mfa_setting_list(), ["SMS_MFA"]);
    let legacy = password_sign_in(&client, &app, "sam", PASSWORD)
        .await
        .unwrap();
    assert_eq!(legacy.challenge_name(), Some(&ChallengeNameType::SmsMfa));
});

on_both_backends!(
    required_mfa_sets_up_a_software_token_during_sign_in,
    |server| {
        let client = server.client();
        let app = mfa_app(
            &client,
            MfaPool {
                mode: Some(UserPoolMfaType::On),
                totp: true,
                ..MfaPool::default()
            },
        )
        .await;
        mfa_user(&client, &app, "newbie", false).await;
        let started = password_sign_in(&client, &app, "newbie", PASSWORD)
            .await
            .unwrap();
        let (name, session) = challenge_of(&started);
        assert_eq!(name, ChallengeNameType::MfaSetup);
        assert_eq!(
            started.challenge_parameters().unwrap()["MFAS_CAN_SETUP"],
            r#"["SOFTWARE_TOKEN_MFA"]"#
        );
        // Answering MFA_SETUP before a token is verified is refused.
        assert_error(
            error_of(
                client
                    .respond_to_auth_challenge()
                    .client_id(&app.client_id)
                    .challenge_name(ChallengeNameType::MfaSetup)
                    .session(&session)
                    .challenge_responses("USERNAME", "newbie")
                    .send()
                    .await,
            ),
            "NotAuthorizedException",
            EXPIRED,
        );
        let associated = client
            .associate_software_token()
            .session(&session)
            .send()
            .await
            .unwrap();
        let secret = associated.secret_code().unwrap().to_owned();
        let verify_session = associated.session().unwrap().to_owned();
        // The MFA_SETUP session was spent by AssociateSoftwareToken.
        assert_error(
            error_of(
                client
                    .associate_software_token()
                    .session(&session)
                    .send()
                    .await,
            ),
            "NotAuthorizedException",
            EXPIRED,
        );
        assert_error(
            error_of(
                client
                    .verify_software_token()
                    .session(&verify_session)
                    .user_code("000000")
                    .send()
                    .await,
            ),
            "EnableSoftwareTokenMFAException",
            "Code mismatch and fail enable Software Token MFA",
        );
        let verified = client
            .verify_software_token()
            .session(&verify_session)
            .user_code(totp(server, &secret, 0))
            .friendly_device_name("authenticator")
            .send()
            .await
            .unwrap();
        assert_eq!(
            verified.status(),
            Some(&VerifySoftwareTokenResponseType::Success)
        );
        let done_session = verified.session().unwrap().to_owned();
        let done = client
            .respond_to_auth_challenge()
            .client_id(&app.client_id)
            .challenge_name(ChallengeNameType::MfaSetup)
            .session(&done_session)
            .challenge_responses("USERNAME", "newbie")
            .send()
            .await
            .unwrap();
        assert!(
            done.authentication_result()
                .unwrap()
                .access_token()
                .is_some()
        );
        let got = client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username("newbie")
            .send()
            .await
            .unwrap();
        assert_eq!(got.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
        assert_eq!(got.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
        // From now on the token is asked for, with its friendly name.
        let next = password_sign_in(&client, &app, "newbie", PASSWORD)
            .await
            .unwrap();
        assert_eq!(
            next.challenge_name(),
            Some(&ChallengeNameType::SoftwareTokenMfa)
        );
        assert_eq!(
            next.challenge_parameters().unwrap()["FRIENDLY_DEVICE_NAME"],
            "authenticator"
        );
        let done = answer(
            &client,
            &app,
            ChallengeNameType::SoftwareTokenMfa,
            next.session().unwrap(),
            "newbie",
            &totp(server, &secret, 1),
        )
        .await
        .unwrap();
        assert!(done.authentication_result().is_some());
        // A Session that belongs to no MFA_SETUP is refused by AssociateSoftwareToken.
        assert_error(
            error_of(
                client
                    .associate_software_token()
                    .session(next.session().unwrap())
                    .send()
                    .await,
            ),
            "NotAuthorizedException",
            EXPIRED,
        );
    }
);

on_both_backends!(software_token_secrets_are_sealed_at_rest, |server| {
    let client = server.client();
    let app = mfa_app(
        &client,
        MfaPool {
            mode: Some(UserPoolMfaType::Optional),
            totp: true,
            ..MfaPool::default()
        },
    )
    .await;
    mfa_user(&client, &app, "vault", false).await;
    let token = access_token(&client, &app, "vault").await;
    let secret = enrol_totp(server, &client, &token).await;
    let raw = cognate_crypto::totp::base32_decode(&secret).unwrap();
    let contents = crate::security::database_contents(server).await;
    use base64::Engine;
    for encoded in [
        secret.clone(),
        secret.to_lowercase(),
        hex::encode(&raw),
        base64::engine::general_purpose::STANDARD.encode(&raw),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw),
    ] {
        assert!(!contents.contains(&encoded), "found {encoded} at rest");
    }
});
