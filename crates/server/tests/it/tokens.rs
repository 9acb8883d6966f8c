//! Tokens: claims as Cognito writes them, verification against the published JWKS, key
//! rotation, revocation on every path, and refusal of tampered tokens.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use cognate_domain::signing::{PUBLISH_AHEAD_MS, RotationMode};

use crate::on_both_backends;
use crate::support::error_of;
use crate::support::flows::{self, AppOptions, app, confirmed_user};

async fn jwks(server: &crate::support::TestServer, pool: &str) -> serde_json::Value {
    let response = reqwest::get(format!("{}/{pool}/.well-known/jwks.json", server.url()))
        .await
        .unwrap();
    // Relying parties may keep the set this long; rotation publishes new keys longer ahead.
    assert_eq!(
        response.headers()["cache-control"],
        format!(
            "public, max-age={}",
            cognate_domain::signing::JWKS_MAX_AGE_SECS
        )
        .as_str()
    );
    response.json().await.unwrap()
}

/// Verifies a token's RS256 signature with the key the JWKS publishes for its kid.
pub(crate) fn verifies_with(jwks: &serde_json::Value, token: &str) -> bool {
    let kid = flows::header(token)["kid"].as_str().unwrap().to_owned();
    let Some(key) = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
    else {
        return false;
    };
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap();
    let public = cognate_crypto::jwt::PublicKeyHandle::from_rsa_components(kid, &n, &e).unwrap();
    cognate_crypto::jwt::verify_rs256(token, |_| Some(&public), flows::now_secs()).is_ok()
}

on_both_backends!(
    tokens_carry_cognitos_claims_and_verify_against_the_jwks,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "tara", "Passw0rd!", "tara@example.com").await;
        client
            .create_group()
            .user_pool_id(&app.pool)
            .group_name("admins")
            .precedence(1)
            .role_arn("arn:aws:iam::123456789012:role/A")
            .send()
            .await
            .unwrap();
        client
            .admin_add_user_to_group()
            .user_pool_id(&app.pool)
            .username("tara")
            .group_name("admins")
            .send()
            .await
            .unwrap();
        let tokens = flows::tokens(&client, &app, "tara", "Passw0rd!").await;
        let (id_token, access_token) = (tokens.id_token().unwrap(), tokens.access_token().unwrap());
        let (id, access) = (flows::claims(id_token), flows::claims(access_token));
        let issuer = format!("{}/{}", server.url(), app.pool);
        assert_eq!(id["iss"], issuer.as_str());
        assert_eq!(access["iss"], issuer.as_str());
        assert_eq!(id["aud"], app.client_id.as_str());
        assert!(
            access.get("aud").is_none(),
            "access tokens carry client_id, not aud"
        );
        assert_eq!(access["client_id"], app.client_id.as_str());
        assert_eq!(id["token_use"], "id");
        assert_eq!(access["token_use"], "access");
        assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
        assert_eq!(access["username"], "tara");
        assert_eq!(id["cognito:username"], "tara");
        assert_eq!(id["email"], "tara@example.com");
        assert_eq!(id["email_verified"], true);
        assert_eq!(id["cognito:groups"], serde_json::json!(["admins"]));
        assert_eq!(access["cognito:groups"], serde_json::json!(["admins"]));
        assert_eq!(
            id["cognito:preferred_role"],
            "arn:aws:iam::123456789012:role/A"
        );
        assert_eq!(id["sub"], access["sub"]);
        assert_eq!(id["origin_jti"], access["origin_jti"]);
        assert_eq!(id["event_id"], access["event_id"]);
        assert_eq!(
            id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
            3600
        );
        let (id_header, access_header) = (flows::header(id_token), flows::header(access_token));
        assert_eq!(
            id_header,
            serde_json::json!({ "kid": id_header["kid"], "alg": "RS256" })
        );
        assert_ne!(
            id_header["kid"], access_header["kid"],
            "ID and access tokens are signed with different keys"
        );
        let set = jwks(server, &app.pool).await;
        assert_eq!(set["keys"].as_array().unwrap().len(), 2);
        assert!(
            set["keys"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["alg"] == "RS256"
                    && k["kty"] == "RSA"
                    && k["use"] == "sig"
                    && k["e"] == "AQAB")
        );
        assert!(verifies_with(&set, id_token));
        assert!(verifies_with(&set, access_token));
        let discovery: serde_json::Value =
            reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        assert_eq!(discovery["issuer"], issuer.as_str());
        assert_eq!(
            discovery["jwks_uri"],
            format!("{issuer}/.well-known/jwks.json").as_str()
        );
        let missing = reqwest::get(format!(
            "{}/us-east-1_Missing00/.well-known/jwks.json",
            server.url()
        ))
        .await
        .unwrap();
        assert_eq!(missing.status(), 400);
    }
);

