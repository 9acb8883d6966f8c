//! AWS Signature Version 4 verification for the Cognito JSON API (awsJson 1.1, `POST /`).
//!
//! AWS ships signers but no verifier, so this module rebuilds the canonical request exactly as the
//! SDKs build it (aws-sigv4 for Rust, botocore for the CLI) and compares signatures in constant time.
//! Key derivation and the final HMAC are `aws_sigv4::sign::v4`'s public functions, so the code of our
//! own is the parsing and the canonicalisation.
//!
//! [`verify_request`] is a pure function of the request head, the exact body bytes, the clock, the
//! settings and a key lookup.
//! It knows nothing of axum extractors or of the JSON error shape: the caller turns a [`SigV4Error`]
//! into `{"__type": code, "message": message}` with [`SigV4Error::status`].
//!
//! Checks run in the order AWS's front end runs them, because a client only ever sees the first failure:
//! 1. an `Authorization` header and a presigned query together → `InvalidSignatureException`;
//! 2. neither, or a header that is not `AWS4-…` → `MissingAuthenticationTokenException`;
//! 3. a parameter without `=`, then missing `Credential`/`Signature`/`SignedHeaders`/date → `IncompleteSignatureException`;
//! 4. a date that is not ISO-8601 basic format → `IncompleteSignatureException`; clock skew → `InvalidSignatureException`;
//! 5. `host`, then `x-amz-target`, not among the signed headers → `InvalidSignatureException`;
//! 6. an algorithm other than `AWS4-HMAC-SHA256`, then a credential without five parts → `IncompleteSignatureException`;
//! 7. a credential scope for another region, service, terminator or date → `InvalidSignatureException`;
//! 8. an unknown access key → `UnrecognizedClientException`;
//! 9. a signature that does not match → `InvalidSignatureException`.
//!
//! The order, the exception names and the wording are those of DynamoDB and Kinesis responses recorded
//! by dynalite and kinesalite (the same Coral front end serves Cognito), with the newer region and
//! `:authority` wording that STS returns today.
//! Cognito's own responses have not been captured yet; where they turn out to differ, follow them.
//!
//! Two rules are stricter than a generic SigV4 verifier (issue 10), because the JSON protocol
//! names the operation in a header and the arguments in the body: `x-amz-target` must be signed,
//! and `x-amz-content-sha256: UNSIGNED-PAYLOAD` is refused (the body is always hashed, as AWS's
//! JSON services do), so a captured request cannot be replayed with another operation or
//! another body. The AWS SDKs, botocore and the AWS CLI all sign both.
//!
//! Values from the request that an error message repeats are cut to [`ECHO_LIMIT`] characters.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use axum::http::header::{AUTHORIZATION, DATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

mod canonical;
#[cfg(test)]
mod tests;
mod timestamps;

use canonical::*;
use timestamps::*;
/// The only algorithm SigV4 (as opposed to SigV4a) defines.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The fixed last element of every credential scope.
const TERMINATOR: &str = "aws4_request";
/// `x-amz-content-sha256` value by which a client opts out of hashing the body (refused).
#[cfg(test)]
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

const QUERY_ALGORITHM: &str = "X-Amz-Algorithm";
const QUERY_CREDENTIAL: &str = "X-Amz-Credential";
const QUERY_SIGNATURE: &str = "X-Amz-Signature";
const QUERY_SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
const QUERY_DATE: &str = "X-Amz-Date";
const QUERY_EXPIRES: &str = "X-Amz-Expires";

const MSG_MISSING_TOKEN: &str = "Missing Authentication Token";
const MSG_UNRECOGNIZED_CLIENT: &str = "The security token included in the request is invalid.";
const MSG_SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const MSG_HEADER_AND_QUERY: &str =
    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.";
const MSG_HOST_NOT_SIGNED: &str =
    "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
const MSG_TARGET_NOT_SIGNED: &str =
    "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.";

/// The most characters of a request's own value an error message repeats: enough to see what
/// was sent, and no way to make a response carry an arbitrarily large header back.
pub const ECHO_LIMIT: usize = 1024;

/// `value` as an error message may repeat it: at most [`ECHO_LIMIT`] characters, and a mark
/// when cut.
pub fn echo(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(ECHO_LIMIT) {
        None => std::borrow::Cow::Borrowed(value),
        Some((end, _)) => std::borrow::Cow::Owned(format!("{}...", &value[..end])),
    }
}

