//! SAML sign-in in a real browser (issue 13 item 7): Debian's headless Chromium clicks the
//! provider's button on the hosted sign-in page, lands on a stand-in IdP's login page (a
//! small server in the test; samlify, `interop/saml/idp.cjs`, reads the AuthnRequest and
//! makes the Response), signs in there, and the IdP's auto-submitting form posts the Response
//! to `/saml2/idpresponse`, which sends the browser back to the app with a code. Then single
//! logout goes through the IdP and back to the app's sign-out page.
//!
//! The IdP is `idp.auth.localhost`, the same site as the pool's domain: over plain http a
//! cross-site POST carries no cookie of the domain (SameSite=None needs https), so the flow
//! cookie would not come back; deployments on https send it `SameSite=None; Secure`.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};
use axum::extract::{Form, RawQuery, State};
use axum::response::Html;
use serde_json::json;

use crate::browser::{App, Chrome};
use crate::federation_saml::{idp, idp_metadata, samlify_ready};
use crate::support::flows::claims;
use crate::support::hosted::{fresh_prefix, params_of};
use crate::support::{Backend, Options, TestServer};

/// What the stand-in IdP needs to answer: who the SP is.
#[derive(Clone)]
struct Idp {
    base: String,
    sp_entity_id: String,
    acs_url: String,
    slo_url: String,
    sp_certificate: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The auto-submitting form every IdP answers with (HTTP-POST binding).
fn post_form(action: &str, fields: &[(&str, &str)]) -> Html<String> {
    let inputs: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(value)
            )
        })
        .collect();
    Html(format!(
        "<html><body><form method=\"post\" action=\"{}\">{inputs}<noscript><button>Continue</button></noscript></form><script>document.forms[0].submit()</script></body></html>",
        escape(action)
    ))
}

/// `GET /sso`: the IdP's login page, carrying the AuthnRequest along.
async fn login_page(RawQuery(query): RawQuery) -> Html<String> {
    Html(format!(
        "<html><body><h1>Corp IdP</h1><form method=\"post\" action=\"/sso\"><input type=\"hidden\" name=\"query\" value=\"{}\"><label for=\"user\">Email</label><input id=\"user\" name=\"user\"><button type=\"submit\">Sign in</button></form></body></html>",
        escape(&query.unwrap_or_default())
    ))
}

/// `POST /sso`: the user signed in at the IdP; the Response goes to the SP.
async fn signed_in(
    State(idp_state): State<Arc<Idp>>,
    Form(form): Form<std::collections::BTreeMap<String, String>>,
) -> Html<String> {
    let url = format!("{}/sso?{}", idp_state.base, form["query"]);
    let user = form["user"].clone();
    let answer = {
        let idp_state = idp_state.clone();
        tokio::task::spawn_blocking(move || {
            idp(&json!({
                "kind": "login",
                "authnRequestUrl": url,
                "spEntityId": idp_state.sp_entity_id,
                "acsUrl": idp_state.acs_url,
                "nameId": user,
                "attributes": {"email": [user], "displayName": ["Carlos Salazar"]},
            }))
        })
        .await
        .unwrap()
    };
    post_form(
        &idp_state.acs_url,
        &[
            ("SAMLResponse", answer["SAMLResponse"].as_str().unwrap()),
            ("RelayState", answer["RelayState"].as_str().unwrap()),
        ],
    )
}

/// `GET /slo`: the SP's LogoutRequest; the IdP ends its session and answers.
async fn single_logout(
    State(idp_state): State<Arc<Idp>>,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let url = format!("{}/slo?{}", idp_state.base, query.unwrap_or_default());
    let answer = {
        let idp_state = idp_state.clone();
        tokio::task::spawn_blocking(move || {
            idp(&json!({
                "kind": "logout",
                "logoutRequestUrl": url,
                "spEntityId": idp_state.sp_entity_id,
                "sloUrl": idp_state.slo_url,
                "spCertificate": idp_state.sp_certificate,
            }))
        })
        .await
        .unwrap()
    };
    post_form(
        &idp_state.slo_url,
        &[
            ("SAMLResponse", answer["SAMLResponse"].as_str().unwrap()),
            ("RelayState", answer["RelayState"].as_str().unwrap()),
        ],
    )
}

