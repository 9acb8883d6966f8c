//! CORS as Cognito answers it (issue 11): preflights and responses of the JSON API, of the OAuth
//! back channel and of JWKS and discovery on both hosts, never on the hosted pages, and the
//! operator's origin list. The real browser runs of the same surface are in `browser_apps.rs`.

use reqwest::Method;
use reqwest::header::HeaderMap;

use crate::support::hosted::{SiteOptions, site};
use crate::support::{Backend, Options, TestServer};

const ORIGIN: &str = "http://localhost:3000";
const EXPOSED: &str = "x-amzn-requestid,x-amzn-errortype,x-amzn-errormessage,date";

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

/// What a browser sends before `POST /` from the AWS SDK for JavaScript or Amplify.
async fn preflight(client: &reqwest::Client, url: &str, origin: &str) -> reqwest::Response {
    client
        .request(Method::OPTIONS, url)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "amz-sdk-invocation-id,amz-sdk-request,content-type,x-amz-target,x-amz-user-agent",
        )
        .send()
        .await
        .unwrap()
}

crate::on_both_backends!(
    api_preflight_and_responses_carry_cognitos_cors_headers,
    |server| {
        let http = reqwest::Client::new();
        let response = preflight(&http, &format!("{}/", server.url()), ORIGIN).await;
        assert_eq!(response.status(), 200);
        let h = response.headers();
        assert_eq!(header(h, "access-control-allow-origin"), Some("*"));
        assert_eq!(header(h, "access-control-allow-methods"), Some("POST"));
        assert_eq!(
            header(h, "access-control-allow-headers"),
            Some(
                "amz-sdk-invocation-id,amz-sdk-request,content-type,x-amz-target,x-amz-user-agent"
            )
        );
        assert_eq!(header(h, "access-control-max-age"), Some("172800"));
        assert!(h.contains_key("x-amzn-requestid"));
        assert_eq!(header(h, "access-control-allow-credentials"), None);

        // An error answer too: the SDK in a browser reads its type from the exposed headers.
        let response = http
        .post(format!("{}/", server.url()))
        .header("origin", ORIGIN)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .body(r#"{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"nosuchclient","AuthParameters":{"USERNAME":"a","PASSWORD":"b"}}"#)
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 400);
        let h = response.headers();
        assert_eq!(header(h, "access-control-allow-origin"), Some("*"));
        assert_eq!(header(h, "access-control-expose-headers"), Some(EXPOSED));
        assert_eq!(
            header(h, "x-amzn-errortype"),
            Some("ResourceNotFoundException:")
        );
        assert!(h.contains_key("date"));
    }
);

crate::on_both_backends!(
    oauth_endpoints_jwks_and_discovery_have_cors_and_pages_do_not,
    |server| {
        let site = site(server, SiteOptions::default()).await;
        let browser = site.browser(server);

        // The back channel on the domain host: preflight, then the answer itself (an error here).
        for path in ["/oauth2/token", "/oauth2/revoke", "/oauth2/userInfo"] {
            let response = preflight(&browser, &site.url(path), ORIGIN).await;
            assert_eq!(response.status(), 200, "{path}");
            let h = response.headers();
            assert_eq!(
                header(h, "access-control-allow-origin"),
                Some("*"),
                "{path}"
            );
            assert_eq!(
                header(h, "access-control-allow-methods"),
                Some("GET,POST"),
                "{path}"
            );
        }
        let response = browser
            .post(site.url("/oauth2/token"))
            .header("origin", ORIGIN)
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", &site.client_id),
                ("code", "nope"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            header(response.headers(), "access-control-allow-origin"),
            Some("*")
        );
        let response = browser
            .get(site.url("/oauth2/userInfo"))
            .header("origin", ORIGIN)
            .header("authorization", "Bearer nope")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(
            header(response.headers(), "access-control-allow-origin"),
            Some("*")
        );

        // JWKS and discovery, on the domain host and on the API host.
        let api = reqwest::Client::new();
        for (client, url) in [
            (&browser, site.url("/.well-known/jwks.json")),
            (&browser, site.url("/.well-known/openid-configuration")),
            (
                &api,
                format!("{}/{}/.well-known/jwks.json", server.url(), site.pool),
            ),
            (
                &api,
                format!(
                    "{}/{}/.well-known/openid-configuration",
                    server.url(),
                    site.pool
                ),
            ),
        ] {
            let response = client
                .get(&url)
                .header("origin", ORIGIN)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{url}");
            assert_eq!(
                header(response.headers(), "access-control-allow-origin"),
                Some("*"),
                "{url}"
            );
        }

        // The hosted pages: no CORS header on the page, and a preflight is not answered.
        for path in ["/login", "/signup", "/forgotPassword", "/logout"] {
            let response = browser
                .get(site.url(path))
                .header("origin", ORIGIN)
                .send()
                .await
                .unwrap();
            assert_eq!(
                header(response.headers(), "access-control-allow-origin"),
                None,
                "{path}"
            );
            let response = preflight(&browser, &site.url(path), ORIGIN).await;
            assert_ne!(response.status(), 200, "{path}");
            assert_eq!(
                header(response.headers(), "access-control-allow-origin"),
                None,
                "{path}"
            );
        }
        let response = browser
            .post(site.url("/oauth2/introspect"))
            .header("origin", ORIGIN)
            .form(&[("token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(response.headers(), "access-control-allow-origin"),
            None
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_list_echoes_listed_origins_and_refuses_others() {
    let server = TestServer::start_configured(Backend::Sqlite, Options { dev: false }, |raw| {
        raw.cors_allowed_origins = Some(vec![ORIGIN.to_owned()]);
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/", server.url());
    let response = preflight(&http, &url, ORIGIN).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        Some(ORIGIN)
    );
    assert!(
        response
            .headers()
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("origin"))
    );
    let response = preflight(&http, &url, "https://evil.example").await;
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        None
    );
    let response = http
        .post(&url)
        .header("origin", "https://evil.example")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        None
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_list_turns_cors_off() {
    let server = TestServer::start_configured(Backend::Sqlite, Options { dev: false }, |raw| {
        raw.cors_allowed_origins = Some(Vec::new());
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let response = preflight(&http, &format!("{}/", server.url()), ORIGIN).await;
    assert_eq!(response.status(), 405);
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        None
    );
    server.stop().await;
}