/// How requests are verified; one value per endpoint (signing name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigV4Settings {
    /// The signing name the credential scope must carry, `cognito-idp` for user pools.
    pub service: String,
    /// Regions a credential may be scoped to; empty accepts any non-empty region.
    pub regions: Vec<String>,
    /// How far the request date may be from `now`, either way; AWS uses 15 minutes.
    pub max_skew: Duration,
    /// Accept any access key, any signature and any date skew, as local emulators do, so that
    /// `aws --endpoint-url … cognito-idp …` works with dummy credentials.
    /// The request must still be well formed and correctly scoped.
    pub dev_mode: bool,
}

impl Default for SigV4Settings {
    fn default() -> Self {
        Self {
            service: "cognito-idp".to_owned(),
            regions: Vec::new(),
            max_skew: Duration::from_secs(15 * 60),
            dev_mode: false,
        }
    }
}

/// Where secret access keys come from (configuration, the store, …).
pub trait AccessKeys {
    /// The secret access key for `access_key_id`, or `None` if the key is unknown.
    fn secret_for(&self, access_key_id: &str) -> Option<String>;
}

impl<S: BuildHasher> AccessKeys for HashMap<String, String, S> {
    fn secret_for(&self, access_key_id: &str) -> Option<String> {
        self.get(access_key_id).cloned()
    }
}

/// Who signed an accepted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access_key_id: String,
    /// The region of the credential scope, which the SDK takes from its configuration.
    pub region: String,
}

/// A refused request: `code` is the `__type` and `message` the `message` of the JSON error body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SigV4Error {
    pub code: &'static str,
    pub message: String,
}

impl SigV4Error {
    /// No `Authorization` header and no presigned query.
    pub const MISSING_AUTHENTICATION_TOKEN: &'static str = "MissingAuthenticationTokenException";
    /// The header or query is missing a part, or a part is malformed.
    pub const INCOMPLETE_SIGNATURE: &'static str = "IncompleteSignatureException";
    /// Well formed but wrong: scope, skew, unsigned `host`, or signature.
    pub const INVALID_SIGNATURE: &'static str = "InvalidSignatureException";
    /// The access key id is unknown.
    pub const UNRECOGNIZED_CLIENT: &'static str = "UnrecognizedClientException";

    /// The HTTP status to send.
    ///
    /// AWS's JSON services answer all four with 400 (DynamoDB and Kinesis as recorded by dynalite
    /// and kinesalite; STS's 403 belongs to the query protocol), and the SDKs map errors by `__type`,
    /// not by status.
    pub fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn missing_token() -> Self {
        Self {
            code: Self::MISSING_AUTHENTICATION_TOKEN,
            message: MSG_MISSING_TOKEN.to_owned(),
        }
    }

    fn incomplete(message: String) -> Self {
        Self {
            code: Self::INCOMPLETE_SIGNATURE,
            message,
        }
    }

    fn invalid(message: String) -> Self {
        Self {
            code: Self::INVALID_SIGNATURE,
            message,
        }
    }

    fn mismatch() -> Self {
        Self::invalid(MSG_SIGNATURE_MISMATCH.to_owned())
    }

    fn unrecognized_client() -> Self {
        Self {
            code: Self::UNRECOGNIZED_CLIENT,
            message: MSG_UNRECOGNIZED_CLIENT.to_owned(),
        }
    }
}

