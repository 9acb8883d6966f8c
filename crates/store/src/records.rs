//! Record ↔ row conversion and error mapping, shared by both backends.
//!
//! Every record is stored whole as its serde JSON (`doc`); the key columns beside it are
//! copied out of the record or out of the keys the domain computed. Errors keep their
//! detail for logs but never carry SQL text, URLs or record contents.

use cognate_domain::ports::{Conflict, StoreError, StoreResult};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Serialises a record into its `doc` column.
pub(crate) fn to_doc<T: Serialize>(what: &'static str, record: &T) -> StoreResult<String> {
    serde_json::to_string(record)
        .map_err(|e| StoreError::Backend(format!("cannot encode {what} record: {e}")))
}

/// Parses a `doc` column back into its record.
pub(crate) fn from_doc<T: DeserializeOwned>(what: &'static str, doc: &str) -> StoreResult<T> {
    // serde_json's message may quote the offending value (user data), so only its category
    // and position go into the log line.
    serde_json::from_str(doc).map_err(|e| {
        StoreError::Backend(format!(
            "stored {what} record is unreadable ({:?} error at column {})",
            e.classify(),
            e.column()
        ))
    })
}

pub(crate) fn from_docs<T: DeserializeOwned>(
    what: &'static str,
    docs: Vec<String>,
) -> StoreResult<Vec<T>> {
    docs.iter().map(|doc| from_doc(what, doc)).collect()
}

pub(crate) fn conflict<T>(kind: Conflict) -> StoreResult<T> {
    Err(StoreError::Conflict(kind))
}

/// Maps a database error met while doing `op`. A foreign-key violation means the row being
/// linked to (pool, user, group) is gone; everything else is a backend failure, counted in
/// `cognate_store_errors_total` by kind (`unavailable` when the database could not be
/// reached at all). sqlx's messages carry the database's own text (constraint and column
/// names), never SQL or URLs.
pub(crate) fn fail(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| {
        if let sqlx::Error::Database(db) = &e
            && db.is_foreign_key_violation()
        {
            return StoreError::Conflict(Conflict::Missing);
        }
        let kind = if is_unavailable(&e) {
            "unavailable"
        } else {
            "failed"
        };
        metrics::counter!("cognate_store_errors_total", "kind" => kind).increment(1);
        StoreError::Backend(format!("{op} ({kind}): {e}"))
    }
}

/// Errors that say the database could not be reached or went away, not that it refused a
/// statement: PostgreSQL's classes 08 (connection exception) and 57P (shutting down,
/// starting up) included.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The least string above every string that starts with `prefix`, so that
/// `value >= prefix AND value < successor` is exactly "starts with `prefix`" under byte-wise
/// (code point) ordering, and an index range. `None` when no finite bound exists (an empty
/// prefix, or one made only of U+10FFFF).
pub(crate) fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // Surrogates are not chars: the successor of U+D7FF is U+E000.
        let next = match u32::from(last) + 1 {
            0xD800 => 0xE000,
            n => n,
        };
        if let Some(next) = char::from_u32(next) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_successor_bounds_exactly_the_strings_with_that_prefix() {
        let cases: &[(&str, Option<&str>)] = &[
            ("abc", Some("abd")),
            ("a", Some("b")),
            ("", None),
            ("\u{10FFFF}", None),
            ("a\u{10FFFF}", Some("b")),
            ("x\u{D7FF}", Some("x\u{E000}")),
            ("é", Some("ê")),
        ];
        for (prefix, expected) in cases {
            assert_eq!(
                prefix_successor(prefix).as_deref(),
                *expected,
                "prefix {prefix:?}"
            );
        }
        let upper = prefix_successor("ab").unwrap_or_default();
        for inside in ["ab", "ab\u{10FFFF}\u{10FFFF}", "abzzz"] {
            assert!(inside >= "ab" && inside < upper.as_str(), "{inside:?}");
        }
        for outside in ["aa\u{10FFFF}", "ac", "b"] {
            assert!(
                !(outside >= "ab" && outside < upper.as_str()),
                "{outside:?}"
            );
        }
    }

    #[test]
    fn unreadable_docs_do_not_echo_their_content() {
        let err = from_doc::<i64>("user", "\"secret-value\"")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("user"), "{err}");
        assert!(!err.contains("secret-value"), "{err}");
    }
}
