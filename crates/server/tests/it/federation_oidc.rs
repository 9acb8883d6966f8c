//! Hosted sign-in through an upstream OpenID Connect provider (issue 13 items 2, 4, 5, 7):
//! a second Cognate server plays the upstream IdP over plain http on `*.localhost` in dev
//! mode; the browser is reqwest with a cookie jar, following each redirect by hand. Checks
//! the federated user Cognito makes (username, status, `identities`, group, mapping re-applied
//! at every sign-in), linking, and the attacks on the flow, each refused with nothing created.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};

use cognate_federation::config::{GoogleEndpoints, SocialEndpoints};

use crate::on_both_backends;
use crate::support::flows::{attr, claims};
use crate::support::hosted::{
    CALLBACK, PASSWORD, SIGNED_OUT, Site, SiteOptions, location, params_of, site, submit_login,
    token_request,
};
use crate::support::{Backend, Options, TestServer, error_of};

/// The upstream: a pool of another server, with a confidential client whose callback is the
/// downstream domain's `/oauth2/idpresponse`.
pub struct Upstream {
    pub server: TestServer,
    pub site: Site,
    pub client_id: String,
    pub secret: String,
}

/// The pool under test: a domain, an OIDC provider `Upstream`, and an app client that may
/// use it (and the pool's own users).
pub struct Downstream {
    pub site: Site,
    pub client_id: String,
}

pub async fn upstream_for(downstream: &Site) -> Upstream {
    let server = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let site = site(&server, SiteOptions::default()).await;
    let (client_id, secret) = upstream_client(&server, &site, downstream).await;
    Upstream {
        server,
        site,
        client_id,
        secret,
    }
}

/// A confidential client of the upstream pool whose callback is the downstream domain's
/// `/oauth2/idpresponse`.
async fn upstream_client(server: &TestServer, site: &Site, downstream: &Site) -> (String, String) {
    let created = server
        .client()
        .create_user_pool_client()
        .user_pool_id(&site.pool)
        .client_name("downstream")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("COGNITO")
        .callback_urls(downstream.url("/oauth2/idpresponse"))
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    (created.client_id.unwrap(), created.client_secret.unwrap())
}

/// Creates the `Upstream` provider and an app client for it in the downstream pool.
pub async fn downstream_with(server: &TestServer, site: Site, upstream: &Upstream) -> Downstream {
    let sdk = server.client();
    let issuer = format!("{}/{}", upstream.server.url(), upstream.site.pool);
    sdk.create_identity_provider()
        .user_pool_id(&site.pool)
        .provider_name("Upstream")
        .provider_type(IdentityProviderTypeType::Oidc)
        .provider_details("client_id", &upstream.client_id)
        .provider_details("client_secret", &upstream.secret)
        .provider_details("authorize_scopes", "openid email profile")
        .provider_details("attributes_request_method", "GET")
        .provider_details("oidc_issuer", issuer)
        .attribute_mapping("email", "email")
        .attribute_mapping("email_verified", "email_verified")
        .attribute_mapping("name", "name")
        .send()
        .await
        .unwrap();
    let client = sdk
        .create_user_pool_client()
        .user_pool_id(&site.pool)
        .client_name("federated")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("COGNITO")
        .supported_identity_providers("Upstream")
        .callback_urls(CALLBACK)
        .logout_urls(SIGNED_OUT)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    Downstream {
        site,
        client_id: client.client_id.unwrap(),
    }
}

/// A browser that reaches both domains.
pub fn two_site_browser(server: &TestServer, down: &Site, upstream: &Upstream) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&down.host(), server.server.addr)
        .resolve(&upstream.site.host(), upstream.server.server.addr)
        .build()
        .unwrap()
}

