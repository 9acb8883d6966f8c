//! Issue 10, security hardening: each finding of the attack on Cognate, replayed against a real
//! server on both databases. The limits are checked with 30 requests in parallel split over
//! two nodes, since every limit that protects a user is a counter in the store that all nodes
//! share. (The HTTP limits are in `http_limits`.)

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, DeliveryMediumType, ExplicitAuthFlowsType, MessageActionType,
    PreventUserExistenceErrorTypes, UsernameAttributeType,
};

use crate::on_both_backends;
use crate::support::error_of;
use crate::support::flows::{
    self, App, AppOptions, app, attr, confirmed_user, password_sign_in, srp_sign_in,
};

const LIMIT_EXCEEDED: (&str, &str) = (
    "LimitExceededException",
    "Attempt limit exceeded, please try after some time.",
);
const CODE_MISMATCH: (&str, &str) = (
    "CodeMismatchException",
    "Invalid verification code provided, please try again.",
);
const INCORRECT: (&str, &str) = ("NotAuthorizedException", "Incorrect username or password.");
const LOCKED: (&str, &str) = ("NotAuthorizedException", "Password attempts exceeded");

/// A six-digit code that is not `right`.
fn wrong_code(right: &str) -> String {
    if right == "000000" {
        "111111".to_owned()
    } else {
        "000000".to_owned()
    }
}

fn is(error: &(String, String), expected: (&str, &str)) -> bool {
    (error.0.as_str(), error.1.as_str()) == expected
}

async fn forgot_password(
    client: &Client,
    app: &App,
    username: &str,
) -> Result<String, (String, String)> {
    client
        .forgot_password()
        .client_id(&app.client_id)
        .username(username)
        .send()
        .await
        .map(|sent| {
            sent.code_delivery_details()
                .and_then(|d| d.destination())
                .unwrap_or_default()
                .to_owned()
        })
        .map_err(|e| error_of::<_, _>(Err::<(), _>(e)))
}

async fn confirm_forgot_password(
    client: &Client,
    app: &App,
    username: &str,
    code: &str,
    password: &str,
) -> Result<(), (String, String)> {
    client
        .confirm_forgot_password()
        .client_id(&app.client_id)
        .username(username)
        .confirmation_code(code)
        .password(password)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error_of::<_, _>(Err::<(), _>(e)))
}

/// The errors of 30 calls run at once, alternating between the two nodes' clients.
async fn thirty_at_once<F, Fut>(clients: [Client; 2], call: F) -> Vec<Result<(), (String, String)>>
where
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<(), (String, String)>> + Send + 'static,
{
    let tasks: Vec<_> = (0..30)
        .map(|i| tokio::spawn(call(clients[i % 2].clone())))
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

fn count(results: &[Result<(), (String, String)>], expected: (&str, &str)) -> usize {
    results
        .iter()
        .filter(|r| r.as_ref().err().is_some_and(|e| is(e, expected)))
        .count()
}

// --- Finding 1: reset codes could be guessed by asking for new ones ---------------------------

on_both_backends!(
    issue10_reset_codes_cannot_be_guessed_across_reissues,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "vic", "Passw0rd!", "vic@example.com").await;
        // The attacker's loop: ask for a code, guess a few times, ask for a fresh code, guess again.
        let mut answers = Vec::new();
        for round in 1..=3 {
            forgot_password(&client, &app, "vic").await.unwrap();
            let right = server
                .mail
                .nth_mail_to("vic@example.com", round)
                .await
                .code(6)
                .unwrap();
            for _ in 0..3 {
                answers.push(
                    confirm_forgot_password(
                        &client,
                        &app,
                        "vic",
                        &wrong_code(&right),
                        "Stolen-Passw0rd1",
                    )
                    .await
                    .unwrap_err(),
                );
            }
        }
        // Five wrong answers in all, whatever the number of codes: then every answer is refused,
        // the right code of the newest re-issue included.
        assert!(
            answers[..5].iter().all(|a| is(a, CODE_MISMATCH)),
            "{answers:?}"
        );
        assert!(
            answers[5..].iter().all(|a| is(a, LIMIT_EXCEEDED)),
            "{answers:?}"
        );
        let right = server
            .mail
            .nth_mail_to("vic@example.com", 3)
            .await
            .code(6)
            .unwrap();
        let refused =
            confirm_forgot_password(&client, &app, "vic", &right, "Stolen-Passw0rd1").await;
        assert!(is(&refused.unwrap_err(), LIMIT_EXCEEDED));
        // An hour without attempts later, the owner can reset the password.
        server.clock.advance_secs(3601);
        forgot_password(&client, &app, "vic").await.unwrap();
        let right = server
            .mail
            .nth_mail_to("vic@example.com", 4)
            .await
            .code(6)
            .unwrap();
        confirm_forgot_password(&client, &app, "vic", &right, "New-Passw0rd1")
            .await
            .unwrap();
        flows::tokens(&client, &app, "vic", "New-Passw0rd1").await;
    }
);

