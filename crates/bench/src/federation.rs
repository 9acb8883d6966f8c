//! The federation engine's cost per check, in-process with the build under test: SAML
//! Response validation for each flavour a real IdP sends (the samlify fixtures of
//! `crates/federation/tests/fixtures/saml`), and an upstream RS256 ID token against a warm
//! JWKS cache (served once by a tiny loopback responder).

use std::time::Instant;

use cognate_crypto::SecretBytes;
use cognate_crypto::jwt::RsaSigningKey;
use cognate_domain::Timestamp;
use cognate_domain::external::{
    ExternalIdentityProviders, IdTokenCheck, SamlKeyPair, SamlResponseCheck,
};
use cognate_federation::saml::metadata;
use cognate_federation::{Federation, FederationConfig};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../federation/tests/fixtures/saml"
);

fn fixture(name: &str) -> anyhow::Result<String> {
    Ok(std::fs::read_to_string(format!("{FIXTURES}/{name}"))?)
}

fn pem_der(pem: &str) -> anyhow::Result<Vec<u8>> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    Ok(base64::engine::general_purpose::STANDARD.decode(body)?)
}

fn median_micros(rounds: usize, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

pub async fn report() -> anyhow::Result<()> {
    let engine = Federation::new(FederationConfig {
        dev_mode: true,
        ..FederationConfig::default()
    })?;
    let manifest: serde_json::Value = serde_json::from_str(&fixture("manifest.json")?)?;
    let text = |key: &str| manifest[key].as_str().unwrap_or_default().to_owned();
    let now = Timestamp(
        time::OffsetDateTime::parse(&text("now"), &time::format_description::well_known::Rfc3339)?
            .unix_timestamp()
            * 1000,
    );
    let idp = metadata::parse(&fixture("idp-metadata.xml")?, now)?;
    let key = SamlKeyPair {
        private_key_pkcs8: SecretBytes::new(pem_der(&fixture("keys/sp-encryption.key.pem")?)?),
        certificate_der: pem_der(&fixture("keys/sp-encryption.crt.pem")?)?,
    };

    println!("## Federation engine cost per check (median, one core)");
    println!("| check | µs |");
    println!("|---|---|");
    for (label, file) in [
        ("SAML Response, signed assertion", "signed-assertion.xml"),
        ("SAML Response, signed Response", "signed-response.xml"),
        ("SAML Response, both signed", "signed-both.xml"),
        (
            "SAML Response, encrypted (RSA-OAEP, AES-256-CBC), signed assertion",
            "encrypted-aes256cbc-oaep.xml",
        ),
        (
            "SAML Response, encrypted (RSA-OAEP, AES-256-GCM), signed assertion",
            "encrypted-aes256gcm-oaep.xml",
        ),
    ] {
        use base64::Engine;
        let posted = base64::engine::general_purpose::STANDARD.encode(fixture(file)?);
        let check = SamlResponseCheck {
            saml_response: &posted,
            idp: &idp,
            audience: text("spEntityId"),
            acs_url: text("acsUrl"),
            expected_in_response_to: Some(text("requestId")),
            decryption_key: Some(&key),
            require_encrypted_assertion: false,
        };
        engine.validate_saml_response(&check, now)?;
        let micros = median_micros(300, || {
            let _ = engine.validate_saml_response(&check, now);
        });
        println!("| {label} | {micros:.0} |");
    }

    let signing = RsaSigningKey::generate().map_err(|e| anyhow::anyhow!("{e}"))?;
    let jwks_uri =
        serve_once(serde_json::json!({ "keys": [signing.public_jwk()] }).to_string()).await?;
    let mut claims = serde_json::Map::new();
    let secs = now.secs();
    claims.insert("iss".into(), "https://idp.example.com".into());
    claims.insert("aud".into(), "client".into());
    claims.insert("sub".into(), "user-1".into());
    claims.insert("iat".into(), secs.into());
    claims.insert("exp".into(), (secs + 3600).into());
    let token = signing.sign(&claims).map_err(|e| anyhow::anyhow!("{e}"))?;
    let check = IdTokenCheck {
        issuer: "https://idp.example.com".to_owned(),
        audiences: vec!["client".to_owned()],
        jwks_uri: Some(jwks_uri),
        nonce: None,
        hmac_secret: None,
    };
    engine.verify_id_token(&token, &check, now).await?;
    let mut samples = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let started = Instant::now();
        let _ = engine.verify_id_token(&token, &check, now).await;
        samples.push(started.elapsed().as_secs_f64() * 1e6);
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "| upstream RS256 ID token, JWKS cached | {:.0} |",
        samples[samples.len() / 2]
    );
    println!();
    Ok(())
}

/// Answers one HTTP request with `body` (the JWKS), then stops: the engine caches it.
async fn serve_once(body: String) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        if let Ok((socket, _)) = listener.accept().await {
            // Read the whole request head first: closing a socket with unread bytes resets it.
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") && socket.readable().await.is_ok() {
                match socket.try_read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(_) => break,
                }
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let mut sent = 0;
            while sent < response.len() && socket.writable().await.is_ok() {
                match socket.try_write(&response.as_bytes()[sent..]) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(_) => break,
                }
            }
        }
    });
    Ok(format!("http://{address}/jwks"))
}
