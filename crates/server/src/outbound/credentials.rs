//! Implementations of the identity pools' [`CredentialIssuer`] port:
//! - [`StsClient`]: an STS-compatible endpoint (AWS STS, an S3-compatible store's STS,
//!   LocalStack) called with AssumeRoleWithWebIdentity in the Query protocol, unsigned as
//!   AWS defines it, with a bounded timeout, its XML answer and errors read here;
//! - [`LocalCredentials`]: dev mode without STS: credentials minted here in AWS's format
//!   (`ASIA…` key ids, 40-character secrets, an opaque session token), as emulators do, for
//!   apps that talk to a local S3 emulator;
//! - [`NoCredentials`]: neither configured: every request is refused, saying why.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use cognate_crypto::SecretString;
use cognate_crypto::random::RandomSource;
use cognate_domain::Timestamp;
use cognate_domain::identity_pool::{
    AssumeRoleRequest, AwsCredentials, CredentialError, CredentialIssuer,
};
use cognate_domain::ids::random_from_alphabet;

/// STS's Query API version.
const STS_VERSION: &str = "2011-06-15";

/// AssumeRoleWithWebIdentity against an STS-compatible endpoint.
pub struct StsClient {
    client: reqwest::Client,
    endpoint: String,
    timeout: Duration,
}

impl StsClient {
    pub fn new(endpoint: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()?;
        Ok(StsClient {
            client,
            endpoint: endpoint.to_owned(),
            timeout,
        })
    }
}

#[async_trait]
impl CredentialIssuer for StsClient {
    async fn assume_role_with_web_identity(
        &self,
        request: &AssumeRoleRequest,
    ) -> Result<AwsCredentials, CredentialError> {
        let duration = request.duration_seconds.to_string();
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", STS_VERSION),
            ("RoleArn", request.role_arn.as_str()),
            ("RoleSessionName", request.session_name.as_str()),
            ("WebIdentityToken", request.web_identity_token.as_str()),
            ("DurationSeconds", duration.as_str()),
        ];
        let response = self
            .client
            .post(&self.endpoint)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                CredentialError::Unavailable(if e.is_timeout() {
                    format!("no answer within {} s", self.timeout.as_secs())
                } else {
                    // reqwest's text names the URL and the cause, never the form.
                    format!("cannot reach it ({e})")
                })
            })?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| CredentialError::Unavailable(format!("unreadable answer ({e})")))?;
        if !status.is_success() {
            return Err(
                match (xml_text(&body, "Code"), xml_text(&body, "Message")) {
                    (Some(code), message) => CredentialError::Refused {
                        code,
                        message: message.unwrap_or_default(),
                    },
                    (None, _) => {
                        CredentialError::Unavailable(format!("HTTP {status} without an STS error"))
                    }
                },
            );
        }
        credentials_from_xml(&body)
            .ok_or_else(|| CredentialError::Unavailable("an answer without credentials".to_owned()))
    }
}

/// The credentials of an AssumeRoleWithWebIdentity answer.
fn credentials_from_xml(body: &str) -> Option<AwsCredentials> {
    let credentials = inner(body, "Credentials")?;
    let expiration = xml_text(credentials, "Expiration")?;
    let expiration =
        time::OffsetDateTime::parse(&expiration, &time::format_description::well_known::Rfc3339)
            .ok()?;
    let millis = i64::try_from(expiration.unix_timestamp_nanos() / 1_000_000).ok()?;
    Some(AwsCredentials {
        access_key_id: xml_text(credentials, "AccessKeyId")?,
        secret_access_key: SecretString::new(xml_text(credentials, "SecretAccessKey")?),
        session_token: xml_text(credentials, "SessionToken")?,
        expiration: Timestamp(millis),
    })
}

/// What lies between the first `<tag>` (or `<tag …>`) and the `</tag>` after it.
fn inner<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let mut search = 0;
    let start = loop {
        let at = search + xml[search..].find(&format!("<{tag}"))?;
        let after = at + tag.len() + 1;
        match xml[after..].chars().next()? {
            '>' => break after + 1,
            c if c.is_whitespace() => break after + xml[after..].find('>')? + 1,
            // A longer tag name with this prefix (`<CodeX>`): keep looking.
            _ => search = after,
        }
    };
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..end])
}