on_both_backends!(
    issue10_thirty_parallel_code_guesses_on_two_nodes_get_five_answers,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "wes", "Passw0rd!", "wes@example.com").await;
        forgot_password(&client, &app, "wes").await.unwrap();
        let right = server
            .mail
            .mail_to("wes@example.com")
            .await
            .code(6)
            .unwrap();
        let node = server.second_node().await;
        let (client_id, wrong) = (app.client_id.clone(), wrong_code(&right));
        let results = thirty_at_once([client.clone(), node.client()], move |c| {
            let (client_id, wrong) = (client_id.clone(), wrong.clone());
            async move {
                c.confirm_forgot_password()
                    .client_id(client_id)
                    .username("wes")
                    .confirmation_code(wrong)
                    .password("Stolen-Passw0rd1")
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| error_of::<_, _>(Err::<(), _>(e)))
            }
        })
        .await;
        assert_eq!(count(&results, CODE_MISMATCH), 5, "{results:?}");
        assert_eq!(count(&results, LIMIT_EXCEEDED), 25, "{results:?}");
        let refused =
            confirm_forgot_password(&client, &app, "wes", &right, "Stolen-Passw0rd1").await;
        assert!(is(&refused.unwrap_err(), LIMIT_EXCEEDED));
        node.stop().await;
    }
);

on_both_backends!(
    issue10_sign_up_codes_cannot_be_guessed_across_resends,
    |server| {
        // Proving an address one does not own: the same limit holds for ConfirmSignUp.
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        client
            .sign_up()
            .client_id(&app.client_id)
            .username("mal")
            .password("Passw0rd!")
            .user_attributes(attr("email", "victim@example.com"))
            .send()
            .await
            .unwrap();
        let mut answers = Vec::new();
        for round in 1..=3 {
            if round > 1 {
                client
                    .resend_confirmation_code()
                    .client_id(&app.client_id)
                    .username("mal")
                    .send()
                    .await
                    .unwrap();
            }
            let right = server
                .mail
                .nth_mail_to("victim@example.com", round)
                .await
                .code(6)
                .unwrap();
            for _ in 0..3 {
                answers.push(error_of(
                    client
                        .confirm_sign_up()
                        .client_id(&app.client_id)
                        .username("mal")
                        .confirmation_code(wrong_code(&right))
                        .send()
                        .await,
                ));
            }
        }
        assert!(
            answers[..5].iter().all(|a| is(a, CODE_MISMATCH)),
            "{answers:?}"
        );
        assert!(
            answers[5..].iter().all(|a| is(a, LIMIT_EXCEEDED)),
            "{answers:?}"
        );
    }
);

on_both_backends!(
    issue10_passwordless_codes_count_toward_the_lockout,
    |server| {
        let client = server.client();
        let app = crate::user_auth::choice_app(&client).await;
        crate::mfa::mfa_user(&client, &app, "otto", false).await;
        let start = |client: Client| {
            let client_id = app.client_id.clone();
            async move {
                let started = client
                    .initiate_auth()
                    .client_id(client_id)
                    .auth_flow(AuthFlowType::UserAuth)
                    .auth_parameters("USERNAME", "otto")
                    .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(started.challenge_name(), Some(&ChallengeNameType::EmailOtp));
                started.session().unwrap().to_owned()
            }
        };
        let session = start(client.clone()).await;
        let node = server.second_node().await;
        let (client_id, session2) = (app.client_id.clone(), session.clone());
        let results = thirty_at_once([client.clone(), node.client()], move |c| {
            let (client_id, session) = (client_id.clone(), session2.clone());
            async move {
                c.respond_to_auth_challenge()
                    .client_id(client_id)
                    .challenge_name(ChallengeNameType::EmailOtp)
                    .session(session)
                    .challenge_responses("USERNAME", "otto")
                    .challenge_responses("EMAIL_OTP_CODE", "00000000")
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| error_of::<_, _>(Err::<(), _>(e)))
            }
        })
        .await;
        let mismatch = ("CodeMismatchException", "Invalid code received for user");
        assert_eq!(count(&results, mismatch), 5, "{results:?}");
        assert_eq!(count(&results, LOCKED), 25, "{results:?}");
        // Even the right code waits out the delay; afterwards it signs in.
        let code = server
            .mail
            .mail_to("otto@example.com")
            .await
            .code(8)
            .unwrap();
        let respond = |code: String| {
            client
                .respond_to_auth_challenge()
                .client_id(&app.client_id)
                .challenge_name(ChallengeNameType::EmailOtp)
                .session(&session)
                .challenge_responses("USERNAME", "otto")
                .challenge_responses("EMAIL_OTP_CODE", code)
                .send()
        };
        assert!(is(&error_of(respond(code.clone()).await), LOCKED));
        server.clock.advance_secs(2);
        assert!(
            respond(code)
                .await
                .unwrap()
                .authentication_result()
                .is_some()
        );
        node.stop().await;
    }
);

// --- Finding 2: anyone could have any number of codes sent --------------------------------

