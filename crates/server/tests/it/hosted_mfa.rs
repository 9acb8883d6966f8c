//! The second factor on the hosted pages: the pool's MFA decides which page follows the
//! password (an SMS code, an authenticator code, a choice between them, or enrolling an
//! authenticator app), and only the right code goes back to the app with a code.

use aws_sdk_cognitoidentityprovider::types::{
    MessageActionType, SmsMfaConfigType, SmsMfaSettingsType, SoftwareTokenMfaConfigType,
    SoftwareTokenMfaSettingsType, UserPoolMfaType,
};

use crate::support::TestServer;
use crate::support::flows::attr;
use crate::support::hosted::{
    CALLBACK, PASSWORD, Site, SiteOptions, field_error, form_of, location, params_of, site,
    unescape,
};

const PHONE: &str = "+15550100";

/// Signs in on the hosted page with a password; returns the page that follows (200) or
/// the redirect (302).
async fn password_page(
    browser: &reqwest::Client,
    site: &Site,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let response = browser.get(site.authorize_url(&[])).send().await.unwrap();
    let login = location(&response);
    let html = browser
        .get(site.url(&login))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    browser
        .post(site.url("/login"))
        .form(&form_of(
            &html,
            &[("username", username), ("password", password)],
        ))
        .send()
        .await
        .unwrap()
}

