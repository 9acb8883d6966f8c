//! `TestDomain` does what the rule tests rely on: the same seed replays the same randomness,
//! the clock moves only by hand, every message is recorded with its code, and triggers are
//! recorded and answer as scripted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cognate_domain::pool::{LambdaConfig, PoolInput};
use cognate_domain::selfservice::SignUpInput;
use cognate_domain::triggers::TriggerFailure;
use cognate_testkit::domain::{PASSWORD, TestDomain};
use cognate_testkit::records::T0;
use serde_json::json;

const PRE_SIGN_UP: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up";

#[tokio::test]
async fn the_same_seed_replays_the_same_ids_and_another_does_not() {
    let pool_id = |seed| async move {
        let t = TestDomain::builder().seed(seed).build().unwrap();
        t.pool().await.unwrap().id
    };
    assert_eq!(pool_id(7).await, pool_id(7).await);
    assert_ne!(pool_id(7).await, pool_id(8).await);
}

#[tokio::test]
async fn the_clock_moves_only_when_told() {
    let t = TestDomain::new().unwrap();
    assert_eq!(t.now(), T0);
    let pool = t.pool().await.unwrap();
    assert_eq!(pool.created, T0);
    t.advance_secs(90);
    t.advance_millis(5);
    assert_eq!(t.now(), T0.plus_millis(90_005));
}

#[tokio::test]
async fn codes_sent_are_recorded_and_triggers_answer_as_scripted() {
    let t = TestDomain::new().unwrap();
    let pool = t
        .pool_with(PoolInput {
            lambda_config: Some(LambdaConfig {
                pre_sign_up: Some(PRE_SIGN_UP.into()),
                ..LambdaConfig::default()
            }),
            auto_verified_attributes: Some(vec![cognate_domain::enums::VerifiableAttribute::Email]),
            ..PoolInput::default()
        })
        .await
        .unwrap();
    let client = t.client(&pool.id).await.unwrap();
    let sign_up = |username: &'static str| {
        let client_id = client.client_id.clone();
        let t = &t;
        async move {
            let caller = t
                .domain
                .public_client(&client_id, username, None, Default::default())
                .await?;
            let input = SignUpInput {
                password: Some(PASSWORD.into()),
                attributes: vec![("email".into(), format!("{username}@example.com"))],
                ..SignUpInput::default()
            };
            let outcome = t.domain.sign_up(&caller, input).await?;
            Ok::<_, cognate_domain::Error>((caller, outcome))
        }
    };

    // Unscripted, the function answers with the event: nothing confirmed, a code sent.
    let (caller, first) = sign_up("ann").await.unwrap();
    assert!(!first.confirmed);
    let code = t.sender.last_code_to("ann@example.com").unwrap();
    assert_eq!(code.len(), 6, "{code}");
    t.domain
        .confirm_sign_up(&caller, &code, false)
        .await
        .unwrap();

    // Scripted: confirm every user; then refuse every sign-up.
    t.triggers.script(PRE_SIGN_UP, |event| {
        let mut answer = event.clone();
        answer["response"]["autoConfirmUser"] = json!(true);
        Ok(answer)
    });
    assert!(sign_up("ben").await.unwrap().1.confirmed);
    t.triggers.script(PRE_SIGN_UP, |_| {
        Err(TriggerFailure::FunctionError("no more sign-ups".into()))
    });
    let Err(refused) = sign_up("cal").await else {
        panic!("the scripted failure refuses the sign-up");
    };
    assert_eq!(
        refused.message,
        "PreSignUp failed with error no more sign-ups."
    );

    assert_eq!(t.triggers.sources(), ["PreSignUp_SignUp"; 3]);
    let (arn, event) = &t.triggers.seen()[1];
    assert_eq!(arn, PRE_SIGN_UP);
    assert_eq!(event["userName"], "ben");
    assert!(
        t.sender.sent_to("ben@example.com").is_empty(),
        "confirmed users get no code"
    );
}