on_both_backends!(
    issue10_thirty_parallel_code_requests_on_two_nodes_send_five,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "flo", "Passw0rd!", "flo@example.com").await;
        let node = server.second_node().await;
        let client_id = app.client_id.clone();
        let results = thirty_at_once([client.clone(), node.client()], move |c| {
            let client_id = client_id.clone();
            async move {
                c.forgot_password()
                    .client_id(client_id)
                    .username("flo")
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| error_of::<_, _>(Err::<(), _>(e)))
            }
        })
        .await;
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            5,
            "{results:?}"
        );
        assert_eq!(count(&results, LIMIT_EXCEEDED), 25, "{results:?}");
        server.mail.nth_mail_to("flo@example.com", 5).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(server.mail.count_to("flo@example.com"), 5);
        // An hour after the last send, codes can be had again.
        server.clock.advance_secs(3601);
        forgot_password(&client, &app, "flo").await.unwrap();
        node.stop().await;

        // ResendConfirmationCode: SignUp's code and four more, then the limit.
        client
            .sign_up()
            .client_id(&app.client_id)
            .username("gus")
            .password("Passw0rd!")
            .user_attributes(attr("email", "gus@example.com"))
            .send()
            .await
            .unwrap();
        let resend = || {
            client
                .resend_confirmation_code()
                .client_id(&app.client_id)
                .username("gus")
                .send()
        };
        for _ in 0..4 {
            resend().await.unwrap();
        }
        assert!(is(&error_of(resend().await), LIMIT_EXCEEDED));
        assert_eq!(server.mail.count_to("gus@example.com"), 5);
    }
);

on_both_backends!(
    issue10_attribute_codes_are_limited_and_a_refused_change_is_not_saved,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "ida", "Passw0rd!", "ida@example.com").await;
        let access = flows::tokens(&client, &app, "ida", "Passw0rd!")
            .await
            .access_token()
            .unwrap()
            .to_owned();
        let ask = || {
            client
                .get_user_attribute_verification_code()
                .access_token(&access)
                .attribute_name("email")
                .send()
        };
        for _ in 0..5 {
            ask().await.unwrap();
        }
        assert!(is(&error_of(ask().await), LIMIT_EXCEEDED));
        // A change that would send a sixth code is refused before anything is written.
        let refused = client
            .update_user_attributes()
            .access_token(&access)
            .user_attributes(attr("email", "elsewhere@example.com"))
            .send()
            .await;
        assert!(is(&error_of(refused), LIMIT_EXCEEDED));
        let me = client
            .get_user()
            .access_token(&access)
            .send()
            .await
            .unwrap();
        let email = me
            .user_attributes()
            .iter()
            .find(|a| a.name() == "email")
            .unwrap();
        assert_eq!(email.value(), Some("ida@example.com"));
        assert_eq!(server.mail.count_to("elsewhere@example.com"), 0);
    }
);

// --- Finding 3: the lockout gave way to parallel requests --------------------------------

on_both_backends!(
    issue10_thirty_parallel_wrong_passwords_on_two_nodes_lock_after_five,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "lou", "Passw0rd!", "lou@example.com").await;
        confirmed_user(&client, &app, "sam", "Passw0rd!", "sam@example.com").await;
        let node = server.second_node().await;
        let clients = [client.clone(), node.client()];

        let client_id = app.client_id.clone();
        let results = thirty_at_once(clients.clone(), move |c| {
            let client_id = client_id.clone();
            async move {
                c.initiate_auth()
                    .client_id(client_id)
                    .auth_flow(AuthFlowType::UserPasswordAuth)
                    .auth_parameters("USERNAME", "lou")
                    .auth_parameters("PASSWORD", "Wrong-Passw0rd1")
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| error_of::<_, _>(Err::<(), _>(e)))
            }
        })
        .await;
        assert_eq!(count(&results, INCORRECT), 5, "{results:?}");
        assert_eq!(count(&results, LOCKED), 25, "{results:?}");
        // The right password waits out the delay too, then signs in.
        assert!(is(
            &error_of(password_sign_in(&client, &app, "lou", "Passw0rd!").await),
            LOCKED
        ));
        server.clock.advance_secs(2);
        flows::tokens(&client, &app, "lou", "Passw0rd!").await;

        // SRP: the proof is checked only once the attempt is counted.
        let pool = app.pool.clone();
        let client_id = app.client_id.clone();
        let results = thirty_at_once(clients, move |c| {
            let app = App {
                pool: pool.clone(),
                client_id: client_id.clone(),
                secret: None,
            };
            async move {
                srp_sign_in(&c, &app, "sam", "Wrong-Passw0rd1")
                    .await
                    .map(|_| ())
                    .map_err(|e| error_of::<_, _>(Err::<(), _>(e)))
            }
        })
        .await;
        assert_eq!(count(&results, INCORRECT), 5, "{results:?}");
        assert_eq!(count(&results, LOCKED), 25, "{results:?}");
        node.stop().await;
    }
);

// --- Finding 4: user enumeration despite PreventUserExistenceErrors ------------------------

