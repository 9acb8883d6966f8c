//! Issue 4, passkeys: StartWebAuthnRegistration / CompleteWebAuthnRegistration (finished on
//! another node: the ceremony is sealed state), ListWebAuthnCredentials,
//! DeleteWebAuthnCredential, and the WEB_AUTHN challenge of USER_AUTH, driven by a software
//! authenticator (a P-256 key making "none" attestations and ES256 assertions).

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, SignInPolicyType,
    UserPoolPolicyType, UserVerificationType, WebAuthnConfigurationType,
};
use aws_smithy_types::Document;
use base64::Engine;
use serde_json::{Value, json};

use crate::mfa::{PASSWORD, mfa_user};
use crate::on_both_backends;
use crate::support::error_of;
use crate::support::flows::App;

const RP_ID: &str = "example.com";
const ORIGIN: &str = "https://example.com";

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, bytes).as_ref().to_vec()
}

/// A CBOR head: major type and length (short forms only; enough for these structures).
fn cbor_head(major: u8, len: usize) -> Vec<u8> {
    let major = major << 5;
    match len {
        0..=23 => vec![major | len as u8],
        24..=255 => vec![major | 24, len as u8],
        _ => vec![major | 25, (len >> 8) as u8, len as u8],
    }
}

fn cbor_text(text: &str) -> Vec<u8> {
    let mut out = cbor_head(3, text.len());
    out.extend_from_slice(text.as_bytes());
    out
}

fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = cbor_head(2, bytes.len());
    out.extend_from_slice(bytes);
    out
}

/// What a software authenticator can get wrong on purpose.
#[derive(Default, Clone)]
struct Mischief {
    origin: Option<String>,
    rp_id: Option<String>,
    client_type: Option<String>,
    challenge: Option<String>,
    no_user_verification: bool,
    other_key: bool,
    replay_counter: bool,
}

/// A platform authenticator in software: one ES256 credential, "none" attestation.
struct Authenticator {
    key: EcdsaKeyPair,
    credential_id: Vec<u8>,
    sign_count: u32,
}

impl Authenticator {
    fn new() -> Authenticator {
        let mut credential_id = vec![0u8; 16];
        cognate_crypto::random::RandomSource::fill(
            &cognate_crypto::random::SystemRandom,
            &mut credential_id,
        );
        Authenticator {
            key: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap(),
            credential_id,
            sign_count: 0,
        }
    }

    fn id(&self) -> String {
        b64url(&self.credential_id)
    }

