//! Hosted sign-in through a SAML 2.0 IdP (issue 13 items 3, 4, 6, 7): samlify plays the IdP
//! live (`interop/saml/idp.cjs`, with the fixture IdP's TEST-ONLY key), reading the
//! AuthnRequest or LogoutRequest Cognate sent the browser to (and checking its signature) and
//! answering it; the browser is reqwest with a cookie jar, following each redirect by hand:
//! `/oauth2/authorize` → the IdP → `POST /saml2/idpresponse` → the app's callback with a code
//! → tokens whose `identities` names the SAML provider. Also IdP-initiated sign-in, single
//! logout, and the attacks on a Response, each refused with the exact error and no user made.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::TestServer;
use crate::support::flows::claims;
use crate::support::hosted::{
    CALLBACK, SIGNED_OUT, Site, SiteOptions, location, params_of, site, token_request,
};

const PROVIDER: &str = "Corp";
const IDP_ENTITY: &str = "https://idp.example.com/saml/metadata";
const NAME_ID: &str = "carlos@corp.example";
const EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";

pub(crate) fn samlify_ready() -> bool {
    let installed = crate::interop::interop_dir()
        .join("saml/node_modules/samlify")
        .exists()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    crate::identity_interop::available("node or samlify in interop/saml/node_modules", installed)
}

pub(crate) fn idp_metadata() -> String {
    std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../federation/tests/fixtures/saml/idp-metadata.xml"),
    )
    .unwrap()
}

