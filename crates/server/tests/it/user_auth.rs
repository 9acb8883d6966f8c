//! Issue 4, choice-based sign-in (USER_AUTH): SignInPolicy.AllowedFirstAuthFactors,
//! SELECT_CHALLENGE with AvailableChallenges, PREFERRED_CHALLENGE, the PASSWORD,
//! PASSWORD_SRP, EMAIL_OTP and SMS_OTP first factors, GetUserAuthFactors, and signing in
//! straight after SignUp / ConfirmSignUp with their Session.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, SignInPolicyType,
    UserPoolPolicyType, VerifiedAttributeType,
};
use base64::Engine;
use cognate_crypto::srp;

use crate::mfa::{PASSWORD, PHONE, mfa_user};
use crate::on_both_backends;
use crate::support::error_of;
use crate::support::flows::{App, attr, now_secs, respond_password_verifier};

const EXPIRED: &str = "Invalid session for the user, session is expired.";

/// A pool allowing password, email and SMS first factors, and a client allowing USER_AUTH.
pub(crate) async fn choice_app(client: &Client) -> App {
    choice_app_with(client, None).await
}

async fn choice_app_with(
    client: &Client,
    lambda: Option<aws_sdk_cognitoidentityprovider::types::LambdaConfigType>,
) -> App {
    let pool = client
        .create_user_pool()
        .set_lambda_config(lambda)
        .pool_name("choice")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors(AuthFactorType::Password)
                        .allowed_first_auth_factors(AuthFactorType::EmailOtp)
                        .allowed_first_auth_factors(AuthFactorType::SmsOtp)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let created = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("choice")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
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

pub(crate) fn user_auth(
    client: &Client,
    app: &App,
    username: &str,
) -> aws_sdk_cognitoidentityprovider::operation::initiate_auth::builders::InitiateAuthFluentBuilder
{
    client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", username)
}

pub(crate) fn select(
    client: &Client,
    app: &App,
    session: &str,
    username: &str,
    answer: &str,
) -> aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::builders::RespondToAuthChallengeFluentBuilder{
    client
        .respond_to_auth_challenge()
        .client_id(&app.client_id)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(session)
        .challenge_responses("USERNAME", username)
        .challenge_responses("ANSWER", answer)
}

fn assert_error(actual: (String, String), type_name: &str, message: &str) {
    assert_eq!((actual.0.as_str(), actual.1.as_str()), (type_name, message));
}

on_both_backends!(user_auth_offers_the_allowed_first_factors, |server| {
    let client = server.client();
    let app = choice_app(&client).await;
    mfa_user(&client, &app, "una", true).await;

    let started = user_auth(&client, &app, "una").send().await.unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    assert_eq!(
        started.available_challenges(),
        [
            ChallengeNameType::Password,
            ChallengeNameType::PasswordSrp,
            ChallengeNameType::EmailOtp,
            ChallengeNameType::SmsOtp
        ]
    );
    let session = started.session().unwrap().to_owned();
    assert_error(
        error_of(
            select(&client, &app, &session, "una", "WEB_AUTHN")
                .send()
                .await,
        ),
        "InvalidParameterException",
        "The challenge WEB_AUTHN is not available for the user.",
    );
    assert_error(
        error_of(
            select(&client, &app, &session, "una", "PASSWORD")
                .send()
                .await,
        ),
        "InvalidParameterException",
        "Missing required parameter PASSWORD",
    );
    assert_error(
        error_of(
            select(&client, &app, &session, "una", "PASSWORD")
                .challenge_responses("PASSWORD", "Wrong-Passw0rd!")
                .send()
                .await,
        ),
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    // The choice is spent once made.
    assert_error(
        error_of(
            select(&client, &app, &session, "una", "PASSWORD")
                .challenge_responses("PASSWORD", PASSWORD)
                .send()
                .await,
        ),
        "NotAuthorizedException",
        EXPIRED,
    );
    let session = user_auth(&client, &app, "una")
        .send()
        .await
        .unwrap()
        .session()
        .unwrap()
        .to_owned();
    let done = select(&client, &app, &session, "una", "PASSWORD")
        .challenge_responses("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(
        done.authentication_result()
            .unwrap()
            .refresh_token()
            .is_some()
    );

    // EMAIL_OTP: an eight-digit code by email.
    let session = user_auth(&client, &app, "una")
        .send()
        .await
        .unwrap()
        .session()
        .unwrap()
        .to_owned();
    let email = select(&client, &app, &session, "una", "EMAIL_OTP")
        .send()
        .await
        .unwrap();
    assert_eq!(email.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let parameters = email.challenge_parameters().unwrap();
    assert_eq!(parameters["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    assert_eq!(parameters["CODE_DELIVERY_DESTINATION"], "u***@e***");
    let code = server
        .mail
        .mail_to("una@example.com")
        .await
        .code(8)
        .unwrap();
    let email_session = email.session().unwrap().to_owned();
    let respond =
        |challenge: ChallengeNameType, session: String, parameter: &'static str, code: String| {
            client
                .respond_to_auth_challenge()
                .client_id(&app.client_id)
                .challenge_name(challenge)
                .session(session)
                .challenge_responses("USERNAME", "una")
                .challenge_responses(parameter, code)
                .send()
        };
    assert_error(
        error_of(
            respond(
                ChallengeNameType::EmailOtp,
                email_session.clone(),
                "EMAIL_OTP_CODE",
                "00000000".to_owned(),
            )
            .await,
        ),
        "CodeMismatchException",
        "Invalid code received for user",
    );
    let done = respond(
        ChallengeNameType::EmailOtp,
        email_session.clone(),
        "EMAIL_OTP_CODE",
        code.clone(),
    )
    .await
    .unwrap();
    assert!(done.authentication_result().is_some());
    assert_error(
        error_of(
            respond(
                ChallengeNameType::EmailOtp,
                email_session,
                "EMAIL_OTP_CODE",
                code,
            )
            .await,
        ),
        "NotAuthorizedException",
        EXPIRED,
    );

    // PREFERRED_CHALLENGE goes straight to SMS_OTP.
    let sms = user_auth(&client, &app, "una")
        .auth_parameters("PREFERRED_CHALLENGE", "SMS_OTP")
        .send()
        .await
        .unwrap();
    assert_eq!(sms.challenge_name(), Some(&ChallengeNameType::SmsOtp));
    assert_eq!(
        sms.challenge_parameters().unwrap()["CODE_DELIVERY_DESTINATION"],
        "+*******0142"
    );
    let code: String = server
        .sms
        .messages_to(PHONE)
        .last()
        .unwrap()
        .body
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 8);
    let done = respond(
        ChallengeNameType::SmsOtp,
        sms.session().unwrap().to_owned(),
        "SMS_OTP_CODE",
        code,
    )
    .await
    .unwrap();
    assert!(done.authentication_result().is_some());
    // An SMS code outlives neither its session nor AuthSessionValidity.
    let late = user_auth(&client, &app, "una")
        .auth_parameters("PREFERRED_CHALLENGE", "SMS_OTP")
        .send()
        .await
        .unwrap();
    let code: String = server
        .sms
        .messages_to(PHONE)
        .last()
        .unwrap()
        .body
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    server.clock.advance_secs(4 * 60);
    assert_error(
        error_of(
            respond(
                ChallengeNameType::SmsOtp,
                late.session().unwrap().to_owned(),
                "SMS_OTP_CODE",
                code,
            )
            .await,
        ),
        "NotAuthorizedException",
        EXPIRED,
    );

    // PREFERRED_CHALLENGE with its input: PASSWORD signs in at once, PASSWORD_SRP asks for
    // the password verifier.
    let direct = user_auth(&client, &app, "una")
        .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    let tokens = direct.authentication_result().unwrap();
    let mut a = [0u8; 128];
    cognate_crypto::random::RandomSource::fill(&cognate_crypto::random::SystemRandom, &mut a);
    let big_a = srp::client_ephemeral(&a).unwrap();
    let verifier = user_auth(&client, &app, "una")
        .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD_SRP")
        .auth_parameters("SRP_A", srp::to_hex(&big_a))
        .send()
        .await
        .unwrap();
    assert_eq!(
        verifier.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params = verifier.challenge_parameters().unwrap();
    let user_id = params["USER_ID_FOR_SRP"].clone();
    let key = srp::client_session_key(
        app.pool_name(),
        &user_id,
        PASSWORD,
        &hex::decode(&params["SALT"]).unwrap(),
        &big_a,
        &srp::parse_hex(&params["SRP_B"]).unwrap(),
        &a,
    )
    .unwrap();
    let timestamp = srp::format_timestamp(now_secs());
    let block = params["SECRET_BLOCK"].clone();
    let signature = srp::password_claim_signature(
        &key,
        app.pool_name(),
        &user_id,
        &base64::engine::general_purpose::STANDARD
            .decode(&block)
            .unwrap(),
        &timestamp,
    );
    let done = respond_password_verifier(&client, &app, &user_id, &block, &timestamp, &signature)
        .await
        .unwrap();
    assert!(done.authentication_result().is_some());

    // GetUserAuthFactors lists what USER_AUTH offers the user.
    let factors = client
        .get_user_auth_factors()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(factors.username(), "una");
    assert_eq!(
        factors.configured_user_auth_factors(),
        [
            AuthFactorType::Password,
            AuthFactorType::EmailOtp,
            AuthFactorType::SmsOtp
        ]
    );

    // A client without ALLOW_USER_AUTH cannot use the flow.
    let other = client
        .create_user_pool_client()
        .user_pool_id(&app.pool)
        .client_name("no-choice")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_error(
        error_of(
            client
                .initiate_auth()
                .client_id(other.client_id().unwrap())
                .auth_flow(AuthFlowType::UserAuth)
                .auth_parameters("USERNAME", "una")
                .send()
                .await,
        ),
        "InvalidParameterException",
        "USER_AUTH flow not enabled for this client",
    );
    // An unknown user.
    assert_error(
        error_of(user_auth(&client, &app, "nobody").send().await),
        "UserNotFoundException",
        "User does not exist.",
    );
    // A client that hides existence offers an unknown name the password factors, which
    // then fail as a wrong password does.
    let hiding = client
        .create_user_pool_client()
        .user_pool_id(&app.pool)
        .client_name("hiding")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .prevent_user_existence_errors(
            aws_sdk_cognitoidentityprovider::types::PreventUserExistenceErrorTypes::Enabled,
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let hiding = App {
        pool: app.pool.clone(),
        client_id: hiding.client_id.unwrap(),
        secret: None,
    };
    let unknown = user_auth(&client, &hiding, "nobody").send().await.unwrap();
    let everything = [
        ChallengeNameType::Password,
        ChallengeNameType::PasswordSrp,
        ChallengeNameType::EmailOtp,
        ChallengeNameType::SmsOtp,
    ];
    assert_eq!(unknown.available_challenges(), everything);
    assert_error(
        error_of(
            select(
                &client,
                &hiding,
                unknown.session().unwrap(),
                "nobody",
                "PASSWORD",
            )
            .challenge_responses("PASSWORD", PASSWORD)
            .send()
            .await,
        ),
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    // A real user with no phone number is offered the very same list, so it tells nothing.
    mfa_user(&client, &hiding, "nophone", false).await;
    let known = user_auth(&client, &hiding, "nophone").send().await.unwrap();
    assert_eq!(known.available_challenges(), everything);
    // A code factor the name cannot use answers with a decoy shaped as the real challenge,
    // whose every code is wrong.
    let respond = |session: &str, username: &str, challenge: ChallengeNameType, parameter: &str| {
        client
            .respond_to_auth_challenge()
            .client_id(&hiding.client_id)
            .challenge_name(challenge)
            .session(session)
            .challenge_responses("USERNAME", username)
            .challenge_responses(parameter, "12345678")
            .send()
    };
    // (A SELECT_CHALLENGE Session is used once: the unknown name's went to PASSWORD.)
    let unknown = user_auth(&client, &hiding, "nobody").send().await.unwrap();
    for (username, session) in [
        ("nobody", unknown.session().unwrap().to_owned()),
        ("nophone", known.session().unwrap().to_owned()),
    ] {
        let sms = select(&client, &hiding, &session, username, "SMS_OTP")
            .send()
            .await
            .unwrap();
        assert_eq!(sms.challenge_name(), Some(&ChallengeNameType::SmsOtp));
        let parameters = sms.challenge_parameters().unwrap();
        assert_eq!(parameters["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
        assert!(parameters["CODE_DELIVERY_DESTINATION"].starts_with("+*"));
        assert_eq!(parameters["USERNAME"], username);
        assert_error(
            error_of(
                respond(
                    sms.session().unwrap(),
                    username,
                    ChallengeNameType::SmsOtp,
                    "SMS_OTP_CODE",
                )
                .await,
            ),
            "CodeMismatchException",
            "Invalid code received for user",
        );
    }
    // PREFERRED_CHALLENGE goes straight to a decoy too; asked twice, it names the same
    // destination, as a real user's would.
    let preferred = || {
        user_auth(&client, &hiding, "nobody")
            .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
            .send()
    };
    let first = preferred().await.unwrap();
    let second = preferred().await.unwrap();
    assert_eq!(first.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let destination = &first.challenge_parameters().unwrap()["CODE_DELIVERY_DESTINATION"];
    assert!(destination.contains("***@"), "{destination}");
    assert_eq!(
        destination,
        &second.challenge_parameters().unwrap()["CODE_DELIVERY_DESTINATION"]
    );
    assert_error(
        error_of(
            respond(
                first.session().unwrap(),
                "nobody",
                ChallengeNameType::EmailOtp,
                "EMAIL_OTP_CODE",
            )
            .await,
        ),
        "CodeMismatchException",
        "Invalid code received for user",
    );
});

on_both_backends!(
    confirm_sign_up_without_a_session_still_allows_the_automatic_sign_in,
    |server| {
        // Amplify sends SignUp's Session nowhere: ConfirmSignUp alone must give one.
        let client = server.client();
        let app = choice_app(&client).await;
        client
            .sign_up()
            .client_id(&app.client_id)
            .username("plain")
            .password(PASSWORD)
            .user_attributes(attr("email", "plain@example.com"))
            .send()
            .await
            .unwrap();
        let code = server
            .mail
            .mail_to("plain@example.com")
            .await
            .code(6)
            .unwrap();
        let confirmed = client
            .confirm_sign_up()
            .client_id(&app.client_id)
            .username("plain")
            .confirmation_code(&code)
            .send()
            .await
            .unwrap();
        let auto = confirmed.session().expect("a Session").to_owned();
        let signed_in = user_auth(&client, &app, "plain")
            .session(&auto)
            .send()
            .await
            .unwrap();
        assert!(signed_in.authentication_result().is_some());
        assert_error(
            error_of(
                user_auth(&client, &app, "plain")
                    .session(&auto)
                    .send()
                    .await,
            ),
            "NotAuthorizedException",
            EXPIRED,
        );
    }
);

on_both_backends!(
    sign_up_and_confirm_sign_up_sign_in_with_their_session,
    |server| {
        let client = server.client();
        let app = choice_app(&client).await;
        let signed_up = client
            .sign_up()
            .client_id(&app.client_id)
            .username("newcomer")
            .password(PASSWORD)
            .user_attributes(attr("email", "newcomer@example.com"))
            .send()
            .await
            .unwrap();
        let session = signed_up.session().expect("a Session").to_owned();
        let code = server
            .mail
            .mail_to("newcomer@example.com")
            .await
            .code(6)
            .unwrap();
        // A Session that is not SignUp's is refused, and nothing is confirmed.
        assert_error(
            error_of(
                client
                    .confirm_sign_up()
                    .client_id(&app.client_id)
                    .username("newcomer")
                    .confirmation_code(&code)
                    .session("not-a-session-at-all-but-long-enough")
                    .send()
                    .await,
            ),
            "NotAuthorizedException",
            EXPIRED,
        );
        let confirmed = client
            .confirm_sign_up()
            .client_id(&app.client_id)
            .username("newcomer")
            .confirmation_code(&code)
            .session(&session)
            .send()
            .await
            .unwrap();
        let auto = confirmed.session().expect("a Session").to_owned();
        // SignUp's own Session does not sign in.
        assert_error(
            error_of(
                user_auth(&client, &app, "newcomer")
                    .session(&session)
                    .send()
                    .await,
            ),
            "NotAuthorizedException",
            EXPIRED,
        );
        // Nor does ConfirmSignUp's for another user.
        mfa_user(&client, &app, "someone", false).await;
        assert_error(
            error_of(
                user_auth(&client, &app, "someone")
                    .session(&auto)
                    .send()
                    .await,
            ),
            "NotAuthorizedException",
            EXPIRED,
        );
        let signed_in = user_auth(&client, &app, "newcomer")
            .session(&auto)
            .send()
            .await
            .unwrap();
        let result = signed_in.authentication_result().unwrap();
        assert_eq!(
            crate::support::flows::claims(result.id_token().unwrap())["cognito:username"],
            "newcomer"
        );
        // Once.
        assert_error(
            error_of(
                user_auth(&client, &app, "newcomer")
                    .session(&auto)
                    .send()
                    .await,
            ),
            "NotAuthorizedException",
            EXPIRED,
        );
    }
);

on_both_backends!(
    an_auto_confirmed_sign_up_signs_in_with_its_session,
    |server| {
        let client = server.client();
        let app = choice_app_with(
            &client,
            Some(
                aws_sdk_cognitoidentityprovider::types::LambdaConfigType::builder()
                    .pre_sign_up(crate::support::sinks::arn("pre-sign-up"))
                    .build(),
            ),
        )
        .await;
        server.triggers.respond(
            "pre-sign-up",
            serde_json::json!({ "autoConfirmUser": true }),
        );
        let signed_up = client
            .sign_up()
            .client_id(&app.client_id)
            .username("instant")
            .password(PASSWORD)
            .user_attributes(attr("email", "instant@example.com"))
            .send()
            .await
            .unwrap();
        assert!(signed_up.user_confirmed());
        let session = signed_up.session().expect("a Session").to_owned();
        let signed_in = user_auth(&client, &app, "instant")
            .session(&session)
            .send()
            .await
            .unwrap();
        assert!(signed_in.authentication_result().is_some());
    }
);

on_both_backends!(
    a_passwordless_start_cannot_void_an_mfa_challenge,
    |server| {
        use aws_sdk_cognitoidentityprovider::types::{SmsMfaConfigType, UserPoolMfaType};
        let client = server.client();
        let app = choice_app(&client).await;
        client
            .set_user_pool_mfa_config()
            .user_pool_id(&app.pool)
            .mfa_configuration(UserPoolMfaType::On)
            .sms_mfa_configuration(
                SmsMfaConfigType::builder()
                    .sms_authentication_message("Your sign-in code is {####}")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        mfa_user(&client, &app, "victim", true).await;
        // The user signs in with the password; SMS_MFA follows.
        let mfa = user_auth(&client, &app, "victim")
            .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap();
        assert_eq!(mfa.challenge_name(), Some(&ChallengeNameType::SmsMfa));
        let text = server.sms.messages_to(PHONE).last().unwrap().body.clone();
        let code: String = text.chars().filter(char::is_ascii_digit).collect();
        // Meanwhile anyone can start a passwordless sign-in for the name (no password needed).
        let other = user_auth(&client, &app, "victim")
            .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
            .send()
            .await
            .unwrap();
        assert_eq!(other.challenge_name(), Some(&ChallengeNameType::EmailOtp));
        // The user's own challenge still stands.
        let done = client
            .respond_to_auth_challenge()
            .client_id(&app.client_id)
            .challenge_name(ChallengeNameType::SmsMfa)
            .session(mfa.session().unwrap())
            .challenge_responses("USERNAME", "victim")
            .challenge_responses("SMS_MFA_CODE", code)
            .send()
            .await
            .unwrap();
        assert!(done.authentication_result().is_some());
    }
);