/// A pool whose usernames are email addresses, compared without case, and a client that
/// hides whether users exist.
async fn email_username_app(client: &Client) -> App {
    let pool = client
        .create_user_pool()
        .pool_name("emails")
        .username_attributes(UsernameAttributeType::Email)
        .username_configuration(
            aws_sdk_cognitoidentityprovider::types::UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
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
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
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

async fn srp_user_id(client: &Client, app: &App, username: &str) -> String {
    let challenge = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", "abcdef")
        .send()
        .await
        .unwrap();
    let parameters = challenge.challenge_parameters().unwrap();
    assert_eq!(parameters["USERNAME"], parameters["USER_ID_FOR_SRP"]);
    parameters["USER_ID_FOR_SRP"].clone()
}

on_both_backends!(
    issue10_srp_challenges_of_unknown_addresses_look_like_real_ones,
    |server| {
        let client = server.client();
        let app = email_username_app(&client).await;
        client
            .admin_create_user()
            .user_pool_id(&app.pool)
            .username("real@example.com")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let real = srp_user_id(&client, &app, "real@example.com").await;
        assert_eq!(srp_user_id(&client, &app, "REAL@example.com").await, real);
        let ghost = srp_user_id(&client, &app, "ghost@example.com").await;
        for id in [&real, &ghost] {
            assert!(uuid::Uuid::parse_str(id).is_ok(), "{id} is not UUID-shaped");
        }
        assert_ne!(ghost, "ghost@example.com");
        // Stable, per name (names compare as the pool compares them), and not the same for all.
        assert_eq!(srp_user_id(&client, &app, "ghost@example.com").await, ghost);
        assert_eq!(srp_user_id(&client, &app, "GHOST@example.com").await, ghost);
        assert_ne!(srp_user_id(&client, &app, "other@example.com").await, ghost);
        // The answer to the fake challenge is refused like a wrong password.
        let (code, message) =
            error_of(srp_sign_in(&client, &app, "ghost@example.com", "Passw0rd!").await);
        assert_eq!((code.as_str(), message.as_str()), INCORRECT);
    }
);

on_both_backends!(
    issue10_simulated_deliveries_are_derived_from_the_name,
    |server| {
        let client = server.client();
        let app = app(
            &client,
            AppOptions {
                hide_existence: true,
                ..AppOptions::default()
            },
        )
        .await;
        let mut seen = Vec::new();
        for name in ["nobody-1", "nobody-2", "nobody-3", "nobody-4"] {
            let first = forgot_password(&client, &app, name).await.unwrap();
            assert_eq!(
                forgot_password(&client, &app, name).await.unwrap(),
                first,
                "stable"
            );
            assert!(first.contains("***@"), "{first}");
            seen.push(first);
        }
        seen.dedup();
        assert!(seen.len() > 1, "every name got {seen:?}");
        assert_eq!(
            forgot_password(&client, &app, "zed@example.org")
                .await
                .unwrap(),
            "z***@e***"
        );
        // A made-up name runs into the send limit as a real user does.
        for _ in 0..3 {
            forgot_password(&client, &app, "nobody-1").await.unwrap();
        }
        assert!(is(
            &forgot_password(&client, &app, "nobody-1")
                .await
                .unwrap_err(),
            LIMIT_EXCEEDED
        ));
    }
);

on_both_backends!(
    issue10_users_who_get_no_code_get_the_simulated_answer,
    |server| {
        let client = server.client();
        let app = app(
            &client,
            AppOptions {
                hide_existence: true,
                ..AppOptions::default()
            },
        )
        .await;
        confirmed_user(&client, &app, "dee", "Passw0rd!", "dee@example.com").await;
        client
            .admin_disable_user()
            .user_pool_id(&app.pool)
            .username("dee")
            .send()
            .await
            .unwrap();
        client
            .admin_create_user()
            .user_pool_id(&app.pool)
            .username("nomail")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        confirmed_user(&client, &app, "con", "Passw0rd!", "con@example.com").await;
        // Disabled, and without a verified address: ForgotPassword answers as for anyone.
        for name in ["dee", "nomail"] {
            let sent = client
                .forgot_password()
                .client_id(&app.client_id)
                .username(name)
                .send()
                .await
                .unwrap();
            let details = sent.code_delivery_details().unwrap();
            assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
        }
        // Already confirmed: ResendConfirmationCode answers as for anyone.
        let sent = client
            .resend_confirmation_code()
            .client_id(&app.client_id)
            .username("con")
            .send()
            .await
            .unwrap();
        assert!(sent.code_delivery_details().is_some());
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(server.mail.count_to("dee@example.com"), 0);
        assert_eq!(server.mail.count_to("con@example.com"), 0);
    }
);

fn lower_quartile(mut samples: Vec<std::time::Duration>) -> std::time::Duration {
    samples.sort();
    samples[samples.len() / 4]
}

on_both_backends!(
    issue10_forgot_password_takes_as_long_for_unknown_users,
    |server| {
        let client = server.client();
        let app = app(
            &client,
            AppOptions {
                hide_existence: true,
                ..AppOptions::default()
            },
        )
        .await;
        confirmed_user(&client, &app, "kim", "Passw0rd!", "kim@example.com").await;
        let timed = |name: &'static str| {
            let (client, app) = (
                client.clone(),
                App {
                    pool: app.pool.clone(),
                    client_id: app.client_id.clone(),
                    secret: None,
                },
            );
            async move {
                let started = std::time::Instant::now();
                forgot_password(&client, &app, name).await.unwrap();
                started.elapsed()
            }
        };
        // Interleaved so that machine noise hits both alike; an hour apart, under the send
        // limit. The lower quartiles are compared: the work each answer costs, without the
        // spikes a shared machine adds to either.
        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        for i in 0..40 {
            server.clock.advance_secs(3601);
            if i % 2 == 0 {
                known.push(timed("kim").await);
                unknown.push(timed("ghost").await);
            } else {
                unknown.push(timed("ghost").await);
                known.push(timed("kim").await);
            }
        }
        let (k, u) = (lower_quartile(known), lower_quartile(unknown));
        let gap = k.abs_diff(u);
        assert!(
            gap < std::time::Duration::from_millis(1)
                || gap.as_secs_f64() < 0.3 * k.as_secs_f64().max(u.as_secs_f64()),
            "known {k:?} vs unknown {u:?}"
        );
    }
);

// --- Finding 5: disabling a user revoked nothing -------------------------------------------

on_both_backends!(issue10_disabling_a_user_revokes_their_tokens, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "dan", "Passw0rd!", "dan@example.com").await;
    let tokens = flows::tokens(&client, &app, "dan", "Passw0rd!").await;
    let access = tokens.access_token().unwrap().to_owned();
    let refresh = tokens.refresh_token().unwrap().to_owned();
    client
        .admin_disable_user()
        .user_pool_id(&app.pool)
        .username("dan")
        .send()
        .await
        .unwrap();
    client
        .admin_enable_user()
        .user_pool_id(&app.pool)
        .username("dan")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(client.get_user().access_token(&access).send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Access Token has been revoked")
    );
    let (code, message) = error_of(
        client
            .initiate_auth()
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &refresh)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Refresh Token has been revoked")
    );
    // A new sign-in works again.
    let fresh = flows::tokens(&client, &app, "dan", "Passw0rd!").await;
    client
        .get_user()
        .access_token(fresh.access_token().unwrap())
        .send()
        .await
        .unwrap();
});