/// Waits until the browser is at a URL starting with `prefix` (after scripted navigations).
async fn wait_for(chrome: &Chrome, prefix: &str) -> String {
    for _ in 0..200 {
        let url = chrome.url().await;
        if url.starts_with(prefix) {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let text = chrome.text_of("body").await;
    panic!("expected {prefix}…, at {}:\n{text}", chrome.url().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saml_sign_in_and_single_logout_in_chromium() {
    if !samlify_ready() {
        return;
    }
    let Some(chrome) = Chrome::start(1000, 900).await else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let app = App::start().await;
    let sdk = server.client();
    let pool = sdk
        .create_user_pool()
        .pool_name("saml browser")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let prefix = fresh_prefix();
    sdk.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain(&prefix)
        .send()
        .await
        .unwrap();
    let base = format!(
        "http://{prefix}.auth.localhost:{}",
        server.server.addr.port()
    );

    // The stand-in IdP, its metadata pointing at it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp_base = format!(
        "http://idp.auth.localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let metadata = idp_metadata()
        .replace(
            "https://idp.example.com/saml/sso",
            &format!("{idp_base}/sso"),
        )
        .replace(
            "https://idp.example.com/saml/slo",
            &format!("{idp_base}/slo"),
        );
    sdk.create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .provider_type(IdentityProviderTypeType::Saml)
        .provider_details("MetadataFile", metadata)
        .provider_details("IDPSignout", "true")
        .attribute_mapping("email", "email")
        .attribute_mapping("name", "displayName")
        .send()
        .await
        .unwrap();
    let client_id = sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .supported_identity_providers("COGNITO")
        .supported_identity_providers("Corp")
        .callback_urls(app.callback())
        .logout_urls(app.signed_out())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let sp_certificate = sdk
        .get_signing_certificate()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    let idp_state = Arc::new(Idp {
        base: idp_base.clone(),
        sp_entity_id: format!("urn:amazon:cognito:sp:{pool}"),
        acs_url: format!("{base}/saml2/idpresponse"),
        slo_url: format!("{base}/saml2/logout"),
        sp_certificate,
    });
    let router = axum::Router::new()
        .route("/sso", axum::routing::get(login_page).post(signed_in))
        .route("/slo", axum::routing::get(single_logout))
        .with_state(idp_state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });

    // The hosted page's button → the IdP's login page → back to the app with a code.
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", app.callback().as_str()),
        ("state", "st-saml"),
        ("scope", "openid email"),
    ])
    .unwrap();
    chrome
        .goto(&format!("{base}/oauth2/authorize?{query}"))
        .await;
    chrome.expect_path("/login").await;
    chrome
        .click(fantoccini::Locator::LinkText("Sign in with Corp"))
        .await;
    wait_for(&chrome, &format!("{idp_base}/sso?")).await;
    chrome.fill("user", "carlos@corp.example").await;
    chrome.submit().await;
    let back = wait_for(&chrome, &app.callback()).await;
    let params = params_of(&back);
    assert_eq!(params["state"], "st-saml");
    let code = params["code"].clone();

    // The app's server exchanges the code: the ID token names the SAML provider.
    let host = format!("{prefix}.auth.localhost");
    let tokens: serde_json::Value = crate::support::hosted::browser(&server, &host)
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", app.callback().as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["identities"][0]["providerName"], "Corp");
    assert_eq!(id["identities"][0]["providerType"], "SAML");
    assert_eq!(id["email"], "carlos@corp.example");

    // Single logout: /logout → the IdP's SLO → /saml2/logout → the app's sign-out page.
    let logout = serde_urlencoded::to_string([
        ("client_id", client_id.as_str()),
        ("logout_uri", app.signed_out().as_str()),
    ])
    .unwrap();
    chrome.goto(&format!("{base}/logout?{logout}")).await;
    wait_for(&chrome, &app.signed_out()).await;
    assert_eq!(chrome.text_of("h1").await, "Signed out of the app");
    // Signed out of the domain too: the next authorize asks for a sign-in.
    chrome
        .goto(&format!("{base}/oauth2/authorize?{query}"))
        .await;
    chrome.expect_path("/login").await;

    chrome.stop().await;
    server.stop().await;
}