/// Verifies the SigV4 signature of a request and returns who signed it.
///
/// `body` must be the exact bytes received: the signature covers their hash.
/// Both the `Authorization` header and the presigned query (`X-Amz-Algorithm=…`) forms are accepted.
pub fn verify_request(
    parts: &Parts,
    body: &[u8],
    now: SystemTime,
    settings: &SigV4Settings,
    keys: &dyn AccessKeys,
) -> Result<Caller, SigV4Error> {
    let query = parse_query(parts.uri.query().unwrap_or(""));
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .filter(|value| !value.is_empty());
    let presigned = query.iter().any(|(name, _)| name == QUERY_ALGORITHM);

    let auth = match (header, presigned) {
        (Some(_), true) => return Err(SigV4Error::invalid(MSG_HEADER_AND_QUERY.to_owned())),
        (None, false) => return Err(SigV4Error::missing_token()),
        (Some(header), false) => AuthParams::from_header(&header, &parts.headers)?,
        (None, true) => AuthParams::from_query(&query)?,
    };

    let timestamp = parse_timestamp(&auth.date)?;
    if !settings.dev_mode {
        // A presigned URL may ask for a shorter life than the skew window, never a longer one:
        // this API is not S3, and a week-long replayable admin call is not something to offer.
        let past = auth
            .expires
            .map_or(settings.max_skew, |expires| expires.min(settings.max_skew));
        check_skew(timestamp, now, past, settings.max_skew)?;
    }

    let signs_host = auth
        .signed_headers
        .split(';')
        .any(|name| name.eq_ignore_ascii_case("host") || name == ":authority");
    if !signs_host {
        return Err(SigV4Error::invalid(MSG_HOST_NOT_SIGNED.to_owned()));
    }
    let signs_target = auth
        .signed_headers
        .split(';')
        .any(|name| name.eq_ignore_ascii_case("x-amz-target"));
    if !signs_target {
        return Err(SigV4Error::invalid(MSG_TARGET_NOT_SIGNED.to_owned()));
    }

    if auth.algorithm != ALGORITHM {
        return Err(SigV4Error::incomplete(format!(
            "Unsupported AWS 'algorithm': '{}' (only {ALGORITHM} for now). ",
            echo(&auth.algorithm)
        )));
    }

    let scope = CredentialScope::parse(&auth.credential)?;
    scope.check(timestamp, settings)?;
    let caller = Caller {
        access_key_id: scope.access_key_id.to_owned(),
        region: scope.region.to_owned(),
    };
    if settings.dev_mode {
        return Ok(caller);
    }

    let secret = keys
        .secret_for(scope.access_key_id)
        .ok_or_else(SigV4Error::unrecognized_client)?;
    let payload_hash = payload_hash(&parts.headers, &auth.signed_headers, body)?;
    let canonical = canonical_request(
        parts,
        &query,
        presigned,
        &auth.signed_headers,
        &payload_hash,
    );
    let string_to_sign = string_to_sign(timestamp, &scope, &canonical);
    // The scope date equals the request date (checked above), so the request time derives the key.
    let signing_time = system_time(timestamp).ok_or_else(SigV4Error::mismatch)?;
    let signing_key = generate_signing_key(&secret, signing_time, scope.region, scope.service);
    let expected = calculate_signature(signing_key, string_to_sign.as_bytes());
    if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(caller)
    } else {
        Err(SigV4Error::mismatch())
    }
}

/// The signature parameters, from either the `Authorization` header or the presigned query.
#[derive(Debug)]
struct AuthParams {
    algorithm: String,
    credential: String,
    signed_headers: String,
    signature: String,
    /// The raw date: `X-Amz-Date` (header or query) or the `Date` header.
    date: String,
    /// `X-Amz-Expires` of a presigned query.
    expires: Option<Duration>,
}

impl AuthParams {
    /// Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    fn from_header(header: &str, headers: &HeaderMap) -> Result<Self, SigV4Error> {
        let trimmed = header.trim();
        // AWS treats any other scheme (`Bearer …`, `AWS4` alone) as no credentials at all.
        if !trimmed.starts_with("AWS4-") {
            return Err(SigV4Error::missing_token());
        }
        let (algorithm, rest) = match trimmed.find([' ', ',']) {
            Some(at) => (&trimmed[..at], &trimmed[at..]),
            None => (trimmed, ""),
        };

        // Parameters may be separated by commas, spaces or both; a repeated key keeps its last value.
        let mut params: HashMap<&str, &str> = HashMap::new();
        for token in rest.split([',', ' ']).filter(|token| !token.is_empty()) {
            let Some((name, value)) = token.split_once('=') else {
                return Err(SigV4Error::incomplete(format!(
                    "'{}' not a valid key=value pair (missing equal-sign) in Authorization header: '{}'.",
                    echo(token),
                    echo(header)
                )));
            };
            params.insert(name, value);
        }

        let credential = params.get("Credential").copied().unwrap_or_default();
        let signature = params.get("Signature").copied().unwrap_or_default();
        let signed_headers = params.get("SignedHeaders").copied();
        let date = first_non_empty(headers, X_AMZ_DATE)
            .or_else(|| first_non_empty(headers, DATE.as_str()));

        let mut missing = String::new();
        if credential.is_empty() {
            missing.push_str("Authorization header requires 'Credential' parameter. ");
        }
        if signature.is_empty() {
            missing.push_str("Authorization header requires 'Signature' parameter. ");
        }
        // An empty `SignedHeaders=` passes this check and fails the `host` check instead, as at AWS.
        if signed_headers.is_none() {
            missing.push_str("Authorization header requires 'SignedHeaders' parameter. ");
        }
        if date.is_none() {
            missing.push_str(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
            );
        }
        if !missing.is_empty() {
            return Err(SigV4Error::incomplete(format!(
                "{missing}Authorization={}",
                echo(header)
            )));
        }