// --- Finding 7: the smaller ones ------------------------------------------------------------

on_both_backends!(issue10_srp_a_zero_modulo_n_is_refused_at_once, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "zoe", "Passw0rd!", "zoe@example.com").await;
    let n = cognate_crypto::srp::to_hex(&cognate_crypto::srp::N);
    for srp_a in ["0", "000", n.as_str()] {
        let (code, message) = error_of(
            client
                .initiate_auth()
                .client_id(&app.client_id)
                .auth_flow(AuthFlowType::UserSrpAuth)
                .auth_parameters("USERNAME", "zoe")
                .auth_parameters("SRP_A", srp_a)
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidParameterException",
                "SRP_A cannot be zero modulo N."
            ),
            "{srp_a}"
        );
    }
});

on_both_backends!(
    issue10_a_challenge_is_answered_only_in_its_users_name,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        for name in ["ann", "bob"] {
            client
                .admin_create_user()
                .user_pool_id(&app.pool)
                .username(name)
                .temporary_password("Temp-Passw0rd1")
                .message_action(MessageActionType::Suppress)
                .send()
                .await
                .unwrap();
        }
        let challenge = password_sign_in(&client, &app, "ann", "Temp-Passw0rd1")
            .await
            .unwrap();
        assert_eq!(
            challenge.challenge_name(),
            Some(&ChallengeNameType::NewPasswordRequired)
        );
        let session = challenge.session().unwrap().to_owned();
        let answer = |username: &str| {
            client
                .respond_to_auth_challenge()
                .client_id(&app.client_id)
                .challenge_name(ChallengeNameType::NewPasswordRequired)
                .session(&session)
                .challenge_responses("USERNAME", username)
                .challenge_responses("NEW_PASSWORD", "Chosen-Passw0rd1")
                .send()
        };
        assert!(is(&error_of(answer("bob").await), INCORRECT));
        let done = answer("ann").await.unwrap();
        let id = flows::claims(done.authentication_result().unwrap().id_token().unwrap());
        assert_eq!(id["cognito:username"], "ann");
    }
);

on_both_backends!(
    issue10_wrong_and_right_reset_codes_racing_never_fail,
    |server| {
        // Each round, the right code among fifteen wrong ones at once, over two nodes: nothing is
        // a 500 (a wrong answer counted on a code the right one had just removed used to be).
        const ANSWERS: usize = 16;
        const RIGHT: usize = 3;
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "ray", "Passw0rd!", "ray@example.com").await;
        let node = server.second_node().await;
        let clients = [client.clone(), node.client()];
        for round in 1..=25 {
            // An hour apart, under the send limit.
            server.clock.advance_secs(3601);
            forgot_password(&client, &app, "ray").await.unwrap();
            let right = server
                .mail
                .nth_mail_to("ray@example.com", round)
                .await
                .code(6)
                .unwrap();
            let password = format!("Round-{round}-Passw0rd");
            let tasks: Vec<_> = (0..ANSWERS)
                .map(|i| {
                    let c = clients[(i + round) % 2].clone();
                    let client_id = app.client_id.clone();
                    let (code, password) = if i == RIGHT {
                        (right.clone(), password.clone())
                    } else {
                        (wrong_code(&right), "Wrong-Passw0rd1".to_owned())
                    };
                    tokio::spawn(async move {
                        c.confirm_forgot_password()
                            .client_id(client_id)
                            .username("ray")
                            .confirmation_code(code)
                            .password(password)
                            .send()
                            .await
                            .map(|_| ())
                            .map_err(|e| error_of::<_, _>(Err::<(), _>(e)))
                    })
                })
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.unwrap());
            }
            // Every answer is the right one's success, a wrong answer, or the attempt limit (five
            // answers are evaluated, so the right one may come too late); never an internal error.
            let limited = count(&results, LIMIT_EXCEEDED);
            assert_eq!(
                count(&results, CODE_MISMATCH)
                    + limited
                    + results.iter().filter(|r| r.is_ok()).count(),
                ANSWERS,
                "round {round}: {results:?}"
            );
            assert!(limited <= ANSWERS - 5, "round {round}: {results:?}");
            if results[RIGHT].is_ok() {
                flows::tokens(&client, &app, "ray", &password).await;
            }
        }
        node.stop().await;
    }
);