async fn post(
    browser: &reqwest::Client,
    site: &Site,
    path: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    browser
        .post(site.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

fn back_with_a_code(response: &reqwest::Response) {
    let to = location(response);
    assert!(to.starts_with(CALLBACK), "{to}");
    assert!(params_of(&to).contains_key("code"), "{to}");
}

fn totp(server: &TestServer, secret: &str, steps: i64) -> String {
    crate::mfa::totp(server, secret, steps)
}

async fn require_mfa(server: &TestServer, site: &Site) {
    server
        .client()
        .set_user_pool_mfa_config()
        .user_pool_id(&site.pool)
        .mfa_configuration(UserPoolMfaType::On)
        .sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_authentication_message("Your sign-in code is {####}")
                .build(),
        )
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
}

crate::on_both_backends!(hosted_sign_in_asks_for_the_second_factor, |server| {
    let site = site(server, SiteOptions::default()).await;
    require_mfa(server, &site).await;
    let sdk = server.client();
    sdk.admin_update_user_attributes()
        .user_pool_id(&site.pool)
        .username("alice")
        .user_attributes(attr("phone_number_verified", "true"))
        .send()
        .await
        .unwrap();

    // Alice has a verified phone: MFA is required, so an SMS code follows the password.
    let browser = site.browser(server);
    let page = password_page(&browser, &site, "alice", PASSWORD).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("action=\"/mfa\""), "{html}");
    assert!(
        unescape(&html).contains("We sent a code to +****0100"),
        "{html}"
    );
    let sms = server.sms.messages_to(PHONE);
    let text = &sms.last().unwrap().body;
    let code: String = text.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{text}");
    let empty = post(&browser, &site, "/mfa", &form_of(&html, &[("code", "")])).await;
    assert_eq!(
        field_error(&empty.text().await.unwrap(), "code").as_deref(),
        Some("Enter the code.")
    );
    let wrong = post(
        &browser,
        &site,
        "/mfa",
        &form_of(&html, &[("code", "000000")]),
    )
    .await;
    let again = wrong.text().await.unwrap();
    assert_eq!(
        field_error(&again, "code").as_deref(),
        Some("That code is not right. Check the code we sent you and try again.")
    );
    // A page's challenge cannot be answered from another browser.
    let other = site.browser(server);
    let stolen = post(&other, &site, "/mfa", &form_of(&again, &[("code", &code)])).await;
    assert!(
        stolen
            .text()
            .await
            .unwrap()
            .contains("This page expired. Please sign in again.")
    );
    let right = post(
        &browser,
        &site,
        "/mfa",
        &form_of(&again, &[("code", &code)]),
    )
    .await;
    back_with_a_code(&right);
    // The code is spent: the same page cannot sign in twice.
    let replay = post(
        &browser,
        &site,
        "/mfa",
        &form_of(&again, &[("code", &code)]),
    )
    .await;
    assert_eq!(replay.status(), 200);
    assert!(
        replay
            .text()
            .await
            .unwrap()
            .contains("This page expired. Please sign in again.")
    );

    // Bob has no phone: he must set up an authenticator app before he is signed in.
    sdk.admin_create_user()
        .user_pool_id(&site.pool)
        .username("bob")
        .user_attributes(attr("email", "bob@example.com"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    sdk.admin_set_user_password()
        .user_pool_id(&site.pool)
        .username("bob")
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let browser = site.browser(server);
    let page = password_page(&browser, &site, "bob", PASSWORD).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("action=\"/mfaSetup\""), "{html}");
    assert!(html.contains("data:image/svg+xml;base64,"), "{html}");
    let marker = "id=\"secret-key\">";
    let start = html.find(marker).unwrap() + marker.len();
    let secret = html[start..start + html[start..].find('<').unwrap()].to_owned();
    let empty = post(
        &browser,
        &site,
        "/mfaSetup",
        &form_of(&html, &[("code", "")]),
    )
    .await;
    assert_eq!(
        field_error(&empty.text().await.unwrap(), "code").as_deref(),
        Some("Enter the code your authenticator app shows.")
    );
    let wrong = post(
        &browser,
        &site,
        "/mfaSetup",
        &form_of(&html, &[("code", "123456")]),
    )
    .await;
    let again = wrong.text().await.unwrap();
    assert!(field_error(&again, "code").is_some(), "{again}");
    let done = post(
        &browser,
        &site,
        "/mfaSetup",
        &form_of(
            &again,
            &[
                ("code", &totp(server, &secret, 0)),
                ("device_name", "phone"),
            ],
        ),
    )
    .await;
    back_with_a_code(&done);
    let bob = sdk
        .admin_get_user()
        .user_pool_id(&site.pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(
        bob.user_mfa_setting_list(),
        &["SOFTWARE_TOKEN_MFA".to_owned()]
    );

    // Next time his authenticator's code is asked for (a fresh step: each is used once).
    server.clock.advance_secs(30);
    let browser = site.browser(server);
    let page = password_page(&browser, &site, "bob", PASSWORD).await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Enter the code your authenticator app shows."),
        "{html}"
    );
    let done = post(
        &browser,
        &site,
        "/mfa",
        &form_of(&html, &[("code", &totp(server, &secret, 0))]),
    )
    .await;
    back_with_a_code(&done);

    // With two factors and no preference, the page asks which one.
    sdk.admin_update_user_attributes()
        .user_pool_id(&site.pool)
        .username("bob")
        .user_attributes(attr("phone_number", "+15550199"))
        .user_attributes(attr("phone_number_verified", "true"))
        .send()
        .await
        .unwrap();
    sdk.admin_set_user_mfa_preference()
        .user_pool_id(&site.pool)
        .username("bob")
        .sms_mfa_settings(
            SmsMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(false)
                .build(),
        )
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let browser = site.browser(server);
    let page = password_page(&browser, &site, "bob", PASSWORD).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("action=\"/selectMfa\""), "{html}");
    assert!(html.contains("value=\"SMS_MFA\""), "{html}");
    assert!(html.contains("value=\"SOFTWARE_TOKEN_MFA\""), "{html}");
    // A factor the page did not offer is refused.
    let unoffered = post(
        &browser,
        &site,
        "/selectMfa",
        &form_of(&html, &[("factor", "EMAIL_OTP")]),
    )
    .await;
    assert!(
        unoffered
            .text()
            .await
            .unwrap()
            .contains("Choose how to receive your code.")
    );
    let chose = post(
        &browser,
        &site,
        "/selectMfa",
        &form_of(&html, &[("factor", "SMS_MFA")]),
    )
    .await;
    let html = chose.text().await.unwrap();
    assert!(html.contains("action=\"/mfa\""), "{html}");
    let text = server
        .sms
        .messages_to("+15550199")
        .last()
        .unwrap()
        .body
        .clone();
    let code: String = text.chars().filter(char::is_ascii_digit).collect();
    let done = post(&browser, &site, "/mfa", &form_of(&html, &[("code", &code)])).await;
    back_with_a_code(&done);
});