        Ok(Self {
            algorithm: algorithm.to_owned(),
            credential: credential.to_owned(),
            signed_headers: signed_headers.unwrap_or_default().to_owned(),
            signature: signature.to_owned(),
            date: date.unwrap_or_default(),
            expires: None,
        })
    }

    /// Reads the presigned form, `?X-Amz-Algorithm=…&X-Amz-Credential=…&…&X-Amz-Signature=…`.
    fn from_query(query: &[(String, String)]) -> Result<Self, SigV4Error> {
        // The first occurrence wins, as at AWS.
        let get = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
                .filter(|value| !value.is_empty())
        };

        let required = [
            QUERY_ALGORITHM,
            QUERY_CREDENTIAL,
            QUERY_SIGNATURE,
            QUERY_SIGNED_HEADERS,
            QUERY_DATE,
        ];
        let mut missing = String::new();
        for name in required {
            if get(name).is_none() {
                missing.push_str(&format!(
                    "AWS query-string parameters must include '{name}'. "
                ));
            }
        }
        if !missing.is_empty() {
            return Err(SigV4Error::incomplete(format!(
                "{missing}Re-examine the query-string parameters."
            )));
        }

        let expires = match get(QUERY_EXPIRES) {
            None => None,
            Some(value) => Some(Duration::from_secs(value.parse::<u64>().map_err(|_| {
                SigV4Error::incomplete(format!(
                    "X-Amz-Expires must be a non-negative integer, got '{}'. Re-examine the query-string parameters.",
                    echo(value)
                ))
            })?)),
        };

        Ok(Self {
            algorithm: get(QUERY_ALGORITHM).unwrap_or_default().to_owned(),
            credential: get(QUERY_CREDENTIAL).unwrap_or_default().to_owned(),
            signed_headers: get(QUERY_SIGNED_HEADERS).unwrap_or_default().to_owned(),
            signature: get(QUERY_SIGNATURE).unwrap_or_default().to_owned(),
            date: get(QUERY_DATE).unwrap_or_default().to_owned(),
            expires,
        })
    }
}

fn first_non_empty(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// `AKID/YYYYMMDD/region/service/aws4_request`, split.
#[derive(Debug)]
struct CredentialScope<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
}

impl<'a> CredentialScope<'a> {
    fn parse(credential: &'a str) -> Result<Self, SigV4Error> {
        // AWS ignores trailing slashes here.
        let elements: Vec<&str> = credential.trim_end_matches('/').split('/').collect();
        let &[access_key_id, date, region, service, terminator] = elements.as_slice() else {
            return Err(SigV4Error::incomplete(format!(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
                echo(credential)
            )));
        };
        Ok(Self {
            access_key_id,
            date,
            region,
            service,
            terminator,
        })
    }

    /// Reports every wrong element at once, as AWS does.
    fn check(&self, timestamp: OffsetDateTime, settings: &SigV4Settings) -> Result<(), SigV4Error> {
        let mut message = String::new();
        // A region becomes part of pool ids and ARNs, so even "any region" means a well-formed one.
        let well_formed = !self.region.is_empty()
            && self
                .region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let region_ok = well_formed
            && (settings.regions.is_empty()
                || settings.regions.iter().any(|region| region == self.region));
        if !region_ok {
            // AWS says only "Credential should be scoped to a valid region."; naming the region
            // this server expects tells a developer which setting to change.
            let expected = settings
                .regions
                .iter()
                .map(|r| format!("'{r}'"))
                .collect::<Vec<_>>()
                .join(" or ");
            let expected = if expected.is_empty() {
                String::new()
            } else {
                format!(": {expected}")
            };
            message.push_str(&format!(
                "Credential should be scoped to a valid region{expected}, not '{}'. ",
                self.region
            ));
        }
        if self.service != settings.service {
            message.push_str(&format!(
                "Credential should be scoped to correct service: '{}'. ",
                settings.service
            ));
        }
        if self.terminator != TERMINATOR {
            message.push_str(&format!(
                "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'. ",
                echo(self.terminator)
            ));
        }
        let request_date = format_date(timestamp);
        if self.date != request_date {
            message.push_str(&format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{request_date}', from '{}'.",
                echo(self.date),
                format_date_time(timestamp)
            ));
        }
        if message.is_empty() {
            Ok(())
        } else {
            Err(SigV4Error::invalid(message))
        }
    }
}