/// One job for the live IdP (`interop/saml/idp.cjs`).
pub(crate) fn idp(job: &Value) -> Value {
    use std::io::Write;
    let mut child = std::process::Command::new("node")
        .arg(crate::interop::interop_dir().join("saml/idp.cjs"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(job.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A pool with a domain, SAML providers and an app client that may use them.
struct SamlSite {
    site: Site,
    client_id: String,
}

async fn saml_provider(sdk: &Client, pool: &str, name: &str, details: &[(&str, &str)]) {
    let mut request = sdk
        .create_identity_provider()
        .user_pool_id(pool)
        .provider_name(name)
        .provider_type(IdentityProviderTypeType::Saml)
        .provider_details("MetadataFile", idp_metadata())
        .attribute_mapping("email", EMAIL)
        .attribute_mapping("name", "displayName")
        .attribute_mapping("nickname", "groups");
    for (key, value) in details {
        request = request.provider_details(*key, *value);
    }
    request.send().await.unwrap();
}

async fn saml_site(server: &TestServer, providers: &[(&str, &[(&str, &str)])]) -> SamlSite {
    let site = site(server, SiteOptions::default()).await;
    let sdk = server.client();
    let mut client = sdk
        .create_user_pool_client()
        .user_pool_id(&site.pool)
        .client_name("saml")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .callback_urls(CALLBACK)
        .logout_urls(SIGNED_OUT)
        .supported_identity_providers("COGNITO");
    for (name, details) in providers {
        saml_provider(&sdk, &site.pool, name, details).await;
        client = client.supported_identity_providers(*name);
    }
    let client_id = client
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    SamlSite { site, client_id }
}

impl SamlSite {
    fn authorize_url(&self, provider: &str) -> String {
        self.site.authorize_url(&[
            ("client_id", &self.client_id),
            ("identity_provider", provider),
            ("scope", "openid email profile"),
            ("state", "app-state"),
        ])
    }

    /// What every IdP job needs to know about this SP.
    fn job(&self, kind: &str, more: Value) -> Value {
        let mut job = json!({
            "kind": kind,
            "spEntityId": format!("urn:amazon:cognito:sp:{}", self.site.pool),
            "acsUrl": self.site.url("/saml2/idpresponse"),
            "sloUrl": self.site.url("/saml2/logout"),
            "nameId": NAME_ID,
            "attributes": {
                EMAIL: [NAME_ID],
                "displayName": ["Carlos Salazar"],
                "groups": ["admins", "dev"],
            },
        });
        for (key, value) in more.as_object().unwrap() {
            job[key] = value.clone();
        }
        job
    }

    /// `/oauth2/authorize` with the provider: the IdP URL the browser is sent to.
    async fn start(&self, browser: &reqwest::Client, provider: &str) -> String {
        let to = location(
            &browser
                .get(self.authorize_url(provider))
                .send()
                .await
                .unwrap(),
        );
        assert!(to.starts_with("https://idp.example.com/saml/sso?"), "{to}");
        to
    }

    /// The IdP's answer to the AuthnRequest at `idp_url`.
    fn answer(&self, idp_url: &str, more: Value) -> Value {
        let mut more = more;
        more["authnRequestUrl"] = json!(idp_url);
        idp(&self.job("login", more))
    }

    /// Posts a Response to `/saml2/idpresponse`, as the IdP's auto-submitting form does.
    async fn post(&self, browser: &reqwest::Client, answer: &Value) -> reqwest::Response {
        let mut form = vec![("SAMLResponse", answer["SAMLResponse"].as_str().unwrap())];
        if let Some(relay) = answer["RelayState"].as_str() {
            form.push(("RelayState", relay));
        }
        browser
            .post(self.site.url("/saml2/idpresponse"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// A full SP-initiated sign-in; the app's callback URL.
    async fn sign_in(&self, browser: &reqwest::Client, provider: &str, more: Value) -> String {
        let idp_url = self.start(browser, provider).await;
        let answer = self.answer(&idp_url, more);
        location(&self.post(browser, &answer).await)
    }

    async fn tokens(&self, server: &TestServer, callback: &str) -> Value {
        let params = params_of(callback);
        let code = params.get("code").unwrap_or_else(|| panic!("{callback}"));
        let answer = token_request(
            server,
            &self.site,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &self.client_id),
                ("code", code),
                ("redirect_uri", CALLBACK),
            ],
            None,
        )
        .await;
        assert_eq!(answer.0, 200, "{:?}", answer.2);
        answer.2
    }

    async fn federated_users(&self, sdk: &Client) -> Vec<String> {
        sdk.list_users()
            .user_pool_id(&self.site.pool)
            .send()
            .await
            .unwrap()
            .users
            .unwrap_or_default()
            .into_iter()
            .filter_map(|u| u.username)
            .filter(|name| name != &self.site.username)
            .collect()
    }
}

/// The app's callback carrying an error: `(error, error_description)`.
fn callback_error(callback: &str) -> (String, String) {
    assert!(callback.starts_with(CALLBACK), "{callback}");
    let params = params_of(callback);
    assert!(!params.contains_key("code"), "{callback}");
    assert_eq!(params.get("state").map(String::as_str), Some("app-state"));
    (
        params.get("error").cloned().unwrap_or_default(),
        params.get("error_description").cloned().unwrap_or_default(),
    )
}

fn attribute(
    user: &aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput,
    name: &str,
) -> Option<String> {
    user.user_attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value().map(str::to_owned))
}

on_both_backends!(
    sp_initiated_sign_in_makes_the_federated_user,
    dev = true,
    |server| {
        if !samlify_ready() {
            return;
        }
        let saml = saml_site(server, &[(PROVIDER, &[])]).await;
        let sdk = server.client();
        let browser = saml.site.browser(server);

        // samlify reads Cognate's AuthnRequest (unsigned: no RequestSigningAlgorithm) ...
        let idp_url = saml.start(&browser, PROVIDER).await;
        let answer = saml.answer(&idp_url, json!({}));
        let request = &answer["request"];
        assert_eq!(
            request["issuer"],
            format!("urn:amazon:cognito:sp:{}", saml.site.pool)
        );
        assert_eq!(
            request["request"]["assertionConsumerServiceUrl"],
            saml.site.url("/saml2/idpresponse")
        );
        // ... and its signed assertion signs the user in.
        let callback = location(&saml.post(&browser, &answer).await);
        assert!(callback.starts_with(CALLBACK), "{callback}");
        assert_eq!(params_of(&callback)["state"], "app-state");
        let tokens = saml.tokens(server, &callback).await;
        let id = claims(tokens["id_token"].as_str().unwrap());
        let identity = &id["identities"][0];
        assert_eq!(identity["providerName"], PROVIDER);
        assert_eq!(identity["providerType"], "SAML");
        assert_eq!(identity["userId"], NAME_ID);
        assert_eq!(identity["issuer"], IDP_ENTITY);
        assert_eq!(identity["primary"], "true");
        let username = id["cognito:username"].as_str().unwrap().to_owned();
        assert!(
            username.eq_ignore_ascii_case(&format!("{PROVIDER}_{NAME_ID}")),
            "{username}"
        );
        let group = format!("{}_{PROVIDER}", saml.site.pool);
        assert!(
            id["cognito:groups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == &json!(group)),
            "{id}"
        );
        let user = sdk
            .admin_get_user()
            .user_pool_id(&saml.site.pool)
            .username(&username)
            .send()
            .await
            .unwrap();
        assert_eq!(user.user_status().unwrap().as_str(), "EXTERNAL_PROVIDER");
        assert_eq!(attribute(&user, "email").as_deref(), Some(NAME_ID));
        assert_eq!(attribute(&user, "name").as_deref(), Some("Carlos Salazar"));
        assert_eq!(
            attribute(&user, "nickname").as_deref(),
            Some("[admins,dev]")
        );

        // The second sign-in (a signed Response this time) re-applies the mapping to the same user.
        let callback = saml
        .sign_in(
            &browser,
            PROVIDER,
            json!({"sign": "response", "attributes": {EMAIL: [NAME_ID], "displayName": ["Carlos S."]}}),
        )
        .await;
        let again = claims(
            saml.tokens(server, &callback).await["id_token"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(again["sub"], id["sub"]);
        let user = sdk
            .admin_get_user()
            .user_pool_id(&saml.site.pool)
            .username(&username)
            .send()
            .await
            .unwrap();
        assert_eq!(attribute(&user, "name").as_deref(), Some("Carlos S."));
        // A mapped attribute the IdP no longer sends is kept.
        assert_eq!(
            attribute(&user, "nickname").as_deref(),
            Some("[admins,dev]")
        );
        assert_eq!(saml.federated_users(&sdk).await.len(), 1);
    }
);

on_both_backends!(
    signed_requests_and_encrypted_assertions,
    dev = true,
    |server| {
        if !samlify_ready() {
            return;
        }
        let saml = saml_site(
            server,
            &[(
                "Secure",
                &[
                    ("EncryptedResponses", "true"),
                    ("RequestSigningAlgorithm", "rsa-sha256"),
                ],
            )],
        )
        .await;
        let sdk = server.client();
        let signing = sdk
            .get_signing_certificate()
            .user_pool_id(&saml.site.pool)
            .send()
            .await
            .unwrap()
            .certificate
            .unwrap();
        let encryption = sdk
            .describe_identity_provider()
            .user_pool_id(&saml.site.pool)
            .provider_name("Secure")
            .send()
            .await
            .unwrap()
            .identity_provider
            .unwrap()
            .provider_details
            .unwrap()["ActiveEncryptionCertificate"]
            .clone();
        let browser = saml.site.browser(server);

        // A plain assertion is refused when the provider wants them encrypted.
        let idp_url = saml.start(&browser, "Secure").await;
        let plain = saml.answer(&idp_url, json!({"spCertificate": signing}));
        let (error, description) = callback_error(&location(&saml.post(&browser, &plain).await));
        assert_eq!(
            (error.as_str(), description.as_str()),
            (
                "server_error",
                "Invalid SAML response received: The assertion must be encrypted."
            )
        );
        assert!(saml.federated_users(&sdk).await.is_empty());

        // samlify checks the AuthnRequest's RSA-SHA256 signature with GetSigningCertificate's
        // certificate and encrypts for ActiveEncryptionCertificate; Cognate decrypts.
        let idp_url = saml.start(&browser, "Secure").await;
        assert!(idp_url.contains("SigAlg="), "{idp_url}");
        let answer = saml.answer(
            &idp_url,
            json!({"spCertificate": signing, "encryptCertificate": encryption}),
        );
        let callback = location(&saml.post(&browser, &answer).await);
        let id = claims(
            saml.tokens(server, &callback).await["id_token"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(id["identities"][0]["providerName"], "Secure");
        assert_eq!(id["email"], NAME_ID);
    }
);

on_both_backends!(idp_initiated_sign_in, dev = true, |server| {
    if !samlify_ready() {
        return;
    }
    let saml = saml_site(
        server,
        &[(PROVIDER, &[("IDPInit", "true")]), ("NoInit", &[])],
    )
    .await;
    let sdk = server.client();
    let browser = saml.site.browser(server);
    let relay = |provider: &str| {
        format!(
            "identity_provider={provider}&client_id={}&redirect_uri={}&response_type=code&scope=openid+email&state=app-state",
            saml.client_id,
            urlencoding(CALLBACK)
        )
    };

    // Unsolicited, to a provider without IDPInit: Cognito's refusal, nothing made.
    let answer = idp(&saml.job("login", json!({"relayState": relay("NoInit")})));
    let (error, description) = callback_error(&location(&saml.post(&browser, &answer).await));
    assert_eq!(
        (error.as_str(), description.as_str()),
        (
            "invalid_request",
            "Invalid samlResponse or relayState from identity provider"
        )
    );
    // Without a RelayState no app is known: a page.
    let answer = idp(&saml.job("login", json!({})));
    let page = saml.post(&browser, &answer).await;
    assert_eq!(page.status(), 400);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Invalid relayState from identity provider")
    );
    assert!(saml.federated_users(&sdk).await.is_empty());

    // With IDPInit: straight to the app with a code.
    let answer = idp(&saml.job("login", json!({"relayState": relay(PROVIDER)})));
    let callback = location(&saml.post(&browser, &answer).await);
    assert_eq!(params_of(&callback)["state"], "app-state");
    let id = claims(
        saml.tokens(server, &callback).await["id_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["identities"][0]["providerType"], "SAML");

    // The same Response again is refused.
    let (error, description) = callback_error(&location(&saml.post(&browser, &answer).await));
    assert_eq!(
        (error.as_str(), description.as_str()),
        (
            "server_error",
            "Invalid SAML response received: The assertion has already been used."
        )
    );
});

on_both_backends!(
    an_assertion_is_spent_once_across_nodes,
    dev = true,
    |server| {
        if !samlify_ready() {
            return;
        }
        let saml = saml_site(server, &[(PROVIDER, &[("IDPInit", "true")])]).await;
        let sdk = server.client();
        let relay = format!(
            "identity_provider={PROVIDER}&client_id={}&redirect_uri={}&response_type=code",
            saml.client_id,
            urlencoding(CALLBACK)
        );
        let answer = idp(&saml.job("login", json!({"relayState": relay})));
        let node = server.second_node().await;
        let host = saml.site.host();
        let mut posts = Vec::new();
        for i in 0..30 {
            let addr = if i % 2 == 0 {
                server.server.addr
            } else {
                node.server.addr
            };
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .resolve(&host, addr)
                .build()
                .unwrap();
            let url = format!("http://{host}:{}/saml2/idpresponse", addr.port());
            let form = [
                (
                    "SAMLResponse",
                    answer["SAMLResponse"].as_str().unwrap().to_owned(),
                ),
                ("RelayState", relay.clone()),
            ];
            posts.push(tokio::spawn(async move {
                location(&client.post(url).form(&form).send().await.unwrap())
            }));
        }
        let mut codes = 0;
        for post in posts {
            let callback = post.await.unwrap();
            if params_of(&callback).contains_key("code") {
                codes += 1;
            } else {
                assert_eq!(
                    params_of(&callback)["error_description"],
                    "Invalid SAML response received: The assertion has already been used."
                );
            }
        }
        assert_eq!(codes, 1, "one Response signed in more than once");
        assert_eq!(saml.federated_users(&sdk).await.len(), 1);
        node.stop().await;
    }
);

on_both_backends!(single_logout_goes_through_the_idp, dev = true, |server| {
    if !samlify_ready() {
        return;
    }
    let saml = saml_site(server, &[(PROVIDER, &[("IDPSignout", "true")])]).await;
    let sdk = server.client();
    let signing = sdk
        .get_signing_certificate()
        .user_pool_id(&saml.site.pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    let browser = saml.site.browser(server);
    let callback = saml.sign_in(&browser, PROVIDER, json!({})).await;
    assert!(params_of(&callback).contains_key("code"), "{callback}");
    let answer_session = |url: &str| {
        idp(&saml.job(
            "logout",
            json!({"logoutRequestUrl": url, "spCertificate": signing}),
        ))
    };

    // /logout sends the browser to the IdP with a LogoutRequest signed by the pool's key,
    // naming the user the IdP signed in.
    let mut logout = reqwest::Url::parse(&saml.site.url("/logout")).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("client_id", &saml.client_id)
        .append_pair("logout_uri", SIGNED_OUT)
        .append_pair("state", "bye");
    let to = location(&browser.get(logout.as_str()).send().await.unwrap());
    assert!(to.starts_with("https://idp.example.com/saml/slo?"), "{to}");
    assert!(to.contains("Signature="), "{to}");
    let answer = answer_session(&to);
    assert_eq!(answer["request"]["nameID"], NAME_ID);

    // The IdP's LogoutResponse finishes the logout at the app's sign-out URL.
    let form = [
        ("SAMLResponse", answer["SAMLResponse"].as_str().unwrap()),
        ("RelayState", answer["RelayState"].as_str().unwrap()),
    ];
    let done = browser
        .post(saml.site.url("/saml2/logout"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let to = location(&done);
    assert!(to.starts_with(SIGNED_OUT), "{to}");
    assert_eq!(params_of(&to)["state"], "bye");
    // Once only.
    let again = browser
        .post(saml.site.url("/saml2/logout"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    // The hosted session is over: authorize asks for a sign-in again.
    let to = location(
        &browser
            .get(saml.site.authorize_url(&[]))
            .send()
            .await
            .unwrap(),
    );
    assert!(to.starts_with("/login?"), "{to}");
    // An IdP-initiated LogoutRequest is not taken.
    let page = browser
        .post(saml.site.url("/saml2/logout"))
        .form(&[("SAMLRequest", "PHNhbWxwOkxvZ291dFJlcXVlc3QvPg==")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    // The ACS takes POST only.
    let page = browser
        .get(saml.site.url("/saml2/idpresponse"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 405);
});

on_both_backends!(
    attacks_are_refused_with_nothing_created,
    dev = true,
    |server| {
        if !samlify_ready() {
            return;
        }
        let saml = saml_site(server, &[(PROVIDER, &[])]).await;
        let sdk = server.client();
        let browser = saml.site.browser(server);
        let spoofed = "alice@example.com";
        let signature = "Invalid SAML response received: SAML Assertion signature is invalid.";
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "unsigned assertion",
                json!({"attack": "unsigned"}),
                signature,
            ),
            ("another key", json!({"keys": "other-idp"}), signature),
            (
                "wrapping",
                json!({"attack": "wrapping"}),
                "Invalid SAML response received: The SAML response must contain exactly one assertion.",
            ),
            (
                "comment in NameID",
                json!({"attack": "comment", "nameId": format!("{spoofed}.evil.com"), "commentAfter": spoofed}),
                "Invalid SAML response received: comments and processing instructions are not allowed",
            ),
            (
                "wrong audience",
                json!({"audience": "urn:amazon:cognito:sp:us-east-1_Other"}),
                "Invalid SAML response received: Audience does not match the service provider.",
            ),
            (
                "wrong recipient",
                json!({"recipient": "https://evil.example.com/saml2/idpresponse"}),
                "Invalid SAML response received: Recipient does not match the ACS URL.",
            ),
            (
                "wrong destination",
                json!({"destination": "https://evil.example.com/saml2/idpresponse"}),
                "Invalid SAML response received: Destination does not match the ACS URL.",
            ),
            (
                "expired",
                json!({"ageSeconds": 900}),
                "Invalid SAML response received: The assertion has expired.",
            ),
            (
                "not yet valid",
                json!({"ageSeconds": -900}),
                "Invalid SAML response received: The assertion is not yet valid.",
            ),
            (
                "missing InResponseTo",
                json!({"inResponseTo": null}),
                "Invalid SAML response received: InResponseTo is missing.",
            ),
            (
                "foreign InResponseTo",
                json!({"inResponseTo": "_another-request"}),
                "Invalid SAML response received: InResponseTo does not match the request.",
            ),
        ];
        for (name, more, expected) in cases {
            let callback = saml.sign_in(&browser, PROVIDER, more).await;
            let (error, description) = callback_error(&callback);
            assert_eq!(
                (error.as_str(), description.as_str()),
                ("server_error", expected),
                "{name}"
            );
            assert!(saml.federated_users(&sdk).await.is_empty(), "{name}");
        }

        // A genuine Response posted twice: the flow is spent, the second gets a page.
        let idp_url = saml.start(&browser, PROVIDER).await;
        let answer = saml.answer(&idp_url, json!({}));
        let first = location(&saml.post(&browser, &answer).await);
        assert!(params_of(&first).contains_key("code"), "{first}");
        let replay = saml.post(&browser, &answer).await;
        assert_eq!(replay.status(), 400);
        // Another browser cannot finish this browser's flow.
        let idp_url = saml.start(&browser, PROVIDER).await;
        let answer = saml.answer(&idp_url, json!({}));
        let stranger = saml.site.browser(server);
        assert_eq!(saml.post(&stranger, &answer).await.status(), 400);
        assert_eq!(saml.federated_users(&sdk).await.len(), 1);
    }
);

on_both_backends!(email_domain_discovery, dev = true, |server| {
    if !samlify_ready() {
        return;
    }
    let saml = saml_site(server, &[(PROVIDER, &[])]).await;
    let sdk = server.client();
    let browser = saml.site.browser(server);
    let page_query = url_form(&[
        ("client_id", &saml.client_id),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "app-state"),
    ]);
    let login_page = |browser: reqwest::Client, url: String| async move {
        browser.get(url).send().await.unwrap().text().await.unwrap()
    };
    // A SAML provider without IdpIdentifiers: buttons, no email box.
    let page = login_page(
        browser.clone(),
        saml.site.url(&format!("/login?{page_query}")),
    )
    .await;
    assert!(!page.contains("/login/discover"), "{page}");

    sdk.update_identity_provider()
        .user_pool_id(&saml.site.pool)
        .provider_name(PROVIDER)
        .idp_identifiers("corp.example")
        .send()
        .await
        .unwrap();
    let page = login_page(
        browser.clone(),
        saml.site.url(&format!("/login?{page_query}")),
    )
    .await;
    assert!(page.contains("action=\"/login/discover\""), "{page}");

    // An email of the provider's domain goes to it (by idp_identifier) and signs in there.
    let to = location(
        &browser
            .get(saml.site.url(&format!(
                "/login/discover?{page_query}&{}",
                url_form(&[("email", "Carlos@Corp.Example")])
            )))
            .send()
            .await
            .unwrap(),
    );
    assert!(to.starts_with("/oauth2/authorize?"), "{to}");
    assert_eq!(
        params_of(&saml.site.url(&to))["idp_identifier"],
        "Corp.Example"
    );
    let idp_url = location(&browser.get(saml.site.url(&to)).send().await.unwrap());
    assert!(
        idp_url.starts_with("https://idp.example.com/saml/sso?"),
        "{idp_url}"
    );
    let answer = saml.answer(&idp_url, json!({}));
    let callback = location(&saml.post(&browser, &answer).await);
    assert_eq!(params_of(&callback)["state"], "app-state");
    assert!(params_of(&callback).contains_key("code"), "{callback}");

    // Any other email signs in with a password, the email filled in.
    let to = location(
        &browser
            .get(saml.site.url(&format!(
                "/login/discover?{page_query}&{}",
                url_form(&[("email", "alice@example.com")])
            )))
            .send()
            .await
            .unwrap(),
    );
    assert!(to.starts_with("/login?"), "{to}");
    assert_eq!(
        params_of(&saml.site.url(&to))["username"],
        "alice@example.com"
    );
    let page = login_page(browser.clone(), saml.site.url(&to)).await;
    assert!(page.contains("value=\"alice@example.com\""), "{page}");
});

on_both_backends!(
    refusals_reach_the_app_with_nothing_created,
    dev = true,
    |server| {
        use crate::support::sinks::arn;
        use aws_sdk_cognitoidentityprovider::types::LambdaConfigType;
        if !samlify_ready() {
            return;
        }
        let saml = saml_site(server, &[(PROVIDER, &[])]).await;
        let sdk = server.client();
        saml_provider(&sdk, &saml.site.pool, "Elsewhere", &[]).await;
        let browser = saml.site.browser(server);

        // A provider the client may not use: Cognito's page, nothing sent anywhere.
        let page = browser
            .get(saml.authorize_url("Elsewhere"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 400);
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("Login option is not available. Please try another one.")
        );

        // A mapped value longer than Cognito allows.
        let long = "x".repeat(2049);
        let callback = saml
            .sign_in(
                &browser,
                PROVIDER,
                json!({"attributes": {EMAIL: [NAME_ID], "displayName": [long]}}),
            )
            .await;
        assert_eq!(
        callback_error(&callback),
        (
            "server_error".to_owned(),
            "Invalid SAML response received: The value of the attribute name must have a length less than or equal to 2048 characters".to_owned()
        )
    );

        // A PreSignUp function that refuses: its text reaches the app.
        sdk.update_user_pool()
            .user_pool_id(&saml.site.pool)
            .lambda_config(
                LambdaConfigType::builder()
                    .pre_sign_up(arn("pre-sign-up"))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        server.triggers.on("pre-sign-up", |_| {
            (400, json!({"errorMessage": "No strangers"}).to_string())
        });
        let callback = saml.sign_in(&browser, PROVIDER, json!({})).await;
        assert_eq!(
            callback_error(&callback),
            (
                "invalid_request".to_owned(),
                "PreSignUp failed with error No strangers. ".to_owned()
            )
        );
        let call = &server.triggers.calls("pre-sign-up")[0].event;
        assert_eq!(call["triggerSource"], "PreSignUp_ExternalProvider");
        assert_eq!(call["request"]["userAttributes"]["email"], NAME_ID);
        assert!(saml.federated_users(&sdk).await.is_empty());
    }
);

on_both_backends!(
    a_linked_saml_identity_signs_in_as_the_local_user,
    dev = true,
    |server| {
        use aws_sdk_cognitoidentityprovider::types::ProviderUserIdentifierType;
        if !samlify_ready() {
            return;
        }
        let saml = saml_site(server, &[(PROVIDER, &[])]).await;
        let sdk = server.client();
        // Linked by a mapped attribute (SAML and OIDC may link by one): the email.
        sdk.admin_link_provider_for_user()
            .user_pool_id(&saml.site.pool)
            .destination_user(
                ProviderUserIdentifierType::builder()
                    .provider_name("Cognito")
                    .provider_attribute_value(&saml.site.username)
                    .build(),
            )
            .source_user(
                ProviderUserIdentifierType::builder()
                    .provider_name(PROVIDER)
                    .provider_attribute_name("email")
                    .provider_attribute_value(NAME_ID)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let local = sdk
            .admin_get_user()
            .user_pool_id(&saml.site.pool)
            .username(&saml.site.username)
            .send()
            .await
            .unwrap();
        let browser = saml.site.browser(server);
        let callback = saml.sign_in(&browser, PROVIDER, json!({})).await;
        let id = claims(
            saml.tokens(server, &callback).await["id_token"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(id["sub"].as_str(), attribute(&local, "sub").as_deref());
        assert_eq!(id["cognito:username"], saml.site.username.as_str());
        assert_eq!(id["identities"][0]["providerType"], "SAML");
        assert!(
            id.get("cognito:groups").is_none(),
            "no auto group for linked users"
        );
        assert!(saml.federated_users(&sdk).await.is_empty());
        // The mapping was applied to the local user.
        let local = sdk
            .admin_get_user()
            .user_pool_id(&saml.site.pool)
            .username(&saml.site.username)
            .send()
            .await
            .unwrap();
        assert_eq!(attribute(&local, "name").as_deref(), Some("Carlos Salazar"));
    }
);

fn urlencoding(text: &str) -> String {
    url_form(&[("x", text)])[2..].to_owned()
}

fn url_form(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://x/").unwrap();
    url.query_pairs_mut().extend_pairs(pairs.iter());
    url.query().unwrap_or_default().to_owned()
}