impl Downstream {
    pub fn authorize_url(&self, extra: &[(&str, &str)]) -> String {
        let mut url = reqwest::Url::parse(&self.site.url("/oauth2/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", CALLBACK)
            .append_pair("scope", "openid email profile")
            .append_pair("state", "app-state");
        for (name, value) in extra {
            url.query_pairs_mut().append_pair(name, value);
        }
        url.to_string()
    }
}

/// Starts a federated sign-in and returns the upstream authorize URL.
pub async fn to_upstream(browser: &reqwest::Client, down: &Downstream) -> String {
    to_provider(browser, down, "Upstream").await
}

pub async fn to_provider(browser: &reqwest::Client, down: &Downstream, provider: &str) -> String {
    let response = browser
        .get(down.authorize_url(&[("identity_provider", provider)]))
        .send()
        .await
        .unwrap();
    let upstream = location(&response);
    assert!(upstream.contains("/oauth2/authorize?"), "{upstream}");
    upstream
}

/// Signs in at the upstream (through its sign-in form unless it already has a session) and
/// returns Cognate's `/oauth2/idpresponse` URL the upstream sends the browser to.
pub async fn upstream_callback(
    browser: &reqwest::Client,
    upstream: &Upstream,
    upstream_url: &str,
    username: &str,
) -> String {
    let response = browser.get(upstream_url).send().await.unwrap();
    let mut to = location(&response);
    if to.starts_with("/login?") {
        let response = submit_login(browser, &upstream.site, &to, username, PASSWORD).await;
        to = location(&response);
    }
    assert!(to.contains("/oauth2/idpresponse?"), "{to}");
    to
}

/// The whole flow: the app's code at its callback.
pub async fn federated_code(
    browser: &reqwest::Client,
    down: &Downstream,
    upstream: &Upstream,
    username: &str,
) -> String {
    let up = to_upstream(browser, down).await;
    let back = upstream_callback(browser, upstream, &up, username).await;
    let response = browser.get(&back).send().await.unwrap();
    let to = location(&response);
    assert!(to.starts_with(CALLBACK), "{to}");
    let params = params_of(&to);
    assert_eq!(params["state"], "app-state");
    params["code"].clone()
}

pub async fn tokens(server: &TestServer, down: &Downstream, code: &str) -> serde_json::Value {
    let (status, _, body) = token_request(
        server,
        &down.site,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &down.client_id),
            ("code", code),
            ("redirect_uri", CALLBACK),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

pub async fn user_count(sdk: &Client, pool: &str) -> usize {
    sdk.list_users()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .users
        .unwrap_or_default()
        .len()
}

pub async fn upstream_sub(upstream: &Upstream, username: &str) -> String {
    upstream
        .server
        .client()
        .admin_get_user()
        .user_pool_id(&upstream.site.pool)
        .username(username)
        .send()
        .await
        .unwrap()
        .user_attributes
        .unwrap()
        .into_iter()
        .find(|a| a.name == "sub")
        .unwrap()
        .value
        .unwrap()
}

on_both_backends!(sign_in_through_another_cognate, dev = true, |server| {
    let down_site = site(server, SiteOptions::default()).await;
    let upstream = upstream_for(&down_site).await;
    let down = downstream_with(server, down_site, &upstream).await;
    let sdk = server.client();
    let browser = two_site_browser(server, &down.site, &upstream);
    let local_users = user_count(&sdk, &down.site.pool).await;

    // The hosted sign-in page offers the client's provider as a button that starts the flow.
    let login = location(&browser.get(down.authorize_url(&[])).send().await.unwrap());
    assert!(login.starts_with("/login?"), "{login}");
    let page = browser
        .get(down.site.url(&login))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in with Upstream"), "{page}");
    let marker = "href=\"/oauth2/authorize?";
    let start = page.find(marker).unwrap() + "href=\"".len();
    let href =
        crate::support::hosted::unescape(&page[start..start + page[start..].find('"').unwrap()]);
    assert!(href.contains("identity_provider=Upstream"), "{href}");
    let to = location(&browser.get(down.site.url(&href)).send().await.unwrap());
    assert!(
        to.starts_with(&upstream.site.url("/oauth2/authorize?")),
        "{to}"
    );

    // idp_identifier finds the provider by one of its IdpIdentifiers, whatever the case.
    sdk.update_identity_provider()
        .user_pool_id(&down.site.pool)
        .provider_name("Upstream")
        .idp_identifiers("example.com")
        .send()
        .await
        .unwrap();
    let to = location(
        &browser
            .get(down.authorize_url(&[("idp_identifier", "EXAMPLE.com")]))
            .send()
            .await
            .unwrap(),
    );
    assert!(
        to.starts_with(&upstream.site.url("/oauth2/authorize?")),
        "{to}"
    );

    let code = federated_code(&browser, &down, &upstream, "alice").await;
    let body = tokens(server, &down, &code).await;
    let id = claims(body["id_token"].as_str().unwrap());
    let sub_upstream = upstream_sub(&upstream, "alice").await;
    let username = format!("Upstream_{sub_upstream}");
    assert_eq!(id["cognito:username"], username.as_str());
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["name"], "Alice Liddell");
    assert_ne!(id["sub"], sub_upstream.as_str(), "a Cognito sub of its own");
    let identities = id["identities"].as_array().unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0]["providerName"], "Upstream");
    assert_eq!(identities[0]["providerType"], "OIDC");
    assert_eq!(identities[0]["userId"], sub_upstream.as_str());
    assert_eq!(identities[0]["primary"], "true");
    assert_eq!(identities[0]["issuer"], serde_json::Value::Null);
    let group = format!("{}_Upstream", down.site.pool);
    assert_eq!(id["cognito:groups"], serde_json::json!([group]));