fn kids_of(set: &serde_json::Value) -> Vec<String> {
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

on_both_backends!(
    rotated_keys_are_published_before_they_sign_and_stay_until_their_tokens_expire,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "uma", "Passw0rd!", "uma@example.com").await;
        let before = flows::tokens(&client, &app, "uma", "Passw0rd!").await;
        let rotation = server
            .server
            .domain
            .rotate_signing_keys(&app.pool, RotationMode::Scheduled)
            .await
            .unwrap();
        // Published at once, before any token is signed with them.
        let set = jwks(server, &app.pool).await;
        let kids = kids_of(&set);
        assert_eq!(kids.len(), 4, "{kids:?}");
        assert!(kids.contains(&rotation.id_kid) && kids.contains(&rotation.access_kid));
        let during = flows::tokens(&client, &app, "uma", "Passw0rd!").await;
        for (old, new) in [
            (before.id_token(), during.id_token()),
            (before.access_token(), during.access_token()),
        ] {
            assert_eq!(
                flows::header(old.unwrap())["kid"],
                flows::header(new.unwrap())["kid"],
                "the old keys sign until the new ones activate"
            );
        }
        // The clock also moves with real time, so "shortly before" leaves a margin for it.
        server.clock.advance_secs(PUBLISH_AHEAD_MS / 1000 - 20);
        let shortly_before = flows::tokens(&client, &app, "uma", "Passw0rd!").await;
        assert_eq!(
            flows::header(shortly_before.access_token().unwrap())["kid"],
            flows::header(before.access_token().unwrap())["kid"]
        );
        server.clock.advance_secs(20);
        let after = flows::tokens(&client, &app, "uma", "Passw0rd!").await;
        assert_eq!(
            flows::header(after.id_token().unwrap())["kid"],
            rotation.id_kid.as_str()
        );
        assert_eq!(
            flows::header(after.access_token().unwrap())["kid"],
            rotation.access_kid.as_str()
        );
        let set = jwks(server, &app.pool).await;
        assert_eq!(kids_of(&set).len(), 4);
        assert!(
            verifies_with(&set, before.id_token().unwrap()),
            "old tokens still verify"
        );
        assert!(verifies_with(&set, after.id_token().unwrap()));
        client
            .get_user()
            .access_token(before.access_token().unwrap())
            .send()
            .await
            .unwrap();
        server.clock.advance_secs(86_400 + 120);
        assert_eq!(
            kids_of(&jwks(server, &app.pool).await),
            [rotation.id_kid.clone(), rotation.access_kid.clone()],
            "retired keys leave after a day"
        );
    }
);

