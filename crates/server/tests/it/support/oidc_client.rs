//! A standard OpenID Connect relying party (the `openidconnect` crate) against a pool's
//! domain: discovery from the issuer, the code flow with PKCE and a nonce, ID-token
//! validation (signature through the JWKS, issuer, audience, nonce, `at_hash`), and refresh.
//!
//! `openidconnect` 4's own reqwest adapter targets reqwest 0.12; [`Http`] implements its
//! `AsyncHttpClient` over the reqwest 0.13 the workspace uses (docs/dependencies.md).

use std::future::Future;
use std::pin::Pin;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AsyncHttpClient, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    RedirectUrl, Scope, TokenResponse,
};

use crate::on_both_backends;
use crate::support::hosted::*;

/// An HTTP client for `openidconnect`: no redirects followed (as its docs require), the
/// domain's host resolved to the test server.
pub struct Http(reqwest::Client);

#[derive(Debug)]
pub struct HttpError(String);

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HttpError {}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut outgoing = self
                .0
                .request(parts.method, parts.uri.to_string())
                .body(body);
            for (name, value) in &parts.headers {
                outgoing = outgoing.header(name, value);
            }
            let response = outgoing
                .send()
                .await
                .map_err(|e| HttpError(e.to_string()))?;
            let mut incoming = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                incoming = incoming.header(name, value);
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| HttpError(e.to_string()))?;
            incoming
                .body(body.to_vec())
                .map_err(|e| HttpError(e.to_string()))
        })
    }
}

on_both_backends!(a_standard_oidc_client_signs_in, |server| {
    let site = site(
        server,
        SiteOptions {
            secret: true,
            ..SiteOptions::default()
        },
    )
    .await;
    let http = Http(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&site.host(), server.server.addr)
            .build()
            .unwrap(),
    );
    let issuer = IssuerUrl::new(format!("{}/{}", server.url(), site.pool)).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer.clone(), &http)
        .await
        .unwrap();
    assert_eq!(
        metadata.authorization_endpoint().as_str(),
        site.url("/oauth2/authorize")
    );
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(site.client_id.clone()),
        site.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".to_owned()))
        .add_scope(Scope::new("profile".to_owned()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = site.browser(server);
    let response = sign_in(&browser, &site, authorize_url.as_str(), "alice", PASSWORD).await;
    let params = params_of(&location(&response));
    assert_eq!(&params["state"], csrf.secret());

    let tokens = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let id_token = tokens.id_token().expect("an ID token with openid");
    let verifier = client.id_token_verifier();
    let id_claims = id_token.claims(&verifier, &nonce).unwrap();
    assert_eq!(id_claims.issuer(), &issuer);
    assert_eq!(
        id_claims.email().map(|e| e.as_str()),
        Some("alice@example.com")
    );
    assert_eq!(id_claims.email_verified(), Some(true));
    let expected = id_claims.access_token_hash().expect("at_hash");
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual, expected);
    // Another nonce does not validate.
    assert!(
        id_token
            .claims(&verifier, &Nonce::new("other".to_owned()))
            .is_err()
    );

    let refreshed = client
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    let refreshed_id = refreshed.id_token().expect("an ID token on refresh");
    // A refreshed ID token has no nonce: accept any.
    let claims = refreshed_id
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .unwrap();
    assert_eq!(claims.subject(), id_claims.subject());
});
