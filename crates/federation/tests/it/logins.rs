//! Identity-pool Logins: provider tokens checked for the pool's app ids, no code exchange.

use cognate_domain::external::{ExternalIdentityProviders, LoginProvider};
use serde_json::json;

use crate::social::{social, social_engine};
use crate::stand_in::Op;
use crate::{NOW_SECS, now};

fn audiences(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn google_apple_and_oidc_id_tokens() {
    let google = Op::start(NOW_SECS).await;
    let apple = Op::start(NOW_SECS).await;
    let oidc = Op::start(NOW_SECS).await;
    let (social, _) = social().await;
    let engine = social_engine(&google, &apple, &social);

    let token = google
        .with(|s| s.signing.clone())
        .sign(&google.claims("g-user"));
    let login = engine
        .verify_login(
            &LoginProvider::Google,
            &token,
            &audiences(&["other", "upstream-client"]),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (login.subject.as_str(), login.audience.as_str()),
        ("g-user", "upstream-client")
    );

    let token = apple
        .with(|s| s.signing.clone())
        .sign(&apple.claims("a-user"));
    let login = engine
        .verify_login(
            &LoginProvider::SignInWithApple,
            &token,
            &audiences(&["upstream-client"]),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(login.subject, "a-user");

    let token = oidc
        .with(|s| s.signing.clone())
        .sign(&oidc.claims("o-user"));
    let provider = LoginProvider::Oidc {
        issuer: oidc.issuer(),
    };
    let login = engine
        .verify_login(&provider, &token, &audiences(&["upstream-client"]), now())
        .await
        .unwrap();
    assert_eq!(login.issuer, oidc.issuer());

    // A Google token is not an Apple token, a token for another app is not ours, and an
    // HS256 token has no secret to be checked with here.
    let google_token = google
        .with(|s| s.signing.clone())
        .sign(&google.claims("g-user"));
    let error = engine
        .verify_login(
            &LoginProvider::SignInWithApple,
            &google_token,
            &audiences(&["upstream-client"]),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.error_description(), "Bad id_token signature");
    let error = engine
        .verify_login(
            &LoginProvider::Google,
            &google_token,
            &audiences(&["another-app"]),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.error_description(), "Bad id_token audience");
    let hs = crate::stand_in::sign_hmac(b"guess", None, &google.claims("g-user"));
    let error = engine
        .verify_login(
            &LoginProvider::Google,
            &hs,
            &audiences(&["upstream-client"]),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.error_description(), "Bad id_token algorithm HS256");
    let expired = {
        let mut claims = google.claims("g-user");
        claims["exp"] = json!(NOW_SECS - 3600);
        google.with(|s| s.signing.clone()).sign(&claims)
    };
    let error = engine
        .verify_login(
            &LoginProvider::Google,
            &expired,
            &audiences(&["upstream-client"]),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.error_description(), "id_token expired");
}

#[tokio::test]
async fn facebook_and_amazon_access_tokens_are_checked_through_their_apis() {
    let google = Op::start(NOW_SECS).await;
    let (social, _) = social().await;
    let engine = social_engine(&google, &google, &social);

    let login = engine
        .verify_login(
            &LoginProvider::Facebook,
            "fb-user-token",
            &audiences(&["fb-app"]),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(login.subject, "10156000000000001");
    assert_eq!(login.audience, "fb-app");
    let error = engine
        .verify_login(
            &LoginProvider::Facebook,
            "fb-user-token",
            &audiences(&["another-app"]),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "Invalid login token. Not a valid token for this identity pool's Facebook app"
    );
    let error = engine
        .verify_login(
            &LoginProvider::Facebook,
            "forged",
            &audiences(&["fb-app"]),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "Invalid login token. The provider did not accept the access token"
    );

    for accepted in [
        "amzn1.application-oa2-client.test",
        "amzn1.application.test",
    ] {
        let login = engine
            .verify_login(
                &LoginProvider::LoginWithAmazon,
                "Atza|token",
                &audiences(&[accepted]),
                now(),
            )
            .await
            .unwrap();
        assert_eq!(login.subject, "amzn1.account.AFAEXAMPLE");
        assert_eq!(login.audience, accepted);
    }
    let error = engine
        .verify_login(
            &LoginProvider::LoginWithAmazon,
            "Atza|token",
            &audiences(&["amzn1.application.other"]),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "Invalid login token. Not a valid token for this identity pool's Amazon app"
    );
    let error = engine
        .verify_login(
            &LoginProvider::LoginWithAmazon,
            "Atza|forged",
            &audiences(&["amzn1.application.test"]),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "Invalid login token. The provider did not accept the access token"
    );
}