on_both_backends!(
    issue10_usernames_differing_only_in_normalisation_are_one_user,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        let composed = "jos\u{e9}";
        let decomposed = "jose\u{301}";
        assert_ne!(composed, decomposed);
        confirmed_user(&client, &app, composed, "Passw0rd!", "jose@example.com").await;
        let (code, _) = error_of(
            client
                .sign_up()
                .client_id(&app.client_id)
                .username(decomposed)
                .password("Passw0rd!")
                .user_attributes(attr("email", "other@example.com"))
                .send()
                .await,
        );
        assert_eq!(code, "UsernameExistsException");
        // Signing in with either form is signing in as the one user, whose name is as created.
        let tokens = flows::tokens(&client, &app, decomposed, "Passw0rd!").await;
        let id = flows::claims(tokens.id_token().unwrap());
        assert_eq!(id["cognito:username"], composed);
        let found = client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username(decomposed)
            .send()
            .await
            .unwrap();
        assert_eq!(found.username(), composed);
    }
);

// --- Every limit, 30 requests at once over two nodes -----------------------------------------

/// A node's client and the app, owned, for a task of `thirty_at_once`.
fn on_node(c: &Client, app: &App) -> (Client, App) {
    (
        c.clone(),
        App {
            pool: app.pool.clone(),
            client_id: app.client_id.clone(),
            secret: app.secret.clone(),
        },
    )
}

/// The outcome of a call, as `thirty_at_once` wants it.
fn outcome<T, E, R>(
    result: Result<T, aws_sdk_cognitoidentityprovider::error::SdkError<E, R>>,
) -> Result<(), (String, String)>
where
    T: std::fmt::Debug,
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    result.map(|_| ()).map_err(|e| error_of(Err::<(), _>(e)))
}

fn successes(results: &[Result<(), (String, String)>]) -> usize {
    results.iter().filter(|r| r.is_ok()).count()
}

on_both_backends!(
    issue10_thirty_parallel_answers_to_every_code_on_two_nodes_get_five,
    |server| {
        let client = server.client();
        let app = app(
            &client,
            AppOptions {
                hide_existence: true,
                ..AppOptions::default()
            },
        )
        .await;
        let node = server.second_node().await;
        let clients = [client.clone(), node.client()];

        // ConfirmSignUp: proving an address one does not own.
        client
            .sign_up()
            .client_id(&app.client_id)
            .username("cy")
            .password("Passw0rd!")
            .user_attributes(attr("email", "cy@example.com"))
            .send()
            .await
            .unwrap();
        let right = server.mail.mail_to("cy@example.com").await.code(6).unwrap();
        let wrong = wrong_code(&right);
        let results = thirty_at_once(clients.clone(), |c| {
            let (c, app) = on_node(&c, &app);
            let wrong = wrong.clone();
            async move {
                outcome(
                    c.confirm_sign_up()
                        .client_id(&app.client_id)
                        .username("cy")
                        .confirmation_code(wrong)
                        .send()
                        .await,
                )
            }
        })
        .await;
        assert_eq!(count(&results, CODE_MISMATCH), 5, "{results:?}");
        assert_eq!(count(&results, LIMIT_EXCEEDED), 25, "{results:?}");
        let late = client
            .confirm_sign_up()
            .client_id(&app.client_id)
            .username("cy")
            .confirmation_code(&right)
            .send()
            .await;
        assert!(is(&error_of(late), LIMIT_EXCEEDED));

        // VerifyUserAttribute.
        confirmed_user(&client, &app, "vera", "Passw0rd!", "vera@example.com").await;
        let access = flows::tokens(&client, &app, "vera", "Passw0rd!")
            .await
            .access_token()
            .unwrap()
            .to_owned();
        client
            .get_user_attribute_verification_code()
            .access_token(&access)
            .attribute_name("email")
            .send()
            .await
            .unwrap();
        let right = server
            .mail
            .mail_to("vera@example.com")
            .await
            .code(6)
            .unwrap();
        let wrong = wrong_code(&right);
        let results = thirty_at_once(clients.clone(), |c| {
            let (access, wrong) = (access.clone(), wrong.clone());
            async move {
                outcome(
                    c.verify_user_attribute()
                        .access_token(access)
                        .attribute_name("email")
                        .code(wrong)
                        .send()
                        .await,
                )
            }
        })
        .await;
        assert_eq!(count(&results, CODE_MISMATCH), 5, "{results:?}");
        assert_eq!(count(&results, LIMIT_EXCEEDED), 25, "{results:?}");

        // ConfirmForgotPassword for a name that is no user: counted as a real user's answers.
        let results = thirty_at_once(clients.clone(), |c| {
            let (c, app) = on_node(&c, &app);
            async move {
                confirm_forgot_password(&c, &app, "nobody", "123456", "Stolen-Passw0rd1").await
            }
        })
        .await;
        assert_eq!(count(&results, CODE_MISMATCH), 5, "{results:?}");
        assert_eq!(count(&results, LIMIT_EXCEEDED), 25, "{results:?}");

        // ChangePassword with a stolen access token: five previous passwords an hour, then
        // Cognito's LimitExceededException, the right one included.
        let change = |c: Client, previous: &'static str| {
            let access = access.clone();
            async move {
                outcome(
                    c.change_password()
                        .access_token(access)
                        .previous_password(previous)
                        .proposed_password("Stolen-Passw0rd1")
                        .send()
                        .await,
                )
            }
        };
        let results = thirty_at_once(clients.clone(), |c| change(c, "Wrong-Passw0rd1")).await;
        assert_eq!(count(&results, INCORRECT), 5, "{results:?}");
        assert_eq!(count(&results, LIMIT_EXCEEDED), 25, "{results:?}");
        assert!(is(
            &change(client.clone(), "Passw0rd!").await.unwrap_err(),
            LIMIT_EXCEEDED
        ));
        // An hour later (with a new access token, the old one has expired) the owner can.
        server.clock.advance_secs(3601);
        let fresh = flows::tokens(&client, &app, "vera", "Passw0rd!").await;
        client
            .change_password()
            .access_token(fresh.access_token().unwrap())
            .previous_password("Passw0rd!")
            .proposed_password("Changed-Passw0rd1")
            .send()
            .await
            .unwrap();
        node.stop().await;
    }
);

