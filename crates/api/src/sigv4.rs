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
//! 5. `host` not among the signed headers → `InvalidSignatureException`;
//! 6. an algorithm other than `AWS4-HMAC-SHA256`, then a credential without five parts → `IncompleteSignatureException`;
//! 7. a credential scope for another region, service, terminator or date → `InvalidSignatureException`;
//! 8. an unknown access key → `UnrecognizedClientException`;
//! 9. a signature that does not match → `InvalidSignatureException`.
//!
//! The order, the exception names and the wording are those of DynamoDB and Kinesis responses recorded
//! by dynalite and kinesalite (the same Coral front end serves Cognito), with the newer region and
//! `:authority` wording that STS returns today.
//! Cognito's own responses have not been captured; see `docs/` once they are.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use axum::http::header::{AUTHORIZATION, DATE, HOST};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// The only algorithm SigV4 (as opposed to SigV4a) defines.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The fixed last element of every credential scope.
const TERMINATOR: &str = "aws4_request";
/// `x-amz-content-sha256` value by which a client opts out of hashing the body.
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

    if auth.algorithm != ALGORITHM {
        return Err(SigV4Error::incomplete(format!(
            "Unsupported AWS 'algorithm': '{}' (only {ALGORITHM} for now). ",
            auth.algorithm
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
    let canonical = canonical_request(parts, &query, presigned, &auth.signed_headers, &payload_hash);
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
                    "'{token}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
                )));
            };
            params.insert(name, value);
        }

        let credential = params.get("Credential").copied().unwrap_or_default();
        let signature = params.get("Signature").copied().unwrap_or_default();
        let signed_headers = params.get("SignedHeaders").copied();
        let date = first_non_empty(headers, X_AMZ_DATE).or_else(|| first_non_empty(headers, DATE.as_str()));

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
            return Err(SigV4Error::incomplete(format!("{missing}Authorization={header}")));
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
                missing.push_str(&format!("AWS query-string parameters must include '{name}'. "));
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
                    "X-Amz-Expires must be a non-negative integer, got '{value}'. Re-examine the query-string parameters."
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
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
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
        let region_ok = !self.region.is_empty()
            && (settings.regions.is_empty() || settings.regions.iter().any(|region| region == self.region));
        if !region_ok {
            message.push_str("Credential should be scoped to a valid region. ");
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
                self.terminator
            ));
        }
        let request_date = format_date(timestamp);
        if self.date != request_date {
            message.push_str(&format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{request_date}', from '{}'.",
                self.date,
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

/// Parses `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`), or an HTTP `Date` (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn parse_timestamp(value: &str) -> Result<OffsetDateTime, SigV4Error> {
    let http_date = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    parse_iso_basic(value)
        .or_else(|| PrimitiveDateTime::parse(value, http_date).ok().map(PrimitiveDateTime::assume_utc))
        .ok_or_else(|| {
            SigV4Error::incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ))
        })
}

/// Strict `YYYYMMDDTHHMMSSZ`: the string to sign repeats the date, so only one spelling may verify.
fn parse_iso_basic(value: &str) -> Option<OffsetDateTime> {
    let bytes = value.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
    let day = u8::try_from(number(6..8)?).ok()?;
    let hour = u8::try_from(number(9..11)?).ok()?;
    let minute = u8::try_from(number(11..13)?).ok()?;
    let second = u8::try_from(number(13..15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

fn format_date(timestamp: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}",
        timestamp.year(),
        u8::from(timestamp.month()),
        timestamp.day()
    )
}

fn format_date_time(timestamp: OffsetDateTime) -> String {
    format!(
        "{}T{:02}{:02}{:02}Z",
        format_date(timestamp),
        timestamp.hour(),
        timestamp.minute(),
        timestamp.second()
    )
}

/// Nanoseconds since the Unix epoch, negative before it.
fn unix_nanos(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => i128::try_from(before.duration().as_nanos()).map_or(i128::MIN, |nanos| -nanos),
    }
}