    fn client_data(kind: &str, challenge: &str, mischief: &Mischief) -> Vec<u8> {
        json!({
            "type": mischief.client_type.clone().unwrap_or_else(|| kind.to_owned()),
            "challenge": mischief.challenge.clone().unwrap_or_else(|| challenge.to_owned()),
            "origin": mischief.origin.clone().unwrap_or_else(|| ORIGIN.to_owned()),
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    fn authenticator_data(&self, mischief: &Mischief, attested: bool) -> Vec<u8> {
        let rp_id = mischief.rp_id.clone().unwrap_or_else(|| RP_ID.to_owned());
        let mut data = sha256(rp_id.as_bytes());
        let mut flags = 0x01; // UP
        if !mischief.no_user_verification {
            flags |= 0x04; // UV
        }
        if attested {
            flags |= 0x40; // AT
        }
        data.push(flags);
        data.extend_from_slice(&self.sign_count.to_be_bytes());
        if attested {
            data.extend_from_slice(&[0u8; 16]);
            data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            data.extend_from_slice(&self.credential_id);
            let point = self.key.public_key().as_ref();
            // COSE_Key {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
            data.extend_from_slice(&[0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]);
            data.extend_from_slice(&cbor_bytes(&point[1..33]));
            data.push(0x22);
            data.extend_from_slice(&cbor_bytes(&point[33..65]));
        }
        data
    }

    /// RegistrationResponseJSON for CredentialCreationOptions.
    fn register(&self, options: &Value, mischief: &Mischief) -> Value {
        let challenge = options["challenge"].as_str().unwrap();
        let client_data = Self::client_data("webauthn.create", challenge, mischief);
        let mut attestation = cbor_head(5, 3);
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.extend(cbor_head(5, 0));
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&self.authenticator_data(mischief, true)));
        json!({
            "id": self.id(),
            "rawId": self.id(),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(&client_data),
                "attestationObject": b64url(&attestation),
                "transports": ["internal"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        })
    }

    /// AuthenticationResponseJSON for PublicKeyCredentialRequestOptions.
    fn assert(&mut self, options: &Value, user_handle: &str, mischief: &Mischief) -> String {
        if !mischief.replay_counter {
            self.sign_count += 1;
        }
        let challenge = options["challenge"].as_str().unwrap();
        let client_data = Self::client_data("webauthn.get", challenge, mischief);
        let data = self.authenticator_data(mischief, false);
        let mut message = data.clone();
        message.extend(sha256(&client_data));
        let signer = if mischief.other_key {
            EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap()
        } else {
            EcdsaKeyPair::from_pkcs8(
                &ECDSA_P256_SHA256_ASN1_SIGNING,
                self.key.to_pkcs8v1().unwrap().as_ref(),
            )
            .unwrap()
        };
        let signature = signer.sign(&SystemRandom::new(), &message).unwrap();
        json!({
            "id": self.id(),
            "rawId": self.id(),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(&client_data),
                "authenticatorData": b64url(&data),
                "signature": b64url(signature.as_ref()),
                "userHandle": b64url(user_handle.as_bytes()),
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        })
        .to_string()
    }
}

fn to_json(document: &Document) -> Value {
    match document {
        Document::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
        Document::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Document::Number(n) => match n {
            aws_smithy_types::Number::PosInt(i) => json!(i),
            aws_smithy_types::Number::NegInt(i) => json!(i),
            aws_smithy_types::Number::Float(f) => json!(f),
        },
        Document::String(s) => json!(s),
        Document::Bool(b) => json!(b),
        Document::Null => Value::Null,
    }
}

fn to_document(value: &Value) -> Document {
    match value {
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect(),
        ),
        Value::Array(items) => Document::Array(items.iter().map(to_document).collect()),
        Value::Number(n) => match n.as_i64() {
            Some(i) if i < 0 => Document::Number(aws_smithy_types::Number::NegInt(i)),
            Some(i) => Document::Number(aws_smithy_types::Number::PosInt(i as u64)),
            None => Document::Number(aws_smithy_types::Number::Float(n.as_f64().unwrap())),
        },
        Value::String(s) => Document::String(s.clone()),
        Value::Bool(b) => Document::Bool(*b),
        Value::Null => Document::Null,
    }
}

/// A pool allowing passwords and passkeys, with `example.com` as relying party (user
/// verification required), and a client allowing USER_AUTH.
async fn passkey_app(client: &Client, with_relying_party: bool) -> App {
    let pool = client
        .create_user_pool()
        .pool_name("passkeys")
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors(AuthFactorType::Password)
                        .allowed_first_auth_factors(AuthFactorType::WebAuthn)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    if with_relying_party {
        client
            .set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .web_authn_configuration(
                WebAuthnConfigurationType::builder()
                    .relying_party_id(RP_ID)
                    .user_verification(UserVerificationType::Required)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let created = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("passkeys")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    App {
        pool,
        client_id: created.client_id.unwrap(),
        secret: None,
    }
}

async fn password_token(client: &Client, app: &App, username: &str) -> String {
    client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .access_token
        .unwrap()
}

fn assert_error(actual: (String, String), type_name: &str, message: &str) {
    assert_eq!((actual.0.as_str(), actual.1.as_str()), (type_name, message));
}

on_both_backends!(passkeys_register_on_any_node_and_sign_in, |server| {
    let client = server.client();

    // Without a relying party (no WebAuthnConfiguration, no domain) there is no ceremony.
    let bare = passkey_app(&client, false).await;
    mfa_user(&client, &bare, "early", false).await;
    let token = password_token(&client, &bare, "early").await;
    assert_error(
        error_of(
            client
                .start_web_authn_registration()
                .access_token(&token)
                .send()
                .await,
        ),
        "WebAuthnConfigurationMissingException",
        "The user pool has no relying party id: set WebAuthnConfiguration or add a domain.",
    );

    let app = passkey_app(&client, true).await;
    mfa_user(&client, &app, "petra", false).await;
    let token = password_token(&client, &app, "petra").await;
    let sub = client
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap()
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .unwrap()
        .value()
        .unwrap()
        .to_owned();
    let started = client
        .start_web_authn_registration()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let options = to_json(started.credential_creation_options());
    assert_eq!(options["rp"]["id"], RP_ID);
    assert_eq!(options["user"]["name"], "petra");
    assert_eq!(options["user"]["id"], b64url(sub.as_bytes()).as_str());
    assert_eq!(
        options["pubKeyCredParams"],
        json!([
            { "type": "public-key", "alg": -7 },
            { "type": "public-key", "alg": -257 }
        ])
    );
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(options["excludeCredentials"], json!([]));

    let authenticator = Authenticator::new();
    let complete = |credential: Value| {
        client
            .complete_web_authn_registration()
            .access_token(&token)
            .credential(to_document(&credential))
            .send()
    };
    // Every way the response can be wrong, before the right one.
    let cases: [(Mischief, &str, &str); 5] = [
        (
            Mischief {
                origin: Some("https://evil.example.net".to_owned()),
                ..Mischief::default()
            },
            "WebAuthnOriginNotAllowedException",
            "The origin https://evil.example.net is not allowed for relying party example.com.",
        ),
        (
            Mischief {
                rp_id: Some("other.org".to_owned()),
                ..Mischief::default()
            },
            "WebAuthnRelyingPartyMismatchException",
            "The credential is not for relying party example.com.",
        ),
        (
            Mischief {
                client_type: Some("webauthn.get".to_owned()),
                ..Mischief::default()
            },
            "WebAuthnClientMismatchException",
            "The client data type is not webauthn.create.",
        ),
        (
            Mischief {
                no_user_verification: true,
                ..Mischief::default()
            },
            "WebAuthnClientMismatchException",
            "The authenticator did not verify the user.",
        ),
        (
            Mischief {
                challenge: Some(b64url(b"a challenge nobody issued")),
                ..Mischief::default()
            },
            "WebAuthnChallengeNotFoundException",
            "The WebAuthn challenge was not found or has expired.",
        ),
    ];
    for (mischief, type_name, message) in cases {
        assert_error(
            error_of(complete(authenticator.register(&options, &mischief)).await),
            type_name,
            message,
        );
    }
    // The ceremony finishes on another node: nothing of it was kept on the first.
    let node = server.second_node().await;
    node.client()
        .complete_web_authn_registration()
        .access_token(&token)
        .credential(to_document(
            &authenticator.register(&options, &Mischief::default()),
        ))
        .send()
        .await
        .unwrap();
    node.stop().await;
    // A ceremony completes once.
    assert_error(
        error_of(complete(authenticator.register(&options, &Mischief::default())).await),
        "WebAuthnChallengeNotFoundException",
        "The WebAuthn challenge was not found or has expired.",
    );

    let listed = client
        .list_web_authn_credentials()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let credentials = listed.credentials();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0].credential_id(), authenticator.id());
    assert_eq!(credentials[0].relying_party_id(), RP_ID);
    assert_eq!(credentials[0].authenticator_attachment(), Some("platform"));
    assert_eq!(credentials[0].authenticator_transports(), ["internal"]);
    let again = client
        .start_web_authn_registration()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        to_json(again.credential_creation_options())["excludeCredentials"],
        json!([{ "type": "public-key", "id": authenticator.id() }])
    );
    let factors = client
        .get_user_auth_factors()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        factors.configured_user_auth_factors(),
        [AuthFactorType::Password, AuthFactorType::WebAuthn]
    );

