//! The OAuth 2.0 / OpenID Connect endpoints of a pool's domain over HTTP, as a browser and an
//! app drive them: the code flow with PKCE end to end, SSO across app clients, the implicit
//! flow, client_credentials, and every error path with its exact error.

use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};
use reqwest::header::SET_COOKIE;

use crate::on_both_backends;
use crate::support::TestServer;
use crate::support::flows::claims;
use crate::support::hosted::*;

/// Exchanges a code at the token endpoint with the client id in the form (a public client).
async fn exchange(
    server: &TestServer,
    site: &Site,
    code: &str,
    verifier: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("client_id", site.client_id.as_str()),
    ];
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    token_request(server, site, &form, None).await
}

async fn refresh(
    server: &TestServer,
    site: &Site,
    refresh_token: &str,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    token_request(
        server,
        site,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", site.client_id.as_str()),
        ],
        None,
    )
    .await
}

/// The SSO cookie a response sets, if any.
fn sso_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("cognate_sso="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

on_both_backends!(code_flow_with_pkce_end_to_end, |server| {
    let site = site(server, SiteOptions::default()).await;
    let browser = site.browser(server);
    let (verifier, challenge) = pkce();
    let authorize = site.authorize_url(&[
        (
            "scope",
            "openid email profile aws.cognito.signin.user.admin",
        ),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("nonce", "n-0S6_WzA2Mj"),
    ]);

    // No session yet: to the sign-in page with the same parameters.
    let response = browser.get(&authorize).send().await.unwrap();
    let login = location(&response);
    assert_eq!(
        login,
        format!("/login?{}", authorize.split_once('?').unwrap().1)
    );

    // A wrong password shows the form again with Cognito's message.
    let wrong = submit_login(&browser, &site, &login, "alice", "Wrong-Passw0rd!").await;
    assert_eq!(wrong.status(), 200);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Incorrect username or password.")
    );

    let signed_in = submit_login(&browser, &site, &login, "alice", PASSWORD).await;
    let cookie = sso_cookie(&signed_in).expect("the SSO cookie is set");
    let set_cookie = signed_in.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert!(
        !set_cookie.contains("Secure"),
        "http public URL: {set_cookie}"
    );
    let to = location(&signed_in);
    assert!(to.starts_with(&format!("{CALLBACK}?")), "{to}");
    let params = params_of(&to);
    assert_eq!(params["state"], "st-1");
    let code = params["code"].clone();

    let answer = exchange(server, &site, &code, Some(&verifier)).await;
    assert_eq!(answer.0, 200, "{:?}", answer.2);
    assert_eq!(answer.1["cache-control"], "no-store");
    let tokens = answer.2;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let id = tokens["id_token"].as_str().unwrap().to_owned();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();

    let id_claims = claims(&id);
    assert_eq!(id_claims["aud"], site.client_id.as_str());
    assert_eq!(id_claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(
        id_claims["at_hash"],
        cognate_crypto::oauth::at_hash(&access).as_str()
    );
    assert_eq!(id_claims["email"], "alice@example.com");
    assert_eq!(id_claims["email_verified"], true);
    assert_eq!(id_claims["name"], "Alice Liddell");
    assert!(
        id_claims.get("phone_number").is_none(),
        "no phone scope: {id_claims}"
    );
    assert_eq!(
        id_claims["iss"],
        format!("{}/{}", server.url(), site.pool).as_str()
    );
    let access_claims = claims(&access);
    assert_eq!(
        access_claims["scope"],
        "openid email profile aws.cognito.signin.user.admin"
    );
    assert_eq!(access_claims["username"], "alice");
    assert_eq!(access_claims["client_id"], site.client_id.as_str());

    // The admin scope lets the token call the self-service API.
    let user = server
        .client()
        .get_user()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(user.username, "alice");

    let info = user_info(server, &site, &access).await;
    assert_eq!(info.0, 200, "{:?}", info.2);
    assert_eq!(info.2["sub"], id_claims["sub"]);
    assert_eq!(info.2["email"], "alice@example.com");
    assert_eq!(info.2["email_verified"], true);
    assert_eq!(info.2["name"], "Alice Liddell");
    assert_eq!(info.2["username"], "alice");
    assert!(info.2.get("phone_number").is_none());

    let refreshed = refresh(server, &site, &refresh_token).await;
    assert_eq!(refreshed.0, 200, "{:?}", refreshed.2);
    assert!(refreshed.2["access_token"].is_string());
    assert!(refreshed.2["id_token"].is_string());
    assert!(
        refreshed.2.get("refresh_token").is_none(),
        "no rotation configured"
    );

    // Revocation ends the session: the refresh token and the access tokens of the session.
    let revoked = post_form(
        server,
        &site,
        "/oauth2/revoke",
        &[("token", &refresh_token), ("client_id", &site.client_id)],
        None,
    )
    .await;
    assert_eq!(revoked.0, 200);
    assert_oauth_error(
        &refresh(server, &site, &refresh_token).await,
        400,
        "invalid_grant",
    );
    let after = user_info(server, &site, &access).await;
    assert_eq!(after.0, 401);
    assert_eq!(
        after.1["www-authenticate"],
        "Bearer error=\"invalid_token\", error_description=\"Access token is expired, disabled, or deleted, or the user has globally signed out.\""
    );
    // An unknown token is revoked "successfully" (RFC 7009 §2.2).
    let unknown = post_form(
        server,
        &site,
        "/oauth2/revoke",
        &[("token", "no-such-token"), ("client_id", &site.client_id)],
        None,
    )
    .await;
    assert_eq!(unknown.0, 200);

    // Logout: to the registered sign-out URL, the cookie cleared and dead on the server too.
    let logout = browser
        .get(site.url(&format!(
            "/logout?client_id={}&logout_uri={}",
            site.client_id,
            urlencode(SIGNED_OUT)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&logout), SIGNED_OUT);
    let again = browser.get(&authorize).send().await.unwrap();
    assert!(location(&again).starts_with("/login?"));
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&site.host(), server.server.addr)
        .build()
        .unwrap()
        .get(&authorize)
        .header("cookie", format!("cognate_sso={cookie}"))
        .send()
        .await
        .unwrap();
    assert!(
        location(&replay).starts_with("/login?"),
        "a replayed cookie signs nobody in"
    );
});

fn urlencode(text: &str) -> String {
    let mut url = reqwest::Url::parse("http://x/").unwrap();
    url.query_pairs_mut().append_pair("v", text);
    url.query().unwrap()[2..].to_owned()
}

on_both_backends!(a_second_client_signs_in_through_the_sso_session, |server| {
    let site = site(server, SiteOptions::default()).await;
    let sdk = server.client();
    let (second, _) = oauth_client(&sdk, &site.pool, false, &[OAuthFlowType::Code], SCOPES).await;
    let browser = site.browser(server);
    let code = code_for(&browser, &site, &[]).await;
    assert_eq!(exchange(server, &site, &code, None).await.0, 200);

    // The second app: straight back with a code, no password asked.
    let other = Site {
        client_id: second.clone(),
        ..site_clone(&site)
    };
    let response = browser.get(other.authorize_url(&[])).send().await.unwrap();
    let to = location(&response);
    assert!(to.starts_with(CALLBACK), "{to}");
    let answer = exchange(server, &other, &params_of(&to)["code"], None).await;
    assert_eq!(answer.0, 200, "{:?}", answer.2);
    let id = claims(answer.2["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], second.as_str());
    assert_eq!(id["cognito:username"], "alice");

    // prompt=none with a session works; prompt=login asks again.
    let none = browser
        .get(other.authorize_url(&[("prompt", "none")]))
        .send()
        .await
        .unwrap();
    assert!(location(&none).starts_with(CALLBACK));
    let login = browser
        .get(other.authorize_url(&[("prompt", "login")]))
        .send()
        .await
        .unwrap();
    assert!(location(&login).starts_with("/login?"));

    // GlobalSignOut ends the SSO session too.
    let access = answer.2["access_token"].as_str().unwrap();
    sdk.global_sign_out()
        .access_token(access)
        .send()
        .await
        .unwrap();
    let after = browser.get(other.authorize_url(&[])).send().await.unwrap();
    assert!(location(&after).starts_with("/login?"));
});

fn site_clone(site: &Site) -> Site {
    Site {
        pool: site.pool.clone(),
        prefix: site.prefix.clone(),
        base: site.base.clone(),
        client_id: site.client_id.clone(),
        secret: site.secret.clone(),
        username: site.username.clone(),
    }
}

on_both_backends!(implicit_flow_returns_tokens_in_the_fragment, |server| {
    let site = site(server, SiteOptions::default()).await;
    let browser = site.browser(server);
    let response = sign_in(
        &browser,
        &site,
        &site.authorize_url(&[
            ("response_type", "token"),
            ("scope", "openid email"),
            ("nonce", "abc"),
        ]),
        "alice",
        PASSWORD,
    )
    .await;
    let to = location(&response);
    assert!(to.starts_with(&format!("{CALLBACK}#")), "{to}");
    let params = params_of(&to);
    assert_eq!(params["token_type"], "Bearer");
    assert_eq!(params["expires_in"], "3600");
    assert_eq!(params["state"], "st-1");
    assert!(!params.contains_key("refresh_token") && !params.contains_key("code"));
    let id = claims(&params["id_token"]);
    assert_eq!(id["nonce"], "abc");
    assert_eq!(
        id["at_hash"],
        cognate_crypto::oauth::at_hash(&params["access_token"]).as_str()
    );
    assert_eq!(claims(&params["access_token"])["scope"], "openid email");
    let info = user_info(server, &site, &params["access_token"]).await;
    assert_eq!(info.0, 200);
    // Without `openid`, no ID token.
    let response = browser
        .get(site.authorize_url(&[("response_type", "token"), ("scope", "profile")]))
        .send()
        .await
        .unwrap();
    let params = params_of(&location(&response));
    assert!(params.contains_key("access_token") && !params.contains_key("id_token"));
});

/// A resource server with two scopes and a confidential client allowed both.
async fn machine_client(server: &TestServer, site: &Site) -> (String, String) {
    let sdk = server.client();
    sdk.create_resource_server()
        .user_pool_id(&site.pool)
        .identifier("https://api.example.com")
        .name("api")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("Read things")
                .build()
                .unwrap(),
        )
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("write")
                .scope_description("Write things")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let (id, secret) = oauth_client(
        &sdk,
        &site.pool,
        true,
        &[OAuthFlowType::ClientCredentials],
        &[
            "https://api.example.com/read",
            "https://api.example.com/write",
        ],
    )
    .await;
    (id, secret.unwrap())
}

on_both_backends!(client_credentials_with_a_resource_server_scope, |server| {
    let site = site(server, SiteOptions::default()).await;
    let (id, secret) = machine_client(server, &site).await;

    // client_secret_basic, no scope asked: every scope the client is allowed.
    let answer = token_request(
        server,
        &site,
        &[("grant_type", "client_credentials")],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(answer.0, 200, "{:?}", answer.2);
    assert_eq!(answer.1["cache-control"], "no-store");
    assert!(answer.2.get("refresh_token").is_none() && answer.2.get("id_token").is_none());
    let access = answer.2["access_token"].as_str().unwrap();
    let c = claims(access);
    assert_eq!(c["sub"], id.as_str());
    assert_eq!(c["client_id"], id.as_str());
    assert_eq!(c["token_use"], "access");
    assert_eq!(
        c["scope"],
        "https://api.example.com/read https://api.example.com/write"
    );
    assert!(c.get("username").is_none() && c.get("origin_jti").is_none());

    // client_secret_post, one scope.
    let answer = token_request(
        server,
        &site,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "https://api.example.com/read"),
        ],
        None,
    )
    .await;
    assert_eq!(answer.0, 200, "{:?}", answer.2);
    assert_eq!(
        claims(answer.2["access_token"].as_str().unwrap())["scope"],
        "https://api.example.com/read"
    );

    // Introspection by the client itself.
    let introspected = post_form(
        server,
        &site,
        "/oauth2/introspect",
        &[("token", access)],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(introspected.0, 200);
    assert_eq!(introspected.2["active"], true);
    assert_eq!(introspected.2["client_id"], id.as_str());
    let bogus = post_form(
        server,
        &site,
        "/oauth2/introspect",
        &[("token", "x.y.z")],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(bogus.2, serde_json::json!({ "active": false }));

    // A scope the client is not allowed.
    let answer = token_request(
        server,
        &site,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "https://api.example.com/admin"),
        ],
        Some((&id, &secret)),
    )
    .await;
    assert_oauth_error(&answer, 400, "invalid_scope");
    assert_eq!(
        answer.2["error_description"],
        "Invalid scope requested: https://api.example.com/admin"
    );
});

on_both_backends!(authorize_errors, |server| {
    let site = site(server, SiteOptions::default()).await;
    let browser = site.browser(server);

    // A redirect URI that is not registered: an error page, never a redirect.
    let response = browser
        .get(site.authorize_url(&[("redirect_uri", "https://evil.example.com/cb")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(location_of(response.headers()).is_none());
    let page = response.text().await.unwrap();
    assert!(
        page.contains("redirect_mismatch: redirect_uri is not a callback URL of the client."),
        "{page}"
    );
    // An unknown client: the same.
    let response = browser
        .get(site.authorize_url(&[("client_id", "nosuchclient")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(location_of(response.headers()).is_none());
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("invalid_client: the client does not exist.")
    );

    // An outside provider the pool does not have (or the client may not use) is Cognito's
    // hosted error page (issue 13), not a redirect.
    let response = browser
        .get(site.authorize_url(&[("identity_provider", "Google")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(location_of(response.headers()).is_none());
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Login option is not available. Please try another one.")
    );

    // Errors after the redirect URI is known go back to the client, with the state.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (
            &[("scope", "openid phone")],
            "invalid_scope",
            "Invalid scope requested: phone",
        ),
        (
            &[("prompt", "none")],
            "login_required",
            "The user is not signed in.",
        ),
        (
            &[("response_type", "id_token")],
            "unsupported_response_type",
            "response_type must be code or token.",
        ),
        (
            &[
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
            "Invalid code_challenge.",
        ),
        (
            &[
                ("code_challenge", &"a".repeat(43)),
                ("code_challenge_method", "S512"),
            ],
            "invalid_request",
            "code_challenge_method must be S256.",
        ),
        // Issue 10: Cognito accepts only S256; `plain` (also when the method is left out)
        // would give the verifier away with the authorization request.
        (
            &[
                ("code_challenge", &"a".repeat(43)),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
            "code_challenge_method must be S256.",
        ),
        (
            &[("code_challenge", &"a".repeat(43))],
            "invalid_request",
            "code_challenge_method must be S256.",
        ),
    ];
    for (extra, error, description) in cases {
        let response = browser.get(site.authorize_url(extra)).send().await.unwrap();
        let to = location(&response);
        assert!(to.starts_with(CALLBACK), "{to}");
        let params = params_of(&to);
        assert_eq!(params["error"], *error, "{extra:?}");
        assert_eq!(params["error_description"], *description, "{extra:?}");
        assert_eq!(params["state"], "st-1");
    }

    // A flow the client is not allowed: unauthorized_client (in the fragment, for implicit).
    let sdk = server.client();
    let (code_only, _) =
        oauth_client(&sdk, &site.pool, false, &[OAuthFlowType::Code], SCOPES).await;
    let other = Site {
        client_id: code_only,
        ..site_clone(&site)
    };
    let response = browser
        .get(other.authorize_url(&[("response_type", "token")]))
        .send()
        .await
        .unwrap();
    let to = location(&response);
    assert!(to.starts_with(&format!("{CALLBACK}#")), "{to}");
    let params = params_of(&to);
    assert_eq!(params["error"], "unauthorized_client");
    assert_eq!(
        params["error_description"],
        "The client is not allowed the implicit flow."
    );

    // The sign-in form refuses a post without its CSRF token.
    let form = [
        ("response_type", "code"),
        ("client_id", site.client_id.as_str()),
        ("redirect_uri", CALLBACK),
        ("username", "alice"),
        ("password", PASSWORD),
    ];
    let response = site
        .browser(server)
        .post(site.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This page expired. Please try again.")
    );

    // A domain that does not exist.
    let missing = crate::support::hosted::browser(server, "nosuchprefix.auth.localhost")
        .get(format!(
            "http://nosuchprefix.auth.localhost:{}/oauth2/authorize",
            server.server.addr.port()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // Logout to an address the client did not register.
    let response = browser
        .get(site.url(&format!(
            "/logout?client_id={}&logout_uri={}",
            site.client_id,
            urlencode("https://evil.example.com/")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(location_of(response.headers()).is_none());
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("The logout redirect is not a sign-out URL of the client.")
    );
});

on_both_backends!(token_endpoint_errors, |server| {
    let site = site(server, SiteOptions::default()).await;
    let browser = site.browser(server);

    // Missing and unknown grant types.
    let answer = token_request(server, &site, &[("client_id", &site.client_id)], None).await;
    assert_oauth_error(&answer, 400, "invalid_request");
    assert_eq!(answer.2["error_description"], "grant_type is required.");
    let answer = token_request(server, &site, &[("grant_type", "password")], None).await;
    assert_oauth_error(&answer, 400, "unsupported_grant_type");

    // A wrong code_verifier.
    let (_, challenge) = pkce();
    let code = code_for(
        &browser,
        &site,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let answer = exchange(server, &site, &code, Some(&"x".repeat(43))).await;
    assert_oauth_error(&answer, 400, "invalid_grant");
    assert_eq!(
        answer.2["error_description"],
        "code_verifier does not match the code_challenge."
    );
    let answer = exchange(server, &site, &code, None).await;
    assert_eq!(answer.2["error_description"], "code_verifier is required.");

    // A redirect_uri other than the authorization request's.
    let code = code_for(&browser, &site, &[]).await;
    let answer = token_request(
        server,
        &site,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://app.example.com/other"),
            ("client_id", &site.client_id),
        ],
        None,
    )
    .await;
    assert_oauth_error(&answer, 400, "invalid_grant");
    assert_eq!(
        answer.2["error_description"],
        "redirect_uri does not match the one of the authorization request."
    );

    // A code used twice: the second use fails and revokes what the first issued.
    let first = exchange(server, &site, &code, None).await;
    assert_eq!(first.0, 200, "{:?}", first.2);
    let second = exchange(server, &site, &code, None).await;
    assert_oauth_error(&second, 400, "invalid_grant");
    assert_eq!(
        second.2["error_description"],
        "The authorization code has already been used."
    );
    let refresh_token = first.2["refresh_token"].as_str().unwrap();
    let answer = refresh(server, &site, refresh_token).await;
    assert_oauth_error(&answer, 400, "invalid_grant");
    assert_eq!(
        answer.2["error_description"],
        "Refresh Token has been revoked"
    );
    assert_eq!(
        user_info(server, &site, first.2["access_token"].as_str().unwrap())
            .await
            .0,
        401
    );

    // A code redeemed after its five minutes.
    let code = code_for(&browser, &site, &[]).await;
    server.clock.advance_secs(301);
    let answer = exchange(server, &site, &code, None).await;
    assert_oauth_error(&answer, 400, "invalid_grant");
    assert_eq!(
        answer.2["error_description"],
        "The authorization code is invalid or has expired."
    );
});

on_both_backends!(client_authentication_errors, |server| {
    let site = site(
        server,
        SiteOptions {
            secret: true,
            ..SiteOptions::default()
        },
    )
    .await;
    let secret = site.secret.clone().unwrap();
    let browser = site.browser(server);
    let code = code_for(&browser, &site, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
    ];

    // A wrong secret through Basic: 401 with a Basic challenge.
    let answer = token_request(
        server,
        &site,
        &form,
        Some((&site.client_id, "wrong-secret")),
    )
    .await;
    assert_oauth_error(&answer, 401, "invalid_client");
    assert_eq!(
        answer.2["error_description"],
        "Client authentication failed."
    );
    assert_eq!(answer.1["www-authenticate"], "Basic realm=\"cognate\"");
    // Through the form: 401, no challenge.
    let mut posted = form.to_vec();
    posted.push(("client_id", &site.client_id));
    posted.push(("client_secret", "wrong-secret"));
    let answer = token_request(server, &site, &posted, None).await;
    assert_oauth_error(&answer, 401, "invalid_client");
    assert!(answer.1.get("www-authenticate").is_none());
    // No secret at all.
    let answer = token_request(
        server,
        &site,
        &[form[0], form[1], form[2], ("client_id", &site.client_id)],
        None,
    )
    .await;
    assert_oauth_error(&answer, 401, "invalid_client");
    assert_eq!(
        answer.2["error_description"],
        "The client has a secret; authenticate with it."
    );
    // The right secret (the failures above did not use the code up).
    let answer = token_request(server, &site, &form, Some((&site.client_id, &secret))).await;
    assert_eq!(answer.0, 200, "{:?}", answer.2);

    // A client without the code flow (a machine client) cannot redeem codes.
    let (machine, machine_secret) = machine_client(server, &site).await;
    let answer = token_request(server, &site, &form, Some((&machine, &machine_secret))).await;
    assert_oauth_error(&answer, 400, "unauthorized_client");
    // And a client without client_credentials cannot use it.
    let answer = token_request(
        server,
        &site,
        &[("grant_type", "client_credentials")],
        Some((&site.client_id, &secret)),
    )
    .await;
    assert_oauth_error(&answer, 400, "unauthorized_client");
    assert_eq!(
        answer.2["error_description"],
        "The client is not allowed the client_credentials flow."
    );

    // Revoking an access token is not supported; introspection needs a confidential client.
    let access = answer_access(server, &site, &browser, &secret).await;
    let answer = post_form(
        server,
        &site,
        "/oauth2/revoke",
        &[("token", &access)],
        Some((&site.client_id, &secret)),
    )
    .await;
    assert_oauth_error(&answer, 400, "unsupported_token_type");
    let public = site_with_public_client(server, &site).await;
    let answer = post_form(
        server,
        &site,
        "/oauth2/introspect",
        &[("token", &access), ("client_id", &public)],
        None,
    )
    .await;
    assert_oauth_error(&answer, 401, "invalid_client");
    assert_eq!(
        answer.2["error_description"],
        "The client must be a confidential client."
    );

    // userInfo: no token, and a token without `openid` (from the Cognito API).
    let client = browser_for(server, &site);
    let response = client
        .get(site.url("/oauth2/userInfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer error=\"invalid_request\", error_description=\"The access token is missing.\""
    );
    let info = user_info(server, &site, &api_access_token(server, &site).await).await;
    assert_eq!(info.0, 403);
    assert_eq!(info.2["error"], "insufficient_scope");
});

fn browser_for(server: &TestServer, site: &Site) -> reqwest::Client {
    site.browser(server)
}

async fn answer_access(
    server: &TestServer,
    site: &Site,
    browser: &reqwest::Client,
    secret: &str,
) -> String {
    let code = code_for(browser, site, &[]).await;
    let answer = token_request(
        server,
        site,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
        Some((&site.client_id, secret)),
    )
    .await;
    answer.2["access_token"].as_str().unwrap().to_owned()
}

async fn site_with_public_client(server: &TestServer, site: &Site) -> String {
    oauth_client(
        &server.client(),
        &site.pool,
        false,
        &[OAuthFlowType::Code],
        SCOPES,
    )
    .await
    .0
}

/// An access token from InitiateAuth (scope: the admin scope only).
async fn api_access_token(server: &TestServer, site: &Site) -> String {
    let sdk = server.client();
    let client = sdk
        .create_user_pool_client()
        .user_pool_id(&site.pool)
        .client_name("api")
        .explicit_auth_flows(
            aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth,
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let app = crate::support::flows::App {
        pool: site.pool.clone(),
        client_id: client,
        secret: None,
    };
    crate::support::flows::tokens(&sdk, &app, "alice", PASSWORD)
        .await
        .access_token
        .unwrap()
}

on_both_backends!(codes_work_on_every_node, |server| {
    let site = site(server, SiteOptions::default()).await;
    let browser = site.browser(server);
    let code = code_for(&browser, &site, &[]).await;
    let node = server.second_node().await;
    let other = Site {
        base: format!(
            "http://{}.auth.localhost:{}",
            site.prefix,
            node.server.addr.port()
        ),
        ..site_clone(&site)
    };
    let client = reqwest::Client::builder()
        .resolve(&other.host(), node.server.addr)
        .build()
        .unwrap();
    let response = client
        .post(other.url("/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("client_id", site.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    node.stop().await;
});
