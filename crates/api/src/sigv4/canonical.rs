//! The canonical request and the string to sign, built byte for byte as the AWS signers build
//! them: payload hash, header values, URI and query canonicalisation, and percent-encoding.

use axum::http::HeaderMap;
use axum::http::header::HOST;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::*;

/// The last line of the canonical request.
///
/// A signed `x-amz-content-sha256` is what the client signed, so it is what goes into the canonical
/// request; a hash in it must still be the hash of the body, or a signed header would vouch for a
/// body it never saw.
/// `UNSIGNED-PAYLOAD` is refused like any value that is not the body's hash: with it, the
/// signature would cover the head only, and a captured request could carry another body.
pub(super) fn payload_hash(
    headers: &HeaderMap,
    signed_headers: &str,
    body: &[u8],
) -> Result<String, SigV4Error> {
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
    let declared = String::from_utf8_lossy(declared.as_bytes())
        .trim()
        .to_owned();
    if declared.eq_ignore_ascii_case(&body_hash) {
        Ok(declared)
    } else {
        // A hash of other bytes, or a streaming mode whose chunk signatures we do not check.
        Err(SigV4Error::mismatch())
    }
}

/// Method, canonical URI, canonical query, canonical headers, signed headers and payload hash,
/// one per line; bytes rather than a string because header values need not be UTF-8.
pub(super) fn canonical_request(
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
pub(super) fn header_values(parts: &Parts, name: &str) -> Vec<Vec<u8>> {
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
            if values.is_empty() {
                authority()
            } else {
                values
            }
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
pub(super) fn trim_all(value: &[u8]) -> Vec<u8> {
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
pub(super) fn canonical_uri(path: &str) -> String {
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
pub(super) fn normalize_path(path: &str) -> String {
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
pub(super) fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

pub(super) fn form_decode(input: &str) -> String {
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

pub(super) fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// Every pair encoded, sorted by encoded name then value, `name=value` joined by `&`.
/// A presigned request's own signature is the one parameter it cannot have signed.
pub(super) fn canonical_query(query: &[(String, String)], presigned: bool) -> String {
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

pub(super) fn uri_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        push_encoded(&mut out, byte);
    }
    out
}

/// Keeps RFC 3986 unreserved characters, escapes everything else with upper-case hex.
pub(super) fn push_encoded(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
        out.push(char::from(byte));
    } else {
        out.push('%');
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
}

pub(super) fn string_to_sign(
    timestamp: OffsetDateTime,
    scope: &CredentialScope<'_>,
    canonical: &[u8],
) -> String {
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