    // Signing in with the passkey.
    let mut authenticator = authenticator;
    let user_auth = || {
        client
            .initiate_auth()
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "petra")
    };
    let choice = user_auth().send().await.unwrap();
    assert_eq!(
        choice.available_challenges(),
        [
            ChallengeNameType::Password,
            ChallengeNameType::PasswordSrp,
            ChallengeNameType::WebAuthn
        ]
    );
    let challenge = client
        .respond_to_auth_challenge()
        .client_id(&app.client_id)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(choice.session().unwrap())
        .challenge_responses("USERNAME", "petra")
        .challenge_responses("ANSWER", "WEB_AUTHN")
        .send()
        .await
        .unwrap();
    assert_eq!(
        challenge.challenge_name(),
        Some(&ChallengeNameType::WebAuthn)
    );
    let request: Value = serde_json::from_str(
        &challenge.challenge_parameters().unwrap()["CREDENTIAL_REQUEST_OPTIONS"],
    )
    .unwrap();
    assert_eq!(request["rpId"], RP_ID);
    assert_eq!(request["userVerification"], "required");
    assert_eq!(
        request["allowCredentials"][0]["id"],
        authenticator.id().as_str()
    );
    let session = challenge.session().unwrap().to_owned();
    let answer = |credential: String, session: String| {
        client
            .respond_to_auth_challenge()
            .client_id(&app.client_id)
            .challenge_name(ChallengeNameType::WebAuthn)
            .session(session)
            .challenge_responses("USERNAME", "petra")
            .challenge_responses("CREDENTIAL", credential)
            .send()
    };
    let wrong: [(Mischief, &str, &str); 3] = [
        (
            Mischief {
                other_key: true,
                ..Mischief::default()
            },
            "NotAuthorizedException",
            "Incorrect username or password.",
        ),
        (
            Mischief {
                challenge: Some(b64url(b"stale challenge")),
                ..Mischief::default()
            },
            "WebAuthnChallengeNotFoundException",
            "The WebAuthn challenge was not found or has expired.",
        ),
        (
            Mischief {
                origin: Some("https://example.com.evil.net".to_owned()),
                ..Mischief::default()
            },
            "WebAuthnOriginNotAllowedException",
            "The origin https://example.com.evil.net is not allowed for relying party example.com.",
        ),
    ];
    for (mischief, type_name, message) in wrong {
        assert_error(
            error_of(
                answer(
                    authenticator.assert(&request, &sub, &mischief),
                    session.clone(),
                )
                .await,
            ),
            type_name,
            message,
        );
    }
    let signed_in = answer(
        authenticator.assert(&request, &sub, &Mischief::default()),
        session.clone(),
    )
    .await
    .unwrap();
    let result = signed_in.authentication_result().unwrap();
    assert!(result.refresh_token().is_some());
    assert_error(
        error_of(
            answer(
                authenticator.assert(&request, &sub, &Mischief::default()),
                session,
            )
            .await,
        ),
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    );
    // The spent Session's answer was refused, so the stored counter did not take its value:
    // the authenticator's next assertion is one past the counter of the sign-in above.
    authenticator.sign_count -= 1;

    // PREFERRED_CHALLENGE goes straight to WEB_AUTHN; a counter that does not move is a clone.
    let direct = user_auth()
        .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
        .send()
        .await
        .unwrap();
    assert_eq!(direct.challenge_name(), Some(&ChallengeNameType::WebAuthn));
    let request: Value =
        serde_json::from_str(&direct.challenge_parameters().unwrap()["CREDENTIAL_REQUEST_OPTIONS"])
            .unwrap();
    let session = direct.session().unwrap().to_owned();
    assert_error(
        error_of(
            answer(
                authenticator.assert(
                    &request,
                    &sub,
                    &Mischief {
                        replay_counter: true,
                        ..Mischief::default()
                    },
                ),
                session.clone(),
            )
            .await,
        ),
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    answer(
        authenticator.assert(&request, &sub, &Mischief::default()),
        session,
    )
    .await
    .unwrap();

    // Deleted, the passkey is gone from the list and from sign-in.
    client
        .delete_web_authn_credential()
        .access_token(&token)
        .credential_id(authenticator.id())
        .send()
        .await
        .unwrap();
    assert_error(
        error_of(
            client
                .delete_web_authn_credential()
                .access_token(&token)
                .credential_id(authenticator.id())
                .send()
                .await,
        ),
        "ResourceNotFoundException",
        "Credential not found.",
    );
    assert!(
        client
            .list_web_authn_credentials()
            .access_token(&token)
            .send()
            .await
            .unwrap()
            .credentials()
            .is_empty()
    );
    let choice = user_auth().send().await.unwrap();
    assert_eq!(
        choice.available_challenges(),
        [ChallengeNameType::Password, ChallengeNameType::PasswordSrp]
    );
});