    // The user, as Cognito makes it.
    let user = sdk
        .admin_get_user()
        .user_pool_id(&down.site.pool)
        .username(&username)
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status.unwrap().as_str(), "EXTERNAL_PROVIDER");
    let identities = user
        .user_attributes
        .unwrap()
        .into_iter()
        .find(|a| a.name == "identities")
        .unwrap()
        .value
        .unwrap();
    let identities: serde_json::Value = serde_json::from_str(&identities).unwrap();
    assert_eq!(identities[0]["primary"], true);
    let described = sdk
        .get_group()
        .user_pool_id(&down.site.pool)
        .group_name(&group)
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(
        described.description.as_deref(),
        Some("Autogenerated group for users who sign in using Upstream")
    );
    assert_eq!(user_count(&sdk, &down.site.pool).await, local_users + 1);

    // A second sign-in re-applies the mapping and makes no new user; the upstream and the
    // downstream both remember the browser now.
    upstream
        .server
        .client()
        .admin_update_user_attributes()
        .user_pool_id(&upstream.site.pool)
        .username("alice")
        .user_attributes(attr("name", "Alice Pleasance Liddell"))
        .send()
        .await
        .unwrap();
    let code = federated_code(&browser, &down, &upstream, "alice").await;
    let id = claims(
        tokens(server, &down, &code).await["id_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["name"], "Alice Pleasance Liddell");
    assert_eq!(user_count(&sdk, &down.site.pool).await, local_users + 1);

    // The downstream SSO session lets the same client through without the upstream.
    let response = browser.get(down.authorize_url(&[])).send().await.unwrap();
    assert!(location(&response).starts_with(CALLBACK));

    upstream.server.stop().await;
});