fn format_nanos(nanos: i128) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map(format_date_time)
        .unwrap_or_else(|_| nanos.to_string())
}

/// AWS words windows as `15 min`; anything not a whole number of minutes is given in seconds.
fn describe(window: Duration) -> String {
    let seconds = window.as_secs();
    if seconds > 0 && seconds % 60 == 0 {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} sec")
    }
}

/// Refuses a request dated more than `past` before `now` or more than `future` after it.
fn check_skew(
    timestamp: OffsetDateTime,
    now: SystemTime,
    past: Duration,
    future: Duration,
) -> Result<(), SigV4Error> {
    let request = timestamp.unix_timestamp_nanos();
    let now = unix_nanos(now);
    let earliest = now.saturating_sub(i128::try_from(past.as_nanos()).unwrap_or(i128::MAX));
    if request < earliest {
        return Err(SigV4Error::invalid(format!(
            "Signature expired: {} is now earlier than {} ({} - {}.)",
            format_nanos(request),
            format_nanos(earliest),
            format_nanos(now),
            describe(past)
        )));
    }
    let latest = now.saturating_add(i128::try_from(future.as_nanos()).unwrap_or(i128::MAX));
    if request > latest {
        return Err(SigV4Error::invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + {}.)",
            format_nanos(request),
            format_nanos(latest),
            format_nanos(now),
            describe(future)
        )));
    }
    Ok(())
}

fn system_time(timestamp: OffsetDateTime) -> Option<SystemTime> {
    let seconds = timestamp.unix_timestamp();
    if seconds >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(seconds.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs()))
    }
}

/// The last line of the canonical request.
///
/// A signed `x-amz-content-sha256` is what the client signed, so it is what goes into the canonical
/// request; a hash in it must still be the hash of the body, or a signed header would vouch for a
/// body it never saw.
/// `UNSIGNED-PAYLOAD` is accepted as botocore sends it for operations without payload signing: the
/// body is then not covered by the signature, only the head is.
fn payload_hash(headers: &HeaderMap, signed_headers: &str, body: &[u8]) -> Result<String, SigV4Error> {
    let body_hash = hex::encode(Sha256::digest(body));
    let signs_hash = signed_headers
        .split(';')
        .any(|name| name.eq_ignore_ascii_case(X_AMZ_CONTENT_SHA256));
    let declared = if signs_hash {
        headers.get(X_AMZ_CONTENT_SHA256)
    } else {
        None
    };
    let Some(declared) = declared else {
        return Ok(body_hash);
    };
    let declared = String::from_utf8_lossy(declared.as_bytes()).trim().to_owned();
    if declared == UNSIGNED_PAYLOAD || declared.eq_ignore_ascii_case(&body_hash) {
        Ok(declared)
    } else {
        // A hash of other bytes, or a streaming mode whose chunk signatures we do not check.
        Err(SigV4Error::mismatch())
    }
}

