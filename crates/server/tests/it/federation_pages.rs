//! The hosted sign-in page's shape for clients with outside providers (issue 13 item 2):
//! with `COGNITO` the form and one button per provider; without it only the buttons, no
//! form, no password POST, and no password session carried over from another client. With
//! exactly one provider and no `COGNITO`, `/oauth2/authorize` still goes to the sign-in page
//! (Cognito's authorize endpoint redirects straight to a provider only when the request names
//! it), which shows the single button.

use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};

use crate::federation_oidc::{
    Downstream, downstream_with, federated_code, tokens, two_site_browser, upstream_for,
};
use crate::on_both_backends;
use crate::support::TestServer;
use crate::support::flows::claims;
use crate::support::hosted::{
    CALLBACK, PASSWORD, SiteOptions, hidden_field, location, params_of, site, submit_login,
    unescape,
};

/// A client of the downstream pool whose SupportedIdentityProviders are `providers`.
async fn client_with(server: &TestServer, pool: &str, providers: &[&str]) -> String {
    let mut request = server
        .client()
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("buttons")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .callback_urls(CALLBACK);
    for provider in providers {
        request = request.supported_identity_providers(*provider);
    }
    request
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

/// The sign-in page `/oauth2/authorize` (without a provider) leads to, for a client.
async fn sign_in_page(browser: &reqwest::Client, down: &Downstream, client_id: &str) -> String {
    let as_client = Downstream {
        site: down.site.clone(),
        client_id: client_id.to_owned(),
    };
    let to = location(
        &browser
            .get(as_client.authorize_url(&[]))
            .send()
            .await
            .unwrap(),
    );
    assert!(to.starts_with("/login?"), "{to}");
    let page = browser.get(down.site.url(&to)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

/// The provider buttons of a page: (text, href).
fn buttons(page: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<a class=\"redirect-customizable\" href=\"") {
        rest = &rest[start + "<a class=\"redirect-customizable\" href=\"".len()..];
        let href = unescape(&rest[..rest.find('"').unwrap()]);
        let text_start = rest.find('>').unwrap() + 1;
        let text =
            rest[text_start..text_start + rest[text_start..].find("</a>").unwrap()].to_owned();
        if text.starts_with("Sign in with ") {
            found.push((text, href));
        }
    }
    found
}

on_both_backends!(
    the_sign_in_page_follows_the_clients_providers,
    dev = true,
    |server| {
        let down_site = site(server, SiteOptions::default()).await;
        let upstream = upstream_for(&down_site).await;
        let down = downstream_with(server, down_site, &upstream).await;
        let sdk = server.client();
        sdk.create_identity_provider()
            .user_pool_id(&down.site.pool)
            .provider_name("Second")
            .provider_type(IdentityProviderTypeType::Oidc)
            .set_provider_details(Some(crate::identity_providers::fixed_oidc_details()))
            .send()
            .await
            .unwrap();
        let browser = two_site_browser(server, &down.site, &upstream);

        // COGNITO and a provider: the form (username, password, submit) and the button.
        let page = sign_in_page(&browser, &down, &down.client_id).await;
        assert_eq!(page.matches("<form ").count(), 1, "{page}");
        assert!(page.contains("<form method=\"post\" action=\"/login\""));
        assert!(page.contains("name=\"username\""));
        assert!(page.contains("name=\"password\" type=\"password\""));
        assert!(page.contains("Forgot your password?"));
        let found = buttons(&page);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "Sign in with Upstream");

        // Two providers, no COGNITO: two buttons and nothing else to fill in.
        let two = client_with(server, &down.site.pool, &["Upstream", "Second"]).await;
        let page = sign_in_page(&browser, &down, &two).await;
        assert!(!page.contains("<form"), "{page}");
        assert!(!page.contains("<input"), "{page}");
        assert!(!page.contains("Forgot your password?"));
        assert!(!page.contains("Sign up"));
        let found = buttons(&page);
        let names: Vec<&str> = found.iter().map(|(text, _)| text.as_str()).collect();
        assert_eq!(names, ["Sign in with Upstream", "Sign in with Second"]);
        for (name, (_, href)) in ["Upstream", "Second"].iter().zip(&found) {
            let params = params_of(&down.site.url(href));
            assert_eq!(params["identity_provider"], *name);
            assert_eq!(params["client_id"], two);
            assert_eq!(params["state"], "app-state");
        }

        // One provider, no COGNITO: still the page, with its single button, which starts the
        // flow at the provider.
        let one = client_with(server, &down.site.pool, &["Upstream"]).await;
        let page = sign_in_page(&browser, &down, &one).await;
        assert!(!page.contains("<form"), "{page}");
        let found = buttons(&page);
        assert_eq!(found.len(), 1);
        let to = location(
            &browser
                .get(down.site.url(&found[0].1))
                .send()
                .await
                .unwrap(),
        );
        assert!(
            to.starts_with(&upstream.site.url("/oauth2/authorize?")),
            "{to}"
        );

        // The password form posted for that client is refused: back to the app with an
        // error, and no session.
        let login = location(&browser.get(down.authorize_url(&[])).send().await.unwrap());
        let html = browser
            .get(down.site.url(&login))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden_field(&html, "_csrf").unwrap();
        let response = browser
            .post(down.site.url("/login"))
            .form(&[
                ("response_type", "code"),
                ("client_id", one.as_str()),
                ("redirect_uri", CALLBACK),
                ("scope", "openid"),
                ("state", "app-state"),
                ("_csrf", csrf.as_str()),
                ("username", down.site.username.as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        let to = location(&response);
        let params = params_of(&to);
        assert!(to.starts_with(CALLBACK), "{to}");
        assert_eq!(params["error"], "invalid_request");
        assert_eq!(params["error_description"], "unsupported identity provider");
        assert!(!params.contains_key("code"));
        // Sign-up and password reset pages are not there for it either.
        let as_one = Downstream {
            site: down.site.clone(),
            client_id: one.clone(),
        };
        let query = as_one.authorize_url(&[]);
        let query = &query[query.find('?').unwrap()..];
        for path in ["/signup", "/forgotPassword"] {
            let to = location(
                &browser
                    .get(down.site.url(&format!("{path}{query}")))
                    .send()
                    .await
                    .unwrap(),
            );
            assert_eq!(params_of(&to)["error"], "invalid_request", "{path}");
        }

        // A password session made through the COGNITO client does not sign in to it...
        let response =
            submit_login(&browser, &down.site, &login, &down.site.username, PASSWORD).await;
        assert!(location(&response).starts_with(CALLBACK));
        let page = sign_in_page(&browser, &down, &one).await;
        assert!(!page.contains("<form"));
        // ...but a federated session does (Cognito's silent sign-in for the same provider).
        let federated = Downstream {
            site: down.site.clone(),
            client_id: one.clone(),
        };
        let fresh = two_site_browser(server, &down.site, &upstream);
        let code = federated_code(&fresh, &federated, &upstream, "alice").await;
        let first = claims(
            tokens(server, &federated, &code).await["id_token"]
                .as_str()
                .unwrap(),
        );
        let silent = location(
            &fresh
                .get(federated.authorize_url(&[]))
                .send()
                .await
                .unwrap(),
        );
        assert!(silent.starts_with(CALLBACK), "{silent}");
        let again = claims(
            tokens(server, &federated, &params_of(&silent)["code"]).await["id_token"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(again["sub"], first["sub"]);
        upstream.server.stop().await;
    }
);