on_both_backends!(
    linked_identities_sign_in_as_the_local_user,
    dev = true,
    |server| {
        let down_site = site(server, SiteOptions::default()).await;
        let upstream = upstream_for(&down_site).await;
        let down = downstream_with(server, down_site, &upstream).await;
        let sdk = server.client();
        let sub_upstream = upstream_sub(&upstream, "alice").await;
        // The downstream's own alice gets the upstream alice linked before her first sign-in.
        sdk.admin_link_provider_for_user()
            .user_pool_id(&down.site.pool)
            .destination_user(
                aws_sdk_cognitoidentityprovider::types::ProviderUserIdentifierType::builder()
                    .provider_name("Cognito")
                    .provider_attribute_value(&down.site.username)
                    .build(),
            )
            .source_user(
                aws_sdk_cognitoidentityprovider::types::ProviderUserIdentifierType::builder()
                    .provider_name("Upstream")
                    .provider_attribute_name("Cognito_Subject")
                    .provider_attribute_value(&sub_upstream)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let local_sub = sdk
            .admin_get_user()
            .user_pool_id(&down.site.pool)
            .username(&down.site.username)
            .send()
            .await
            .unwrap()
            .user_attributes
            .unwrap()
            .into_iter()
            .find(|a| a.name == "sub")
            .unwrap()
            .value
            .unwrap();
        let users_before = user_count(&sdk, &down.site.pool).await;
        let browser = two_site_browser(server, &down.site, &upstream);
        let code = federated_code(&browser, &down, &upstream, "alice").await;
        let id = claims(
            tokens(server, &down, &code).await["id_token"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(id["sub"], local_sub.as_str());
        assert_eq!(id["cognito:username"], down.site.username.as_str());
        assert_eq!(id["identities"][0]["primary"], "false");
        assert!(
            id.get("cognito:groups").is_none(),
            "no auto group for linked users"
        );
        assert_eq!(user_count(&sdk, &down.site.pool).await, users_before);

        // Unlinked again, the identity gets a profile of its own at its next sign-in.
        sdk.admin_disable_provider_for_user()
            .user_pool_id(&down.site.pool)
            .user(
                aws_sdk_cognitoidentityprovider::types::ProviderUserIdentifierType::builder()
                    .provider_name("Upstream")
                    .provider_attribute_name("Cognito_Subject")
                    .provider_attribute_value(&sub_upstream)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let fresh = two_site_browser(server, &down.site, &upstream);
        let code = federated_code(&fresh, &down, &upstream, "alice").await;
        let id = claims(
            tokens(server, &down, &code).await["id_token"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(
            id["cognito:username"],
            format!("Upstream_{sub_upstream}").as_str()
        );
        assert_eq!(user_count(&sdk, &down.site.pool).await, users_before + 1);
        upstream.server.stop().await;
    }
);

/// The `state` parameter of a URL, and the URL with it replaced.
fn with_param(url: &str, name: &str, value: Option<&str>) -> String {
    let mut parsed = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .filter(|(k, _)| k != name)
        .collect();
    parsed.query_pairs_mut().clear();
    for (k, v) in &pairs {
        parsed.query_pairs_mut().append_pair(k, v);
    }
    if let Some(value) = value {
        parsed.query_pairs_mut().append_pair(name, value);
    }
    parsed.to_string()
}

on_both_backends!(
    attacks_on_the_flow_are_refused_with_nothing_created,
    dev = true,
    |server| {
        let down_site = site(server, SiteOptions::default()).await;
        let upstream = upstream_for(&down_site).await;
        let down = downstream_with(server, down_site, &upstream).await;
        let sdk = server.client();
        let users = user_count(&sdk, &down.site.pool).await;
        let refused_page = |status: u16, body: &str| {
            assert_eq!(status, 400, "{body}");
            assert!(body.contains("Something went wrong"), "{body}");
        };

        let browser = two_site_browser(server, &down.site, &upstream);
        let up = to_upstream(&browser, &down).await;
        let back = upstream_callback(&browser, &upstream, &up, "alice").await;
        let state = params_of(&back)["state"].clone();

        // A missing or tampered state. The tampered character is in the middle: the last
        // one of base64 may carry only padding bits, so changing it can leave the bytes as
        // they were (and it may already be the replacement).
        let middle = state.len() / 2;
        let swap = if &state[middle..=middle] == "A" {
            "B"
        } else {
            "A"
        };
        let tampered = format!("{}{swap}{}", &state[..middle], &state[middle + 1..]);
        for bad in [None, Some("nonsense"), Some(tampered.as_str())] {
            let response = browser
                .get(with_param(&back, "state", bad))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            refused_page(status, &response.text().await.unwrap());
        }
        // The callback in another browser (no flow cookie): login CSRF.
        let other = two_site_browser(server, &down.site, &upstream);
        let response = other.get(&back).send().await.unwrap();
        let status = response.status().as_u16();
        refused_page(status, &response.text().await.unwrap());

        // A code from another flow: the second flow's state with the first flow's code fails
        // the PKCE and nonce binding at the upstream's token endpoint.
        let second = two_site_browser(server, &down.site, &upstream);
        let up2 = to_upstream(&second, &down).await;
        let back2 = upstream_callback(&second, &upstream, &up2, "alice").await;
        let swapped = with_param(&back2, "code", Some(&params_of(&back)["code"]));
        let response = second.get(&swapped).send().await.unwrap();
        let to = location(&response);
        assert!(to.starts_with(CALLBACK), "{to}");
        let params = params_of(&to);
        assert_eq!(params["error"], "invalid_request");
        assert_eq!(params["state"], "app-state");
        assert!(
            params["error_description"].starts_with("Upstream Error - 400"),
            "{to}"
        );
        // That flow is spent now.
        let response = second.get(&back2).send().await.unwrap();
        let status = response.status().as_u16();
        refused_page(status, &response.text().await.unwrap());

        // The genuine callback works once, and its replay is refused.
        let response = browser.get(&back).send().await.unwrap();
        assert!(location(&response).starts_with(CALLBACK));
        let replay = browser.get(&back).send().await.unwrap();
        let status = replay.status().as_u16();
        refused_page(status, &replay.text().await.unwrap());
        assert_eq!(user_count(&sdk, &down.site.pool).await, users + 1);

        // The provider's own error reaches the app.
        let fresh = two_site_browser(server, &down.site, &upstream);
        let up3 = to_upstream(&fresh, &down).await;
        let state3 = params_of(&up3)["state"].clone();
        let denied = format!(
            "{}?error=access_denied&error_description=The+user+said+no&state={}",
            down.site.url("/oauth2/idpresponse"),
            urlencode(&state3)
        );
        let to = location(&fresh.get(&denied).send().await.unwrap());
        let params = params_of(&to);
        assert_eq!(params["error"], "access_denied");
        assert_eq!(params["error_description"], "The user said no");

        // Unknown providers, or ones the client may not use, are not available.
        sdk.create_identity_provider()
            .user_pool_id(&down.site.pool)
            .provider_name("Elsewhere")
            .provider_type(IdentityProviderTypeType::Oidc)
            .set_provider_details(Some(crate::identity_providers::fixed_oidc_details()))
            .send()
            .await
            .unwrap();
        for name in ["Nobody", "Elsewhere"] {
            let response = fresh
                .get(down.authorize_url(&[("identity_provider", name)]))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400);
            assert!(
                response
                    .text()
                    .await
                    .unwrap()
                    .contains("Login option is not available. Please try another one.")
            );
        }
        assert_eq!(user_count(&sdk, &down.site.pool).await, users + 1);
        let (code, _) = error_of(
            sdk.admin_get_user()
                .user_pool_id(&down.site.pool)
                .username("Elsewhere_x")
                .send()
                .await,
        );
        assert_eq!(code, "UserNotFoundException");
        upstream.server.stop().await;
    }
);

fn urlencode(text: &str) -> String {
    reqwest::Url::parse_with_params("http://x/", &[("v", text)])
        .unwrap()
        .query()
        .unwrap()
        .trim_start_matches("v=")
        .to_owned()
}

/// A downstream server whose Google endpoints are a second Cognate server's pool (through
/// the server's `social_endpoints`), with a `Google` provider and an app client for it whose
/// callback is `callback`; `None` when the backend is not available.
pub(crate) async fn google_played_by_a_cognate(
    backend: Backend,
    callback: &str,
) -> Option<(TestServer, Upstream, Downstream)> {
    let upstream_server = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let up_site = site(&upstream_server, SiteOptions::default()).await;
    let issuer = format!("{}/{}", upstream_server.url(), up_site.pool);
    let google = GoogleEndpoints {
        authorize_url: up_site.url("/oauth2/authorize"),
        token_url: up_site.url("/oauth2/token"),
        attributes_url: up_site.url("/oauth2/userInfo?personFields="),
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        issuer,
        issuer_aliases: Vec::new(),
    };
    let Some(server) = TestServer::start_configured(backend, Options { dev: true }, |raw| {
        raw.social_endpoints = Some(SocialEndpoints {
            google,
            ..SocialEndpoints::default()
        });
    })
    .await
    else {
        eprintln!("TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
        return None;
    };
    let down_site = site(&server, SiteOptions::default()).await;
    let (client_id, secret) = upstream_client(&upstream_server, &up_site, &down_site).await;
    let upstream = Upstream {
        server: upstream_server,
        site: up_site,
        client_id,
        secret,
    };
    let sdk = server.client();
    sdk.create_identity_provider()
        .user_pool_id(&down_site.pool)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .provider_details("client_id", &upstream.client_id)
        .provider_details("client_secret", &upstream.secret)
        .provider_details("authorize_scopes", "profile email openid")
        .attribute_mapping("email", "email")
        .attribute_mapping("email_verified", "email_verified")
        .attribute_mapping("name", "name")
        .send()
        .await
        .unwrap();
    let client = sdk
        .create_user_pool_client()
        .user_pool_id(&down_site.pool)
        .client_name("google")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("Google")
        .callback_urls(callback)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let down = Downstream {
        site: down_site,
        client_id: client.client_id.unwrap(),
    };
    Some((server, upstream, down))
}

/// Google, played by another Cognate server through the server's `social_endpoints`
/// (issue 13 item 7): the Google type's own code path (fixed issuer, PKCE and nonce, the
/// attributes URL with `personFields`) against a real OpenID provider.
async fn google_played_by_cognate(backend: Backend) {
    let Some((server, upstream, down)) = google_played_by_a_cognate(backend, CALLBACK).await else {
        return;
    };
    let browser = two_site_browser(&server, &down.site, &upstream);
    let up = to_provider(&browser, &down, "Google").await;
    let sent = params_of(&up);
    assert_eq!(sent["code_challenge_method"], "S256");
    assert!(sent.contains_key("nonce"));
    let back = upstream_callback(&browser, &upstream, &up, "alice").await;
    let to = location(&browser.get(&back).send().await.unwrap());
    assert!(to.starts_with(CALLBACK), "{to}");
    let id = claims(
        tokens(&server, &down, &params_of(&to)["code"]).await["id_token"]
            .as_str()
            .unwrap(),
    );
    let sub_upstream = upstream_sub(&upstream, "alice").await;
    assert_eq!(
        id["cognito:username"],
        format!("Google_{sub_upstream}").as_str()
    );
    assert_eq!(id["identities"][0]["providerType"], "Google");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true);
    upstream.server.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_played_by_cognate_sqlite() {
    google_played_by_cognate(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_played_by_cognate_postgres() {
    google_played_by_cognate(Backend::Postgres).await;
}

on_both_backends!(triggers_run_in_cognitos_order, dev = true, |server| {
    use crate::support::sinks::arn;
    use aws_sdk_cognitoidentityprovider::types::LambdaConfigType;
    let down_site = site(server, SiteOptions::default()).await;
    let upstream = upstream_for(&down_site).await;
    let down = downstream_with(server, down_site, &upstream).await;
    let sdk = server.client();
    sdk.update_user_pool()
        .user_pool_id(&down.site.pool)
        .lambda_config(
            LambdaConfigType::builder()
                .pre_sign_up(arn("pre-sign-up"))
                .post_confirmation(arn("post-confirmation"))
                .pre_authentication(arn("pre-auth"))
                .post_authentication(arn("post-auth"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let users = user_count(&sdk, &down.site.pool).await;

    // A PreSignUp function that refuses: Cognito's text reaches the app, nobody is made.
    server.triggers.on("pre-sign-up", |_| {
        (
            400,
            serde_json::json!({"errorMessage": "No strangers"}).to_string(),
        )
    });
    let browser = two_site_browser(server, &down.site, &upstream);
    let up = to_upstream(&browser, &down).await;
    let back = upstream_callback(&browser, &upstream, &up, "alice").await;
    let to = location(&browser.get(&back).send().await.unwrap());
    let params = params_of(&to);
    assert_eq!(params["error"], "invalid_request");
    assert_eq!(
        params["error_description"],
        "PreSignUp failed with error No strangers. "
    );
    assert_eq!(user_count(&sdk, &down.site.pool).await, users);
    assert!(server.triggers.calls("post-confirmation").is_empty());

    // Accepting (and auto-verifying): the first sign-in runs PreSignUp_ExternalProvider and
    // PostConfirmation_ConfirmSignUp, not the authentication triggers.
    server
        .triggers
        .respond("pre-sign-up", serde_json::json!({"autoVerifyEmail": true}));
    let code = federated_code(&browser, &down, &upstream, "alice").await;
    tokens(server, &down, &code).await;
    let sub_upstream = upstream_sub(&upstream, "alice").await;
    let username = format!("Upstream_{sub_upstream}");
    let pre = server.triggers.calls("pre-sign-up");
    let last = &pre.last().unwrap().event;
    assert_eq!(last["triggerSource"], "PreSignUp_ExternalProvider");
    assert_eq!(last["userName"], username.as_str());
    assert_eq!(
        last["request"]["userAttributes"]["email"],
        "alice@example.com"
    );
    let confirmed = server.triggers.calls("post-confirmation");
    assert_eq!(confirmed.len(), 1);
    assert_eq!(
        confirmed[0].event["triggerSource"],
        "PostConfirmation_ConfirmSignUp"
    );
    assert!(server.triggers.calls("pre-auth").is_empty());
    assert!(server.triggers.calls("post-auth").is_empty());

    // A later sign-in authenticates: Pre and PostAuthentication, no sign-up triggers.
    let code = federated_code(&browser, &down, &upstream, "alice").await;
    tokens(server, &down, &code).await;
    assert_eq!(server.triggers.calls("pre-sign-up").len(), pre.len());
    assert_eq!(server.triggers.calls("post-confirmation").len(), 1);
    let pre_auth = server.triggers.calls("pre-auth");
    assert_eq!(pre_auth.len(), 1);
    assert_eq!(
        pre_auth[0].event["triggerSource"],
        "PreAuthentication_Authentication"
    );
    assert_eq!(server.triggers.calls("post-auth").len(), 1);
    upstream.server.stop().await;
});

/// Follows a federated sign-in through the Node `oidc-provider` from `start`, submitting
/// its login form as `login` when it asks, up to the app's callback; returns the code.
async fn through_node_provider(browser: &reqwest::Client, start: &str, login: &str) -> String {
    let mut url = reqwest::Url::parse(start).unwrap();
    let mut response = browser.get(url.clone()).send().await.unwrap();
    for _ in 0..20 {
        if response.status() == 200 {
            let page = response.text().await.unwrap();
            assert!(page.contains("name=\"login\""), "{page}");
            response = browser
                .post(url.clone())
                .form(&[("login", login)])
                .send()
                .await
                .unwrap();
            continue;
        }
        let to = location(&response);
        if to.starts_with(CALLBACK) {
            let params = params_of(&to);
            assert_eq!(params["state"], "app-state", "{to}");
            return params
                .get("code")
                .unwrap_or_else(|| panic!("no code: {to}"))
                .clone();
        }
        url = url.join(&to).unwrap();
        response = browser.get(url.clone()).send().await.unwrap();
    }
    panic!("no way back to the app from {url}");
}

// The certified Node `oidc-provider` as the upstream (issue 13 item 7): discovery, JWKS,
// PKCE, nonce, `client_secret_post` and userinfo of a real implementation; first and second
// sign-in, the mapping re-applied.
on_both_backends!(sign_in_through_node_oidc_provider, dev = true, |server| {
    use crate::support::oidc_provider::{NodeProvider, available};
    if !available() {
        return;
    }
    let down_site = site(server, SiteOptions::default()).await;
    let provider = NodeProvider::start(
        "cognate-downstream",
        "node-provider-secret-0123456789",
        &down_site.url("/oauth2/idpresponse"),
    );
    let sdk = server.client();
    sdk.create_identity_provider()
        .user_pool_id(&down_site.pool)
        .provider_name("NodeOP")
        .provider_type(IdentityProviderTypeType::Oidc)
        .provider_details("client_id", "cognate-downstream")
        .provider_details("client_secret", "node-provider-secret-0123456789")
        .provider_details("authorize_scopes", "openid email profile")
        .provider_details("attributes_request_method", "GET")
        .provider_details("oidc_issuer", &provider.issuer)
        .attribute_mapping("email", "email")
        .attribute_mapping("email_verified", "email_verified")
        .attribute_mapping("name", "name")
        .send()
        .await
        .unwrap();
    let client = sdk
        .create_user_pool_client()
        .user_pool_id(&down_site.pool)
        .client_name("node-op")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("NodeOP")
        .callback_urls(CALLBACK)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let down = Downstream {
        site: down_site,
        client_id: client.client_id.unwrap(),
    };
    let users = user_count(&sdk, &down.site.pool).await;
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&down.site.host(), server.server.addr)
        .build()
        .unwrap();

    let start = down.authorize_url(&[("identity_provider", "NodeOP")]);
    let to = location(&browser.get(&start).send().await.unwrap());
    let sent = params_of(&to);
    assert!(
        to.starts_with(&format!("{}/auth?", provider.issuer)),
        "{to}"
    );
    assert_eq!(sent["code_challenge_method"], "S256");
    assert!(sent.contains_key("nonce"));
    let code = through_node_provider(&browser, &start, "alice").await;
    let id = claims(
        tokens(server, &down, &code).await["id_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["cognito:username"], "NodeOP_alice");
    assert_eq!(id["email"], "alice@example.org");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["name"], "Alice of oidc-provider");
    assert_eq!(id["identities"][0]["providerName"], "NodeOP");
    assert_eq!(id["identities"][0]["providerType"], "OIDC");
    assert_eq!(id["identities"][0]["userId"], "alice");
    let first_sub = id["sub"].clone();
    assert_eq!(user_count(&sdk, &down.site.pool).await, users + 1);

    // The provider's account changes; the second sign-in (the provider remembers the
    // browser, so no login form) maps it again onto the same user.
    provider
        .set_claims("alice", serde_json::json!({"name": "Alice Renamed"}))
        .await;
    let code = through_node_provider(&browser, &start, "never-asked").await;
    let id = claims(
        tokens(server, &down, &code).await["id_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["name"], "Alice Renamed");
    assert_eq!(id["sub"], first_sub);
    assert_eq!(user_count(&sdk, &down.site.pool).await, users + 1);
    let user = sdk
        .admin_get_user()
        .user_pool_id(&down.site.pool)
        .username("NodeOP_alice")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status.unwrap().as_str(), "EXTERNAL_PROVIDER");
});
