//! ListUsers' filter grammar: `attribute = "value"` or `attribute ^= "value"`,
//! with `\"` and `\\` escapes inside the quotes.

use crate::error::{Error, Result};
use crate::ports::SearchFilter;

/// The attributes Cognito lets ListUsers search.
pub const SEARCHABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

fn parse_error() -> Error {
    Error::invalid_parameter("Error while parsing filter.")
}

/// Parses a filter; an empty or blank filter means "all users".
pub fn parse(filter: &str) -> Result<Option<SearchFilter>> {
    let text = filter.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let name_end = text
        .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
        .ok_or_else(parse_error)?;
    let (attribute, rest) = text.split_at(name_end);
    let rest = rest.trim_start();
    let (prefix, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (false, r)
    } else {
        return Err(parse_error());
    };
    let value = parse_quoted(rest.trim())?;
    if attribute.is_empty() {
        return Err(parse_error());
    }
    if !SEARCHABLE.contains(&attribute) {
        return Err(Error::invalid_parameter(format!(
            "Invalid search attribute: {attribute}"
        )));
    }
    Ok(Some(SearchFilter {
        attribute: attribute.to_owned(),
        value,
        prefix,
    }))
}

fn parse_quoted(text: &str) -> Result<String> {
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(parse_error)?;
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next().ok_or_else(parse_error)?),
            '"' => return Err(parse_error()),
            c => value.push(c),
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(filter: &str, expected: std::result::Result<Option<(&str, &str, bool)>, &str>) {
        let got = parse(filter)
            .map(|f| f.map(|f| (f.attribute, f.value, f.prefix)))
            .map_err(|e| e.message);
        let expected = expected
            .map(|f| f.map(|(a, v, p)| (a.to_owned(), v.to_owned(), p)))
            .map_err(str::to_owned);
        assert_eq!(got, expected, "filter {filter:?}");
    }

    #[test]
    fn filters_parse_as_cognito_documents_them() {
        check("", Ok(None));
        check("   ", Ok(None));
        check(
            "email = \"a@example.com\"",
            Ok(Some(("email", "a@example.com", false))),
        );
        check("email=\"a@\"", Ok(Some(("email", "a@", false))));
        check("given_name ^= \"Jo\"", Ok(Some(("given_name", "Jo", true))));
        check(
            "cognito:user_status = \"UNCONFIRMED\"",
            Ok(Some(("cognito:user_status", "UNCONFIRMED", false))),
        );
        check(
            "name = \"say \\\"hi\\\"\"",
            Ok(Some(("name", "say \"hi\"", false))),
        );
        check("foo", Err("Error while parsing filter."));
        check("email = a@example.com", Err("Error while parsing filter."));
        check("email ~ \"x\"", Err("Error while parsing filter."));
        check("email = \"unterminated", Err("Error while parsing filter."));
        check(
            "custom:tier = \"gold\"",
            Err("Invalid search attribute: custom:tier"),
        );
    }
}

/// Fuzzing (issue 10): any text at all, and every filter the grammar can express.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    fn escape(value: &str) -> String {
        value.replace('\\', "\\\\").replace('"', "\\\"")
    }

    #[test]
    fn fuzz_filter_corpus() {
        let corpus = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/corpus/filter.txt"
        ));
        for line in corpus.lines() {
            let _ = parse(line);
        }
    }

    proptest! {
        #[test]
        fn fuzz_filter_parses_any_text_without_panicking(text in any::<String>()) {
            if let Err(e) = parse(&text) {
                prop_assert_eq!(e.kind, crate::ErrorKind::InvalidParameter);
            }
        }

        #[test]
        fn fuzz_filter_reads_back_every_filter_it_can_express(
            attribute in proptest::sample::select(SEARCHABLE),
            value in any::<String>(),
            prefix in any::<bool>(),
            space in "[ \t]{0,3}",
        ) {
            let operator = if prefix { "^=" } else { "=" };
            let text = format!("{attribute}{space}{operator}{space}\"{}\"", escape(&value));
            let parsed = parse(&text).unwrap();
            prop_assert_eq!(
                parsed,
                Some(SearchFilter { attribute: attribute.to_owned(), value, prefix })
            );
        }
    }
}
