//! The hosted pages over plain HTTP: their security headers and CSRF defence, the
//! new-password page, the confirmation link, and branding (classic UI customization and
//! managed login branding styles) stored and applied. The browser test (`browser.rs`) drives
//! the same pages in Chromium.

use aws_sdk_cognitoidentityprovider::primitives::Blob;
use aws_sdk_cognitoidentityprovider::types::MessageActionType;
use serde_json::json;

use crate::support::flows::attr;
use crate::support::hosted::{
    CALLBACK, PASSWORD, SiteOptions, field_error, form_of, location, params_of, site, unescape,
};
use crate::support::{TestServer, error_of};

/// The smallest PNG: the signature and an IHDR chunk are all the server looks at.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn page(browser: &reqwest::Client, url: &str) -> (reqwest::header::HeaderMap, String) {
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let headers = response.headers().clone();
    (headers, response.text().await.unwrap())
}

crate::on_both_backends!(
    pages_send_security_headers_and_refuse_forged_posts,
    |server| {
        let site = site(server, SiteOptions::default()).await;
        let browser = site.browser(server);
        let response = browser.get(site.authorize_url(&[])).send().await.unwrap();
        let login = location(&response);
        let (headers, html) = page(&browser, &site.url(&login)).await;
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        // Forms post to the domain, whose answer redirects to the client's callback.
        assert!(
            csp.contains("form-action 'self' https://app.example.com"),
            "{csp}"
        );
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "same-origin");
        assert_eq!(headers["cache-control"], "no-store");
        let cookie = headers["set-cookie"].to_str().unwrap();
        assert!(cookie.starts_with("cognate_csrf="), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        // Labelled inputs, and the page's stylesheet.
        assert!(html.contains("<label class=\"label-customizable\" for=\"username\">Username"));
        assert!(html.contains("<label class=\"label-customizable\" for=\"password\">Password"));
        assert!(html.contains("href=\"/static/cognate.css?v="));
        let css = browser
            .get(site.url("/static/cognate.css"))
            .send()
            .await
            .unwrap();
        assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");

        // A form posted from another origin is refused, even with the right token.
        let form = form_of(&html, &[("username", "alice"), ("password", PASSWORD)]);
        let forged = browser
            .post(site.url("/login"))
            .header("origin", "https://evil.example.com")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 200);
        let text = forged.text().await.unwrap();
        assert!(
            text.contains("This page expired. Please try again."),
            "{text}"
        );
        // A token from another browser (another CSRF cookie) is refused too.
        let other = site.browser(server);
        let (_, other_html) = page(&other, &site.url(&login)).await;
        let stolen = form_of(
            &other_html,
            &[("username", "alice"), ("password", PASSWORD)],
        );
        let answer = browser
            .post(site.url("/login"))
            .form(&stolen)
            .send()
            .await
            .unwrap();
        assert!(
            answer
                .text()
                .await
                .unwrap()
                .contains("This page expired. Please try again.")
        );
        // From its own origin, with its own token, it signs in.
        let signed_in = browser
            .post(site.url("/login"))
            .header("origin", site.base.as_str())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(location(&signed_in).starts_with(CALLBACK));

        // Empty fields get their own messages, next to the fields.
        let (_, html) = page(&browser, &site.url(&login)).await;
        let answer = browser
            .post(site.url("/login"))
            .form(&form_of(&html, &[("username", ""), ("password", "")]))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            field_error(&answer, "username").as_deref(),
            Some("Enter your username.")
        );
        assert_eq!(
            field_error(&answer, "password").as_deref(),
            Some("Enter your password.")
        );
        // A redirect URI the client does not have is an error page, never a redirect.
        let response = browser
            .get(site.url(&format!(
                "/login?response_type=code&client_id={}&redirect_uri=https://evil.example.com/cb",
                site.client_id
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert!(response.headers().get("location").is_none());
    }
);

crate::on_both_backends!(
    a_temporary_password_is_replaced_on_the_new_password_page,
    |server| {
        let site = site(server, SiteOptions::default()).await;
        let sdk = server.client();
        sdk.admin_create_user()
            .user_pool_id(&site.pool)
            .username("erin")
            .temporary_password("Temporary-1!")
            .user_attributes(attr("email", "erin@example.com"))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let browser = site.browser(server);
        let response = browser.get(site.authorize_url(&[])).send().await.unwrap();
        let login = location(&response);
        let (_, html) = page(&browser, &site.url(&login)).await;
        let answer = browser
            .post(site.url("/login"))
            .form(&form_of(
                &html,
                &[("username", "erin"), ("password", "Temporary-1!")],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let html = answer.text().await.unwrap();
        assert!(html.contains("Choose a new password"), "{html}");
        assert!(html.contains("action=\"/newPassword\""));

        // A policy failure and a mismatch, each next to its field.
        let answer = browser
            .post(site.url("/newPassword"))
            .form(&form_of(
                &html,
                &[("password", "short"), ("password_confirm", "other")],
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            field_error(&answer, "password").as_deref(),
            Some("The password must be at least 8 characters long.")
        );
        assert_eq!(
            field_error(&answer, "password_confirm").as_deref(),
            Some("The passwords do not match.")
        );
        let good = form_of(
            &answer,
            &[
                ("password", "Brand-new-pass-1!"),
                ("password_confirm", "Brand-new-pass-1!"),
            ],
        );
        let done = browser
            .post(site.url("/newPassword"))
            .form(&good)
            .send()
            .await
            .unwrap();
        let to = location(&done);
        assert!(to.starts_with(CALLBACK), "{to}");
        assert!(params_of(&to).contains_key("code"));
        let user = sdk
            .admin_get_user()
            .user_pool_id(&site.pool)
            .username("erin")
            .send()
            .await
            .unwrap();
        assert_eq!(user.user_status.unwrap().as_str(), "CONFIRMED");
        // The page's challenge is spent: posting it again starts over.
        let again = browser
            .post(site.url("/newPassword"))
            .form(&good)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            again.contains("This page expired. Please sign in again."),
            "{again}"
        );
    }
);

crate::on_both_backends!(
    a_confirmation_link_confirms_only_when_its_button_is_pressed,
    |server| {
        let site = site(server, SiteOptions::default()).await;
        let sdk = server.client();
        sdk.sign_up()
            .client_id(&site.client_id)
            .username("gina")
            .password(PASSWORD)
            .user_attributes(attr("email", "gina@example.com"))
            .send()
            .await
            .unwrap();
        let code = server
            .mail
            .mail_to("gina@example.com")
            .await
            .code(6)
            .unwrap();
        let browser = site.browser(server);
        let link = |code: &str| {
            site.url(&format!(
                "/confirmUser?client_id={}&user_name=gina&confirmation_code={code}",
                site.client_id
            ))
        };
        let status = || async {
            sdk.admin_get_user()
                .user_pool_id(&site.pool)
                .username("gina")
                .send()
                .await
                .unwrap()
                .user_status
                .unwrap()
                .as_str()
                .to_owned()
        };
        // Following the link (as a mail scanner would) changes nothing.
        let (_, html) = page(&browser, &link("000000")).await;
        assert!(html.contains("Confirm my account"));
        assert_eq!(status().await, "UNCONFIRMED");
        let answer = browser
            .post(site.url("/confirmUser"))
            .form(&form_of(&html, &[]))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            answer.contains("This confirmation link is not valid any more. Ask for a new one."),
            "{answer}"
        );
        assert_eq!(status().await, "UNCONFIRMED");

        let (_, html) = page(&browser, &link(&code)).await;
        let answer = browser
            .post(site.url("/confirmUser"))
            .form(&form_of(&html, &[]))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(answer.contains("Your account is confirmed."), "{answer}");
        assert_eq!(status().await, "CONFIRMED");
        // An unknown client is an error page.
        let response = browser
            .get(site.url("/confirmUser?client_id=nope&user_name=gina&confirmation_code=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
    }
);

crate::on_both_backends!(ui_customization_is_stored_and_applied, |server| {
    let sdk = server.client();
    // A pool without a domain cannot be customized.
    let bare = sdk
        .create_user_pool()
        .pool_name("bare")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let refused = sdk
        .set_ui_customization()
        .user_pool_id(&bare)
        .css(".banner-customizable { background-color: #000000; }")
        .send()
        .await;
    assert_eq!(
        error_of(refused),
        (
            "InvalidParameterException".to_owned(),
            "There has to be an existing domain associated with this user pool".to_owned()
        )
    );

    let site = site(server, SiteOptions::default()).await;
    for (css, message) in [
        (
            ".banner-customizable { background: url(https://evil.example.com/x.png); }",
            "Invalid CSS: \"url(\" is not allowed.",
        ),
        (
            "@import 'x.css';",
            "Invalid CSS: \"@import\" is not allowed.",
        ),
        (
            ".submitButton-customizable { color: red; ",
            "Invalid CSS: the rules are not balanced.",
        ),
    ] {
        let refused = sdk
            .set_ui_customization()
            .user_pool_id(&site.pool)
            .css(css)
            .send()
            .await;
        assert_eq!(
            error_of(refused),
            ("InvalidParameterException".to_owned(), message.to_owned()),
            "{css}"
        );
    }
    let refused = sdk
        .set_ui_customization()
        .user_pool_id(&site.pool)
        .image_file(Blob::new(b"GIF89a".to_vec()))
        .send()
        .await;
    assert_eq!(
        error_of(refused),
        (
            "InvalidParameterException".to_owned(),
            "The image file must be a PNG or JPEG image.".to_owned()
        )
    );

    let css = ".submitButton-customizable { background-color: #7a1fa2; }";
    let set = sdk
        .set_ui_customization()
        .user_pool_id(&site.pool)
        .css(css)
        .image_file(Blob::new(PNG.to_vec()))
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(set.client_id.as_deref(), Some("ALL"));
    assert_eq!(set.css.as_deref(), Some(css));
    assert_eq!(set.css_version.as_deref(), Some("1"));
    let image_url = set.image_url.unwrap();
    assert!(image_url.starts_with(&site.base), "{image_url}");

    // The client has none of its own, so the pool's applies; the page links it.
    let got = sdk
        .get_ui_customization()
        .user_pool_id(&site.pool)
        .client_id(&site.client_id)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(got.css.as_deref(), Some(css));
    let browser = site.browser(server);
    let response = browser.get(site.authorize_url(&[])).send().await.unwrap();
    let (_, html) = page(&browser, &site.url(&location(&response))).await;
    let sheet = "/ui/custom.css?client_id=ALL&v=1";
    assert!(unescape(&html).contains(sheet), "{html}");
    assert!(
        unescape(&html).contains("src=\"/ui/logo?client_id=ALL&v=1\""),
        "{html}"
    );
    let served = browser.get(site.url(sheet)).send().await.unwrap();
    assert_eq!(served.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(served.text().await.unwrap(), css);
    let logo = browser.get(&image_url).send().await.unwrap();
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert_eq!(logo.bytes().await.unwrap().as_ref(), PNG);

    // A client's own customization wins over the pool's, and versions count up.
    let own = ".banner-customizable { background-color: #123456; }";
    let set = sdk
        .set_ui_customization()
        .user_pool_id(&site.pool)
        .client_id(&site.client_id)
        .css(own)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(set.client_id.as_deref(), Some(site.client_id.as_str()));
    let response = browser.get(site.authorize_url(&[])).send().await.unwrap();
    let (_, html) = page(&browser, &site.url(&location(&response))).await;
    assert!(
        unescape(&html).contains(&format!("/ui/custom.css?client_id={}&v=1", site.client_id)),
        "{html}"
    );
    let unknown = sdk
        .get_ui_customization()
        .user_pool_id(&site.pool)
        .client_id("nosuchclient1234567890abcd")
        .send()
        .await;
    assert_eq!(error_of(unknown).0, "ResourceNotFoundException");
});

async fn call(
    server: &TestServer,
    target: &str,
    body: serde_json::Value,
) -> crate::support::RawResponse {
    server.raw(Some(target), &body.to_string(), true).await
}

crate::on_both_backends!(managed_login_branding_styles, |server| {
    let site = site(server, SiteOptions::default()).await;
    let settings = json!({
        "components": {
            "primaryButton": {
                "lightMode": { "defaults": { "backgroundColor": "c0392bff", "textColor": "ffffffff" } }
            },
            "pageBackground": { "lightMode": { "color": "fdf2e9ff" } }
        }
    });
    let created = call(
        server,
        "CreateManagedLoginBranding",
        json!({ "UserPoolId": site.pool, "ClientId": site.client_id, "Settings": settings }),
    )
    .await;
    assert_eq!(created.status, 200, "{:?}", created.json);
    let style = &created.json["ManagedLoginBranding"];
    let id = style["ManagedLoginBrandingId"].as_str().unwrap().to_owned();
    assert_eq!(style["UserPoolId"], site.pool);
    assert_eq!(style["UseCognitoProvidedValues"], false);
    assert_eq!(style["Settings"], settings);

    call(
        server,
        "CreateManagedLoginBranding",
        json!({ "UserPoolId": site.pool, "ClientId": site.client_id, "UseCognitoProvidedValues": true }),
    )
    .await
    .assert_error(
        400,
        "ManagedLoginBrandingExistsException",
        "A managed login branding style already exists for this app client.",
    );
    call(
        server,
        "CreateManagedLoginBranding",
        json!({ "UserPoolId": site.pool, "ClientId": site.client_id, "UseCognitoProvidedValues": true, "Settings": {} }),
    )
    .await
    .assert_error(
        400,
        "InvalidParameterException",
        "Settings and Assets must not be given when UseCognitoProvidedValues is true.",
    );

    let by_client = call(
        server,
        "DescribeManagedLoginBrandingByClient",
        json!({ "UserPoolId": site.pool, "ClientId": site.client_id }),
    )
    .await;
    assert_eq!(
        by_client.json["ManagedLoginBranding"]["ManagedLoginBrandingId"],
        id
    );

    // The branding applies on a domain of managed login version 2.
    let sdk = server.client();
    sdk.update_user_pool_domain()
        .user_pool_id(&site.pool)
        .domain(&site.prefix)
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    let browser = site.browser(server);
    let response = browser.get(site.authorize_url(&[])).send().await.unwrap();
    let (_, html) = page(&browser, &site.url(&location(&response))).await;
    let sheet = format!("/ui/branding/{id}/style.css?v=1");
    assert!(html.contains(&sheet), "{html}");
    let css = browser
        .get(site.url(&sheet))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains("--button-bg: #c0392bff;"), "{css}");
    assert!(css.contains("--page-bg: #fdf2e9ff;"), "{css}");

    // An update merges into the settings and bumps the version.
    let updated = call(
        server,
        "UpdateManagedLoginBranding",
        json!({
            "UserPoolId": site.pool,
            "ManagedLoginBrandingId": id,
            "Settings": { "components": { "pageBackground": { "lightMode": { "color": "000000ff" } } } }
        }),
    )
    .await;
    assert_eq!(updated.status, 200, "{:?}", updated.json);
    let merged = &updated.json["ManagedLoginBranding"]["Settings"]["components"];
    assert_eq!(merged["pageBackground"]["lightMode"]["color"], "000000ff");
    assert_eq!(
        merged["primaryButton"]["lightMode"]["defaults"]["backgroundColor"],
        "c0392bff"
    );

    call(
        server,
        "DeleteManagedLoginBranding",
        json!({ "UserPoolId": site.pool, "ManagedLoginBrandingId": id }),
    )
    .await;
    call(
        server,
        "DescribeManagedLoginBranding",
        json!({ "UserPoolId": site.pool, "ManagedLoginBrandingId": id }),
    )
    .await
    .assert_error(
        400,
        "ResourceNotFoundException",
        "Managed login branding style does not exist.",
    );
    // Without a style the page has the default look again.
    let response = browser.get(site.authorize_url(&[])).send().await.unwrap();
    let (_, html) = page(&browser, &site.url(&location(&response))).await;
    assert!(!html.contains("/ui/branding/"), "{html}");
});
