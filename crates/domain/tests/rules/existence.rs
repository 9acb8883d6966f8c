//! Existence hiding (the client's PreventUserExistenceErrors): when it is on, a name with no
//! user gets the answer a real user would get from the same public operation; when it is
//! off, `UserNotFoundException`.

use cognate_domain::Result;
use cognate_domain::enums::VerifiableAttribute;
use cognate_domain::pool::PoolInput;
use cognate_domain::selfservice::{CodeDelivery, SignUpInput};
use cognate_testkit::domain::{PASSWORD, TestDomain};

use crate::support::{CODE_MISMATCH, INCORRECT, USER_NOT_FOUND, check, hiding, public, sign_in};

#[derive(Debug, Clone, Copy)]
enum Op {
    /// USER_PASSWORD_AUTH; a known user gives a wrong password.
    SignIn,
    /// A known user has a verified email.
    ForgotPassword,
    /// A known user signed up and is not confirmed yet.
    ResendConfirmationCode,
    /// A wrong code; a known user asked for a reset code first.
    ConfirmForgotPassword,
    /// A wrong code; a known user signed up and holds a code.
    ConfirmSignUp,
}

use Op::*;

const OK: &str = "ok";

/// `(operation, hides existence, answer for an unknown name, answer for a known user)`.
const CASES: &[(Op, bool, &str, &str)] = &[
    (SignIn, true, INCORRECT, INCORRECT),
    (SignIn, false, USER_NOT_FOUND, INCORRECT),
    (ForgotPassword, true, OK, OK),
    (ForgotPassword, false, USER_NOT_FOUND, OK),
    (ResendConfirmationCode, true, OK, OK),
    (ResendConfirmationCode, false, USER_NOT_FOUND, OK),
    (ConfirmForgotPassword, true, CODE_MISMATCH, CODE_MISMATCH),
    (ConfirmForgotPassword, false, USER_NOT_FOUND, CODE_MISMATCH),
    (ConfirmSignUp, true, CODE_MISMATCH, CODE_MISMATCH),
    (ConfirmSignUp, false, USER_NOT_FOUND, CODE_MISMATCH),
];

/// A pool that verifies emails, and a client that hides existence and one that does not.
async fn setup() -> (TestDomain, String, [String; 2]) {
    let t = TestDomain::new().unwrap();
    let pool = t
        .pool_with(PoolInput {
            auto_verified_attributes: Some(vec![VerifiableAttribute::Email]),
            ..PoolInput::default()
        })
        .await
        .unwrap();
    let mut clients = [String::new(), String::new()];
    for (hides, id) in [false, true].into_iter().zip(&mut clients) {
        *id = t
            .client_with(&pool.id, hiding(hides))
            .await
            .unwrap()
            .client_id;
    }
    (t, pool.id, clients)
}

/// A confirmed user `known<n>` and an unconfirmed `pending<n>`, both with an email.
async fn users(t: &TestDomain, pool_id: &str, client_id: &str, n: usize) {
    let email = format!("known{n}@example.com");
    let attributes = [("email", email.as_str()), ("email_verified", "true")];
    t.confirmed_user(pool_id, &format!("known{n}"), &attributes)
        .await
        .unwrap();
    let caller = public(t, client_id, &format!("pending{n}")).await.unwrap();
    let input = SignUpInput {
        password: Some(PASSWORD.into()),
        attributes: vec![("email".into(), format!("pending{n}@example.com"))],
        ..SignUpInput::default()
    };
    t.domain.sign_up(&caller, input).await.unwrap();
}

/// What `op` answers for `username` (`known<n>`/`pending<n>`, or a name with no user).
async fn answer(t: &TestDomain, client_id: &str, op: Op, username: &str) -> Result<String> {
    let d = &t.domain;
    let delivered = |d: CodeDelivery| format!("{:?} {}", d.medium, d.attribute);
    let caller = || public(t, client_id, username);
    match op {
        SignIn => {
            let client = d.client_by_id(client_id).await?;
            sign_in(t, &client, username, "Wr0ng-password!")
                .await
                .map(|_| "tokens".into())
        }
        ForgotPassword => d.forgot_password(&caller().await?).await.map(delivered),
        ResendConfirmationCode => d
            .resend_confirmation_code(&caller().await?)
            .await
            .map(delivered),
        ConfirmForgotPassword => {
            let caller = caller().await?;
            if username.starts_with("known") {
                d.forgot_password(&caller).await?;
            }
            d.confirm_forgot_password(&caller, "000000", "N3w-Passw0rd!")
                .await
                .map(|()| "confirmed".into())
        }
        ConfirmSignUp => d
            .confirm_sign_up(&caller().await?, "000000", false)
            .await
            .map(|()| "confirmed".into()),
    }
}

#[tokio::test]
async fn hiding_existence_answers_unknown_names_as_real_users() {
    // One pool; each case has users of its own, so the cases share no counter.
    let (t, pool_id, clients) = setup().await;
    for (n, &(op, hides, unknown_expected, known_expected)) in CASES.iter().enumerate() {
        let client_id = &clients[usize::from(hides)];
        users(&t, &pool_id, client_id, n).await;
        let known_name = match op {
            ResendConfirmationCode | ConfirmSignUp => format!("pending{n}"),
            _ => format!("known{n}"),
        };
        let unknown = answer(&t, client_id, op, &format!("ghost{n}")).await;
        let known = answer(&t, client_id, op, &known_name).await;
        check((op, hides, "unknown"), &unknown, unknown_expected);
        check((op, hides, "known"), &known, known_expected);
        if hides {
            // Not only the same kind of answer: the same answer, delivery details included.
            assert_eq!(unknown, known, "{op:?}");
        }
    }
}