on_both_backends!(
    issue10_thirty_parallel_requests_for_every_code_on_two_nodes_send_five,
    |server| {
        let client = server.client();
        let app = app(
            &client,
            AppOptions {
                hide_existence: true,
                ..AppOptions::default()
            },
        )
        .await;
        let node = server.second_node().await;
        let clients = [client.clone(), node.client()];

        // ResendConfirmationCode: SignUp's code is the first of five.
        client
            .sign_up()
            .client_id(&app.client_id)
            .username("gia")
            .password("Passw0rd!")
            .user_attributes(attr("email", "gia@example.com"))
            .send()
            .await
            .unwrap();
        let results = thirty_at_once(clients.clone(), |c| {
            let (c, app) = on_node(&c, &app);
            async move {
                outcome(
                    c.resend_confirmation_code()
                        .client_id(&app.client_id)
                        .username("gia")
                        .send()
                        .await,
                )
            }
        })
        .await;
        assert_eq!(successes(&results), 4, "{results:?}");
        assert_eq!(count(&results, LIMIT_EXCEEDED), 26, "{results:?}");

        // GetUserAttributeVerificationCode.
        confirmed_user(&client, &app, "hal", "Passw0rd!", "hal@example.com").await;
        let access = flows::tokens(&client, &app, "hal", "Passw0rd!")
            .await
            .access_token()
            .unwrap()
            .to_owned();
        let results = thirty_at_once(clients.clone(), |c| {
            let access = access.clone();
            async move {
                outcome(
                    c.get_user_attribute_verification_code()
                        .access_token(access)
                        .attribute_name("email")
                        .send()
                        .await,
                )
            }
        })
        .await;
        assert_eq!(successes(&results), 5, "{results:?}");
        assert_eq!(count(&results, LIMIT_EXCEEDED), 25, "{results:?}");

        // ForgotPassword for a name that is no user: simulated deliveries, limited alike.
        let results = thirty_at_once(clients.clone(), |c| {
            let (c, app) = on_node(&c, &app);
            async move { forgot_password(&c, &app, "nobody").await.map(|_| ()) }
        })
        .await;
        assert_eq!(successes(&results), 5, "{results:?}");
        assert_eq!(count(&results, LIMIT_EXCEEDED), 25, "{results:?}");

        server.mail.nth_mail_to("gia@example.com", 5).await;
        server.mail.nth_mail_to("hal@example.com", 5).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(server.mail.count_to("gia@example.com"), 5);
        assert_eq!(server.mail.count_to("hal@example.com"), 5);
        node.stop().await;
    }
);