on_both_backends!(
    an_emergency_rotation_signs_at_once_and_withdraws_the_old_keys,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "ulf", "Passw0rd!", "ulf@example.com").await;
        let before = flows::tokens(&client, &app, "ulf", "Passw0rd!").await;
        let rotation = server
            .server
            .domain
            .rotate_signing_keys(&app.pool, RotationMode::Now)
            .await
            .unwrap();
        let after = flows::tokens(&client, &app, "ulf", "Passw0rd!").await;
        assert_eq!(
            flows::header(after.access_token().unwrap())["kid"],
            rotation.access_kid.as_str()
        );
        assert_eq!(
            kids_of(&jwks(server, &app.pool).await),
            [rotation.id_kid.clone(), rotation.access_kid.clone()]
        );
        let (code, message) = error_of(
            client
                .get_user()
                .access_token(before.access_token().unwrap())
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotAuthorizedException", "Invalid Access Token")
        );
        // The refresh token is not signed: it still gets fresh tokens, under the new key.
        let refreshed = client
            .initiate_auth()
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", before.refresh_token().unwrap())
            .send()
            .await
            .unwrap();
        let access = refreshed
            .authentication_result()
            .unwrap()
            .access_token()
            .unwrap();
        assert_eq!(flows::header(access)["kid"], rotation.access_kid.as_str());
    }
);

on_both_backends!(
    sign_out_and_revocation_refuse_old_tokens_everywhere,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "vic", "Passw0rd!", "vic@example.com").await;
        let one = flows::tokens(&client, &app, "vic", "Passw0rd!").await;
        let two = flows::tokens(&client, &app, "vic", "Passw0rd!").await;
        client
            .revoke_token()
            .client_id(&app.client_id)
            .token(one.refresh_token().unwrap())
            .send()
            .await
            .unwrap();
        let (code, message) = error_of(
            client
                .get_user()
                .access_token(one.access_token().unwrap())
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotAuthorizedException", "Access Token has been revoked")
        );
        let refresh = |token: String| {
            client
                .initiate_auth()
                .client_id(&app.client_id)
                .auth_flow(AuthFlowType::RefreshTokenAuth)
                .auth_parameters("REFRESH_TOKEN", token)
                .send()
        };
        let (code, message) = error_of(refresh(one.refresh_token().unwrap().to_owned()).await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotAuthorizedException", "Refresh Token has been revoked")
        );
        client
            .get_user()
            .access_token(two.access_token().unwrap())
            .send()
            .await
            .unwrap();
        let (code, message) = error_of(
            client
                .revoke_token()
                .client_id(&app.client_id)
                .token(two.access_token().unwrap())
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "UnsupportedTokenTypeException",
                "The token type is not supported."
            )
        );
        client
            .revoke_token()
            .client_id(&app.client_id)
            .token("unknown-token")
            .send()
            .await
            .unwrap();
        client
            .global_sign_out()
            .access_token(two.access_token().unwrap())
            .send()
            .await
            .unwrap();
        let (_, message) = error_of(
            client
                .get_user()
                .access_token(two.access_token().unwrap())
                .send()
                .await,
        );
        assert_eq!(message, "Access Token has been revoked");
        let (_, message) = error_of(refresh(two.refresh_token().unwrap().to_owned()).await);
        assert_eq!(message, "Refresh Token has been revoked");
        let three = flows::tokens(&client, &app, "vic", "Passw0rd!").await;
        client
            .admin_user_global_sign_out()
            .user_pool_id(&app.pool)
            .username("vic")
            .send()
            .await
            .unwrap();
        let (_, message) = error_of(
            client
                .get_user()
                .access_token(three.access_token().unwrap())
                .send()
                .await,
        );
        assert_eq!(message, "Access Token has been revoked");
        let four = flows::tokens(&client, &app, "vic", "Passw0rd!").await;
        client
            .admin_disable_user()
            .user_pool_id(&app.pool)
            .username("vic")
            .send()
            .await
            .unwrap();
        let (_, message) = error_of(
            client
                .get_user()
                .access_token(four.access_token().unwrap())
                .send()
                .await,
        );
        // Disabling ends the user's sessions (issue 10), so the token stays refused after the
        // user is enabled again.
        assert_eq!(message, "Access Token has been revoked");
        client
            .admin_enable_user()
            .user_pool_id(&app.pool)
            .username("vic")
            .send()
            .await
            .unwrap();
        let (_, message) = error_of(
            client
                .get_user()
                .access_token(four.access_token().unwrap())
                .send()
                .await,
        );
        assert_eq!(message, "Access Token has been revoked");
        let four = flows::tokens(&client, &app, "vic", "Passw0rd!").await;
        client
            .admin_delete_user()
            .user_pool_id(&app.pool)
            .username("vic")
            .send()
            .await
            .unwrap();
        let (code, _) = error_of(
            client
                .get_user()
                .access_token(four.access_token().unwrap())
                .send()
                .await,
        );
        assert_eq!(
            code, "NotAuthorizedException",
            "a deleted user's session is gone with them"
        );
    }
);