/// The text of the first `tag` element, with XML's character references resolved.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    inner(xml, tag).map(|text| unescape(text.trim()))
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else {
            break;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Dev mode's credentials, minted here in AWS's format. They grant nothing anywhere but in
/// an emulator that accepts any key.
pub struct LocalCredentials {
    random: Arc<dyn RandomSource>,
}

impl LocalCredentials {
    pub fn new(random: Arc<dyn RandomSource>) -> Self {
        LocalCredentials { random }
    }
}

/// The alphabet of AWS access key ids after their prefix.
const KEY_ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#[async_trait]
impl CredentialIssuer for LocalCredentials {
    async fn assume_role_with_web_identity(
        &self,
        request: &AssumeRoleRequest,
    ) -> Result<AwsCredentials, CredentialError> {
        let random = self.random.as_ref();
        let mut token = [0u8; 240];
        random.fill(&mut token);
        Ok(AwsCredentials {
            access_key_id: format!("ASIA{}", random_from_alphabet(random, KEY_ID_ALPHABET, 16)),
            secret_access_key: SecretString::new(random_from_alphabet(random, SECRET_ALPHABET, 40)),
            session_token: base64::engine::general_purpose::STANDARD.encode(token),
            expiration: request.now.plus_secs(request.duration_seconds),
        })
    }
}

/// No STS and not in dev mode.
pub struct NoCredentials;

#[async_trait]
impl CredentialIssuer for NoCredentials {
    async fn assume_role_with_web_identity(
        &self,
        _request: &AssumeRoleRequest,
    ) -> Result<AwsCredentials, CredentialError> {
        Err(CredentialError::NotConfigured)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const ANSWER: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>us-east-1:abc</SubjectFromWebIdentityToken>
    <Credentials>
      <SessionToken>FQoGZXIvYXdzE&amp;x</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2026-11-26T04:51:27Z</Expiration>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>"#;

    #[test]
    fn sts_answers_and_errors_are_read() {
        let credentials = credentials_from_xml(ANSWER).unwrap();
        assert_eq!(credentials.access_key_id, "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(credentials.session_token, "FQoGZXIvYXdzE&x");
        assert_eq!(
            credentials.secret_access_key.expose(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
        );
        assert_eq!(credentials.expiration, Timestamp(1_795_668_687_000));
        let error = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity &lt;x&gt;</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        assert_eq!(xml_text(error, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(
            xml_text(error, "Message").as_deref(),
            Some("Not authorized to perform sts:AssumeRoleWithWebIdentity <x>")
        );
        assert_eq!(
            xml_text("<CodeX>1</CodeX><Code>2</Code>", "Code").as_deref(),
            Some("2")
        );
        assert!(credentials_from_xml("<Credentials></Credentials>").is_none());
        assert_eq!(unescape("a&#65;&#x42;&bogus;"), "aAB&bogus;");
    }

    #[tokio::test]
    async fn dev_credentials_look_like_aws_temporary_credentials() {
        let issuer = LocalCredentials::new(Arc::new(cognate_crypto::random::SystemRandom));
        let request = AssumeRoleRequest {
            role_arn: "arn:aws:iam::000000000000:role/r".into(),
            session_name: "CognitoIdentityCredentials".into(),
            web_identity_token: "t".into(),
            duration_seconds: 3600,
            now: Timestamp(1_000_000),
        };
        let credentials = issuer
            .assume_role_with_web_identity(&request)
            .await
            .unwrap();
        assert_eq!(credentials.access_key_id.len(), 20);
        assert!(credentials.access_key_id.starts_with("ASIA"));
        assert!(
            credentials.access_key_id[4..]
                .bytes()
                .all(|b| KEY_ID_ALPHABET.contains(&b))
        );
        assert_eq!(credentials.secret_access_key.expose().len(), 40);
        assert!(credentials.session_token.len() > 300);
        assert_eq!(credentials.expiration, Timestamp(1_000_000 + 3_600_000));
    }
}
