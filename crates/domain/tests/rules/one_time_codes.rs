//! Limits on one-time codes, per user and purpose: five codes sent an hour (counted until an
//! hour passes without a send), and five wrong answers counted across re-issued codes until
//! an hour passes without an answer or the right code is given. Names with no user (when the
//! client hides existence) run into the same limits.

use cognate_domain::Result;
use cognate_testkit::domain::{PASSWORD, TestDomain};

use crate::support::{ATTEMPTS_EXCEEDED, CODE_MISMATCH, check, hiding, public, sign_in};

#[derive(Debug, Clone, Copy)]
enum Step {
    Wait(i64),
    /// ForgotPassword for the user.
    Send(&'static str),
    /// GetUserAttributeVerificationCode for the user's email (another purpose).
    SendVerification(&'static str),
    /// ConfirmForgotPassword with a wrong code.
    Wrong(&'static str),
    /// ConfirmForgotPassword with the last code sent.
    Right(&'static str),
}

use Step::*;

const OK: &str = "ok";

const CASES: &[(&str, &[(Step, &str)])] = &[
    (
        "five codes are sent an hour; the hour runs from the last send",
        &[
            (Send("alice"), OK),
            (Send("alice"), OK),
            (Send("alice"), OK),
            (Wait(3000), OK),
            (Send("alice"), OK),
            (Send("alice"), OK),
            (Send("alice"), ATTEMPTS_EXCEEDED),
            (Send("bob"), OK),
            (Wait(3599), OK),
            (Send("alice"), ATTEMPTS_EXCEEDED),
            (Wait(1), OK),
            (Send("alice"), OK),
        ],
    ),
    (
        "the limit is per purpose",
        &[
            (Send("alice"), OK),
            (Send("alice"), OK),
            (Send("alice"), OK),
            (Send("alice"), OK),
            (Send("alice"), OK),
            (Send("alice"), ATTEMPTS_EXCEEDED),
            (SendVerification("alice"), OK),
        ],
    ),
    (
        "five wrong answers, then not even the right code, across re-issued codes",
        &[
            (Send("alice"), OK),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Right("alice"), ATTEMPTS_EXCEEDED),
            (Send("alice"), OK),
            (Right("alice"), ATTEMPTS_EXCEEDED),
            (Wait(3600), OK),
            (Send("alice"), OK),
            (Right("alice"), OK),
        ],
    ),
    (
        "the right code clears the wrong answers",
        &[
            (Send("alice"), OK),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Right("alice"), OK),
            (Send("alice"), OK),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Wrong("alice"), CODE_MISMATCH),
            (Right("alice"), OK),
        ],
    ),
    (
        "a code is used once",
        &[
            (Send("alice"), OK),
            (Right("alice"), OK),
            (Right("alice"), CODE_MISMATCH),
        ],
    ),
    (
        "a name with no user is limited as a user is",
        &[
            (Send("ghost"), OK),
            (Send("ghost"), OK),
            (Send("ghost"), OK),
            (Send("ghost"), OK),
            (Send("ghost"), OK),
            (Send("ghost"), ATTEMPTS_EXCEEDED),
            (Wrong("ghost"), CODE_MISMATCH),
            (Wrong("ghost"), CODE_MISMATCH),
            (Wrong("ghost"), CODE_MISMATCH),
            (Wrong("ghost"), CODE_MISMATCH),
            (Wrong("ghost"), CODE_MISMATCH),
            (Wrong("ghost"), ATTEMPTS_EXCEEDED),
        ],
    ),
];

/// Runs a step of case `case`, whose users are `<name><case>`.
async fn run(t: &TestDomain, client_id: &str, case: usize, step: Step) -> Result<()> {
    let d = &t.domain;
    let named = |name: &str| format!("{name}{case}");
    let confirm = |username: String, code: String| async move {
        let caller = public(t, client_id, &username).await?;
        d.confirm_forgot_password(&caller, &code, "N3w-Passw0rd!")
            .await
    };
    match step {
        Wait(secs) => {
            t.advance_secs(secs);
            Ok(())
        }
        Send(name) => {
            let caller = public(t, client_id, &named(name)).await?;
            d.forgot_password(&caller).await.map(|_| ())
        }
        SendVerification(name) => {
            let client = d.client_by_id(client_id).await?;
            let tokens = sign_in(t, &client, &named(name), PASSWORD).await?;
            d.get_user_attribute_verification_code(
                &tokens.access_token,
                "email",
                &Default::default(),
            )
            .await
            .map(|_| ())
        }
        Wrong(name) => confirm(named(name), "000000".into()).await,
        Right(name) => {
            let sent = t
                .sender
                .last_code_to(&format!("{}@example.com", named(name)));
            confirm(named(name), sent.expect("a code was sent")).await
        }
    }
}

#[tokio::test]
async fn codes_are_limited_per_user_and_purpose_across_reissues() {
    // One pool; each case has users of its own, so the cases share no counter.
    let t = TestDomain::new().unwrap();
    let pool = t.pool().await.unwrap();
    let client = t.client_with(&pool.id, hiding(true)).await.unwrap();
    for (index, (case, steps)) in CASES.iter().enumerate() {
        for name in ["alice", "bob"] {
            let username = format!("{name}{index}");
            let email = format!("{username}@example.com");
            let attributes = [("email", email.as_str()), ("email_verified", "true")];
            t.confirmed_user(&pool.id, &username, &attributes)
                .await
                .unwrap();
        }
        for (n, (step, expected)) in steps.iter().enumerate() {
            let result = run(&t, &client.client_id, index, *step).await;
            check((case, n, step), &result, expected);
        }
    }
}