on_both_backends!(passkeys_need_web_authn_among_the_first_factors, |server| {
    let client = server.client();
    let app = crate::mfa::mfa_app(&client, crate::mfa::MfaPool::default()).await;
    mfa_user(&client, &app, "plain", false).await;
    let token = crate::mfa::access_token(&client, &app, "plain").await;
    assert_error(
        error_of(
            client
                .start_web_authn_registration()
                .access_token(&token)
                .send()
                .await,
        ),
        "WebAuthnNotEnabledException",
        "Passkeys are not enabled for this user pool.",
    );
});

on_both_backends!(
    a_client_that_hides_users_answers_web_authn_with_a_decoy,
    |server| {
        let client = server.client();
        let app = passkey_app(&client, true).await;
        let hiding = client
            .create_user_pool_client()
            .user_pool_id(&app.pool)
            .client_name("hiding")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
            .prevent_user_existence_errors(
                aws_sdk_cognitoidentityprovider::types::PreventUserExistenceErrorTypes::Enabled,
            )
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        // A real user without a passkey and a name that matches nobody get the same offer and
        // the same shape of WEB_AUTHN challenge; no assertion answers it.
        mfa_user(&client, &app, "keyless", false).await;
        for username in ["keyless", "nobody"] {
            let started = client
                .initiate_auth()
                .client_id(&hiding)
                .auth_flow(AuthFlowType::UserAuth)
                .auth_parameters("USERNAME", username)
                .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
                .send()
                .await
                .unwrap();
            assert_eq!(
                started.challenge_name(),
                Some(&aws_sdk_cognitoidentityprovider::types::ChallengeNameType::WebAuthn)
            );
            let parameters = started.challenge_parameters().unwrap();
            let options: Value =
                serde_json::from_str(&parameters["CREDENTIAL_REQUEST_OPTIONS"]).unwrap();
            assert_eq!(options["rpId"], RP_ID);
            assert_eq!(options["allowCredentials"].as_array().unwrap().len(), 1);
            let answered = client
                .respond_to_auth_challenge()
                .client_id(&hiding)
                .challenge_name(aws_sdk_cognitoidentityprovider::types::ChallengeNameType::WebAuthn)
                .session(started.session().unwrap())
                .challenge_responses("USERNAME", username)
                .challenge_responses("CREDENTIAL", r#"{"id":"AAAA","response":{}}"#)
                .send()
                .await;
            assert_error(
                error_of(answered),
                "NotAuthorizedException",
                "Incorrect username or password.",
            );
        }
    }
);

on_both_backends!(
    registrations_started_side_by_side_stop_at_the_limit,
    |server| {
        let client = server.client();
        let app = passkey_app(&client, true).await;
        mfa_user(&client, &app, "collector", false).await;
        let token = password_token(&client, &app, "collector").await;
        let start = || async {
            to_json(
                client
                    .start_web_authn_registration()
                    .access_token(&token)
                    .send()
                    .await
                    .unwrap()
                    .credential_creation_options(),
            )
        };
        let complete = |options: Value| {
            let credential = Authenticator::new().register(&options, &Mischief::default());
            client
                .complete_web_authn_registration()
                .access_token(&token)
                .credential(to_document(&credential))
                .send()
        };
        for _ in 0..19 {
            let options = start().await;
            complete(options).await.unwrap();
        }
        // One place left, two ceremonies started: the second to finish is refused.
        let (first, second) = (start().await, start().await);
        complete(first).await.unwrap();
        assert_error(
            error_of(complete(second).await),
            "LimitExceededException",
            "The user has the most passkeys allowed.",
        );
        assert_error(
            error_of(
                client
                    .start_web_authn_registration()
                    .access_token(&token)
                    .send()
                    .await,
            ),
            "LimitExceededException",
            "The user has the most passkeys allowed.",
        );
    }
);
