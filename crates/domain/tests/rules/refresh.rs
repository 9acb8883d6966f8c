//! Refresh tokens: renewal without rotation, rotation with its grace period for the replaced
//! token, reuse after the grace ending the whole session, and revoked or expired sessions.

use cognate_domain::client::{ClientInput, RefreshTokenRotation};
use cognate_testkit::domain::{PASSWORD, TestDomain};

use crate::support::{check, refresh, sign_in};

const REUSED: &str = "RefreshTokenReuseException: The refresh token has already been used.";
const REVOKED: &str = "NotAuthorizedException: Refresh Token has been revoked";
const EXPIRED: &str = "NotAuthorizedException: Refresh Token has expired";

/// Which refresh token a step presents: the sign-in's, or the newest one handed out.
#[derive(Debug, Clone, Copy)]
enum Token {
    First,
    Latest,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Wait(i64),
    Refresh(Token, &'static str),
    /// The refresh answered with a new refresh token (`true`) or none (`false`).
    Rotated(bool),
    RevokeAll,
}

use Step::*;
use Token::*;

/// `(case, rotation's grace period in seconds or no rotation, steps)`.
const CASES: &[(&str, Option<u32>, &[Step])] = &[
    (
        "without rotation the same token renews again and again",
        None,
        &[
            Refresh(First, "ok"),
            Rotated(false),
            Wait(3600),
            Refresh(First, "ok"),
            Rotated(false),
        ],
    ),
    (
        "rotation hands out a new token, which renews in turn",
        Some(10),
        &[
            Refresh(First, "ok"),
            Rotated(true),
            Refresh(Latest, "ok"),
            Rotated(true),
        ],
    ),
    (
        "the replaced token within the grace renews without rotating",
        Some(10),
        &[
            Refresh(First, "ok"),
            Wait(10),
            Refresh(First, "ok"),
            Rotated(false),
            Refresh(Latest, "ok"),
        ],
    ),
    (
        "the replaced token after the grace is reuse and ends the session",
        Some(10),
        &[
            Refresh(First, "ok"),
            Wait(11),
            Refresh(First, REUSED),
            Refresh(Latest, REVOKED),
        ],
    ),
    (
        "with no grace a replaced token is reuse at once",
        Some(0),
        &[
            Refresh(First, "ok"),
            Wait(1),
            Refresh(First, REUSED),
            Refresh(Latest, REVOKED),
        ],
    ),
    (
        "a revoked session renews with no token of it",
        Some(10),
        &[
            Refresh(First, "ok"),
            RevokeAll,
            Refresh(Latest, REVOKED),
            Refresh(First, REVOKED),
        ],
    ),
    (
        "a session ends with the refresh token's validity (30 days)",
        None,
        &[
            Wait(30 * 86_400 - 1),
            Refresh(First, "ok"),
            Wait(1),
            Refresh(First, EXPIRED),
        ],
    ),
];

#[tokio::test]
async fn refresh_tokens_rotate_with_a_grace_period_and_reuse_ends_the_session() {
    // One pool; each case has a client (its rotation setting) and a user of its own.
    let t = TestDomain::new().unwrap();
    let pool = t.pool().await.unwrap();
    for (user, (case, grace, steps)) in CASES.iter().enumerate() {
        let username = format!("user{user}");
        let rotation = grace.map(|seconds| RefreshTokenRotation {
            enabled: true,
            retry_grace_period_seconds: Some(seconds),
        });
        let client = t
            .client_with(
                &pool.id,
                ClientInput {
                    refresh_token_rotation: rotation,
                    ..ClientInput::default()
                },
            )
            .await
            .unwrap();
        t.confirmed_user(&pool.id, &username, &[]).await.unwrap();
        let first = sign_in(&t, &client, &username, PASSWORD)
            .await
            .unwrap()
            .refresh_token
            .unwrap();
        let mut latest = first.clone();
        let mut last_rotated = None;
        for (n, step) in steps.iter().enumerate() {
            let at = (case, n, step);
            match *step {
                Wait(secs) => t.advance_secs(secs),
                Refresh(which, expected) => {
                    let token = match which {
                        First => &first,
                        Latest => &latest,
                    };
                    let result = refresh(&t, &client, token).await;
                    check(at, &result, expected);
                    last_rotated = result.ok().map(|tokens| tokens.refresh_token);
                    if let Some(Some(new)) = &last_rotated {
                        assert_ne!(new, token, "{at:?}");
                        latest = new.clone();
                    }
                }
                Rotated(rotated) => {
                    let answered = last_rotated.clone().expect("a refresh before");
                    assert_eq!(answered.is_some(), rotated, "{at:?}");
                }
                RevokeAll => {
                    t.domain
                        .admin_user_global_sign_out(&pool.id, &username)
                        .await
                        .unwrap();
                }
            }
        }
    }
}