on_both_backends!(revocation_holds_across_nodes_sharing_the_store, |server| {
    // A second node over the same database: revocation on one is seen by the other.
    if !server.database_url.starts_with("postgres") {
        return;
    }
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "wes", "Passw0rd!", "wes@example.com").await;
    let tokens = flows::tokens(&client, &app, "wes", "Passw0rd!").await;
    let second = server.second_node().await;
    let other = second.client();
    other
        .get_user()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    client
        .global_sign_out()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    let (_, message) = error_of(
        other
            .get_user()
            .access_token(tokens.access_token().unwrap())
            .send()
            .await,
    );
    assert_eq!(message, "Access Token has been revoked");
    second.stop().await;
});

/// Re-encodes a token with a changed header or payload, keeping the original signature.
fn tamper(
    token: &str,
    header: Option<serde_json::Value>,
    payload: Option<serde_json::Value>,
) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let head = header.map_or(parts[0].to_owned(), |h| {
        URL_SAFE_NO_PAD.encode(h.to_string())
    });
    let body = payload.map_or(parts[1].to_owned(), |p| {
        URL_SAFE_NO_PAD.encode(p.to_string())
    });
    format!("{head}.{body}.{}", parts[2])
}

on_both_backends!(tampered_tokens_are_refused, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "xia", "Passw0rd!", "xia@example.com").await;
    let access = flows::tokens(&client, &app, "xia", "Passw0rd!")
        .await
        .access_token
        .unwrap();
    let claims = flows::claims(&access);
    let header = flows::header(&access);
    let get_user = |token: String| client.get_user().access_token(token).send();
    let mut changed = claims.clone();
    changed["username"] = "someone-else".into();
    let (code, message) = error_of(get_user(tamper(&access, None, Some(changed))).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Invalid Access Token")
    );
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        access.split('.').nth(1).unwrap()
    );
    let (_, message) = error_of(get_user(none).await);
    assert_eq!(message, "Invalid Access Token");
    let hs256 = tamper(
        &access,
        Some(serde_json::json!({ "kid": header["kid"], "alg": "HS256" })),
        None,
    );
    let (_, message) = error_of(get_user(hs256).await);
    assert_eq!(message, "Invalid Access Token");
    let unknown_kid = tamper(
        &access,
        Some(serde_json::json!({ "kid": "not-a-key", "alg": "RS256" })),
        None,
    );
    let (_, message) = error_of(get_user(unknown_kid).await);
    assert_eq!(message, "Invalid Access Token");
    // A token from another pool, re-labelled with this pool's issuer, fails the signature.
    let other = flows::app(&client, AppOptions::default()).await;
    confirmed_user(&client, &other, "xia", "Passw0rd!", "xia@example.com").await;
    let foreign = flows::tokens(&client, &other, "xia", "Passw0rd!")
        .await
        .access_token
        .unwrap();
    let mut relabelled = flows::claims(&foreign);
    relabelled["iss"] = claims["iss"].clone();
    let (_, message) = error_of(get_user(tamper(&foreign, None, Some(relabelled))).await);
    assert_eq!(message, "Invalid Access Token");
    let id_token = flows::tokens(&client, &app, "xia", "Passw0rd!")
        .await
        .id_token
        .unwrap();
    let (_, message) = error_of(get_user(id_token).await);
    assert_eq!(
        message, "Invalid Access Token",
        "an ID token is not an access token"
    );
    server.clock.advance_secs(3601);
    let (code, message) = error_of(get_user(access).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Access Token has expired")
    );
});