/// Method, canonical URI, canonical query, canonical headers, signed headers and payload hash,
/// one per line; bytes rather than a string because header values need not be UTF-8.
fn canonical_request(
    parts: &Parts,
    query: &[(String, String)],
    presigned: bool,
    signed_headers: &str,
    payload_hash: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(parts.method.as_str().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(parts.uri.path()).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(query, presigned).as_bytes());
    out.push(b'\n');
    // The list is used as sent: the signer wrote its canonical headers in the same order.
    for name in signed_headers.split(';') {
        let values = header_values(parts, &name.to_ascii_lowercase());
        // A signed header that is absent gets no line, so its removal breaks the signature
        // instead of verifying as an empty value.
        if values.is_empty() {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend_from_slice(value);
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// Every value of a header, in order, trimmed and with runs of spaces collapsed.
///
/// HTTP/2 carries the host as `:authority`, which `http` puts in the URI rather than the headers.
fn header_values(parts: &Parts, name: &str) -> Vec<Vec<u8>> {
    let from_headers = |name: &str| -> Vec<Vec<u8>> {
        parts
            .headers
            .get_all(name)
            .iter()
            .map(|value| trim_all(value.as_bytes()))
            .collect()
    };
    let authority = || -> Vec<Vec<u8>> {
        parts
            .uri
            .authority()
            .map(|authority| vec![authority.as_str().as_bytes().to_vec()])
            .unwrap_or_default()
    };
    match name {
        "host" => {
            let values = from_headers(HOST.as_str());
            if values.is_empty() { authority() } else { values }
        }
        ":authority" => {
            let values = authority();
            if values.is_empty() {
                from_headers(HOST.as_str())
            } else {
                values
            }
        }
        _ => from_headers(name),
    }
}

/// Trims spaces at both ends and collapses inner runs of spaces to one.
///
/// Only spaces, not tabs: that is what aws-sigv4 and the SigV4 specification do.
fn trim_all(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for &byte in value {
        if byte == b' ' && (out.is_empty() || out.last() == Some(&b' ')) {
            continue;
        }
        out.push(byte);
    }
    if out.last() == Some(&b' ') {
        out.pop();
    }
    out
}

/// The path as received, dot segments and empty segments removed, then percent-encoded once more.
///
/// Non-S3 services sign the already-encoded path encoded again (`%20` becomes `%2520`), which is
/// what aws-sigv4 (`PercentEncodingMode::Double`) and botocore (`quote(normalize(path), safe='/~')`) do.
fn canonical_uri(path: &str) -> String {
    let normalized = normalize_path(path);
    let mut out = String::with_capacity(normalized.len());
    for byte in normalized.bytes() {
        if byte == b'/' {
            out.push('/');
        } else {
            push_encoded(&mut out, byte);
        }
    }
    out
}

/// RFC 3986 §5.2.4 dot-segment removal, as aws-sigv4's `normalize_uri_path` does it.
fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let absolute = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    if !(absolute.contains('.') || absolute.contains("//")) {
        return absolute;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in absolute.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(absolute.len());
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    let ends_with_slash = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|suffix| absolute.ends_with(suffix));
    if ends_with_slash && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Pairs in form-urlencoded order of appearance, decoded (`+` is a space, bad escapes kept as is),
/// the way aws-sigv4 reads the query before it re-encodes it.
fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

fn form_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'+' => {
                out.push(b' ');
                index += 1;
            }
            b'%' => {
                let high = bytes.get(index + 1).and_then(|digit| hex_value(*digit));
                let low = bytes.get(index + 2).and_then(|digit| hex_value(*digit));
                if let (Some(high), Some(low)) = (high, low) {
                    out.push(high << 4 | low);
                    index += 3;
                } else {
                    out.push(b'%');
                    index += 1;
                }
            }
            other => {
                out.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// Every pair encoded, sorted by encoded name then value, `name=value` joined by `&`.
/// A presigned request's own signature is the one parameter it cannot have signed.
fn canonical_query(query: &[(String, String)], presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(name, _)| !(presigned && name == QUERY_SIGNATURE))
        .map(|(name, value)| (uri_encode(name), uri_encode(value)))
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

fn uri_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        push_encoded(&mut out, byte);
    }
    out
}

/// Keeps RFC 3986 unreserved characters, escapes everything else with upper-case hex.
fn push_encoded(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
        out.push(char::from(byte));
    } else {
        out.push('%');
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
}

fn string_to_sign(timestamp: OffsetDateTime, scope: &CredentialScope<'_>, canonical: &[u8]) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}/{}/{}/{}\n{}",
        format_date_time(timestamp),
        scope.date,
        scope.region,
        scope.service,
        scope.terminator,
        hex::encode(Sha256::digest(canonical))
    )
}