on_both_backends!(
    issue10_thirty_parallel_sign_ins_on_two_nodes_hold_every_sign_in_limit,
    |server| {
        use crate::mfa::{MfaPool, PASSWORD, mfa_app, mfa_user};
        use aws_sdk_cognitoidentityprovider::types::{EmailMfaSettingsType, UserPoolMfaType};
        let client = server.client();
        let node = server.second_node().await;
        let clients = [client.clone(), node.client()];

        // Email MFA: a right password has a code sent, five an hour.
        let app = mfa_app(
            &client,
            MfaPool {
                mode: Some(UserPoolMfaType::Optional),
                email: true,
                ..MfaPool::default()
            },
        )
        .await;
        mfa_user(&client, &app, "mia", false).await;
        client
            .admin_set_user_mfa_preference()
            .user_pool_id(&app.pool)
            .username("mia")
            .email_mfa_settings(
                EmailMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        // Every sign-in reserves a lockout attempt before its password is checked, so of 30
        // right passwords at once some also wait out the lockout's first delay; whichever
        // limit answers, five codes are sent.
        let results = thirty_at_once(clients.clone(), |c| {
            let (c, app) = on_node(&c, &app);
            async move { outcome(password_sign_in(&c, &app, "mia", PASSWORD).await) }
        })
        .await;
        assert_eq!(successes(&results), 5, "{results:?}");
        assert_eq!(
            count(&results, LIMIT_EXCEEDED) + count(&results, LOCKED),
            25,
            "{results:?}"
        );
        server.mail.nth_mail_to("mia@example.com", 5).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(server.mail.count_to("mia@example.com"), 5);

        // Wrong MFA codes: five, then the lockout's delay, on a counter a right password
        // does not clear.
        server.clock.advance_secs(3601);
        let challenge = password_sign_in(&client, &app, "mia", PASSWORD)
            .await
            .unwrap();
        assert_eq!(
            challenge.challenge_name(),
            Some(&ChallengeNameType::EmailOtp)
        );
        let session = challenge.session().unwrap().to_owned();
        let results = thirty_at_once(clients.clone(), |c| {
            let (c, app) = on_node(&c, &app);
            let session = session.clone();
            async move {
                outcome(
                    crate::mfa::answer(
                        &c,
                        &app,
                        ChallengeNameType::EmailOtp,
                        &session,
                        "mia",
                        "00000000",
                    )
                    .await,
                )
            }
        })
        .await;
        let mismatch = ("CodeMismatchException", "Invalid code received for user");
        assert_eq!(count(&results, mismatch), 5, "{results:?}");
        assert_eq!(count(&results, LOCKED), 25, "{results:?}");

        // Passwordless codes sent: five an hour.
        let choice = crate::user_auth::choice_app(&client).await;
        mfa_user(&client, &choice, "pat", false).await;
        {
            let name = "pat";
            let results = thirty_at_once(clients.clone(), |c| {
                let (c, app) = on_node(&c, &choice);
                async move {
                    outcome(
                        c.initiate_auth()
                            .client_id(&app.client_id)
                            .auth_flow(AuthFlowType::UserAuth)
                            .auth_parameters("USERNAME", name)
                            .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
                            .send()
                            .await,
                    )
                }
            })
            .await;
            assert_eq!(successes(&results), 5, "{name}: {results:?}");
            assert_eq!(count(&results, LIMIT_EXCEEDED), 25, "{name}: {results:?}");
        }

        // Passwords of a name that is no user, where the client hides existence: the same
        // lockout as a real user's.
        let hiding = app_hiding_existence(&client).await;
        let results = thirty_at_once(clients, |c| {
            let (c, app) = on_node(&c, &hiding);
            async move { outcome(password_sign_in(&c, &app, "ghost", "Wrong-Passw0rd1").await) }
        })
        .await;
        assert_eq!(count(&results, INCORRECT), 5, "{results:?}");
        assert_eq!(count(&results, LOCKED), 25, "{results:?}");
        node.stop().await;
    }
);

async fn app_hiding_existence(client: &Client) -> App {
    app(
        client,
        AppOptions {
            hide_existence: true,
            ..AppOptions::default()
        },
    )
    .await
}

#[tokio::test]
async fn issue10_limits_are_tunable() {
    use crate::support::{Backend, Options, TestServer};
    let server = TestServer::start_configured(Backend::Sqlite, Options { dev: false }, |raw| {
        raw.limits = Some(cognate_server::config::RawLimits {
            lockout_free_failures: Some(2),
            code_answers_per_hour: Some(3),
            code_sends_per_hour: Some(2),
            ..Default::default()
        });
    })
    .await
    .unwrap();
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "tia", "Passw0rd!", "tia@example.com").await;
    for _ in 0..2 {
        forgot_password(&client, &app, "tia").await.unwrap();
    }
    // On the wire, as Cognito answers it: 400 with the exception's name and message.
    let body = format!(r#"{{"ClientId":"{}","Username":"tia"}}"#, app.client_id);
    server
        .raw(Some("ForgotPassword"), &body, false)
        .await
        .assert_error(400, LIMIT_EXCEEDED.0, LIMIT_EXCEEDED.1);
    let right = server
        .mail
        .nth_mail_to("tia@example.com", 2)
        .await
        .code(6)
        .unwrap();
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(
            confirm_forgot_password(&client, &app, "tia", &wrong_code(&right), "Other-Passw0rd1")
                .await
                .unwrap_err(),
        );
    }
    assert!(
        answers[..3].iter().all(|a| is(a, CODE_MISMATCH)),
        "{answers:?}"
    );
    assert!(is(&answers[3], LIMIT_EXCEEDED), "{answers:?}");
    let mut sign_ins = Vec::new();
    for _ in 0..3 {
        sign_ins.push(error_of(
            password_sign_in(&client, &app, "tia", "Wrong-Passw0rd1").await,
        ));
    }
    assert!(
        sign_ins[..2].iter().all(|e| is(e, INCORRECT)),
        "{sign_ins:?}"
    );
    assert!(is(&sign_ins[2], LOCKED), "{sign_ins:?}");
    server.stop().await;
}
