//! Cognito's user import CSV: how a line splits into fields, which columns a file may and
//! must have, and how one row becomes a user (or the reason it does not).
//!
//! The rules are Cognito's ("Creating the user import CSV file"): the first line is the
//! header GetCSVHeader gives, in any order; every other line is one user; a comma inside a
//! value is written `\,` (Cognate also reads RFC 4180 double quotes); values are trimmed;
//! `cognito:username` and `cognito:mfa_enabled` are required; at least one of the pool's
//! auto-verified attributes must be verified for each user, and each verified attribute
//! must have a value; the pool's required attributes must have values; users arrive in
//! `RESET_REQUIRED`. Cognate's addition is the `cognito:password_hash` column, read when
//! the job names a PasswordHashingAlgorithm: a user with a hash arrives `CONFIRMED` and
//! keeps their password (see `legacy_password`).

use std::collections::BTreeMap;

use cognate_crypto::legacy_hash::{HashAlgorithm, LegacyHash};

use crate::enums::{MfaMode, UserStatus, VerifiableAttribute};
use crate::pool::UserPool;
use crate::schema::Writer;
use crate::user::{MfaOption, SoftwareTokens, User, collect_attributes};
use crate::{Domain, Timestamp, ids};

pub(crate) const USERNAME: &str = "cognito:username";
pub(crate) const MFA_ENABLED: &str = "cognito:mfa_enabled";
/// Cognate's column for an imported password hash (Cognito's own name for it is not
/// documented; this is the decision, written in the README).
pub(crate) const PASSWORD_HASH: &str = "cognito:password_hash";

/// Cognito's limits on an import file.
pub(crate) const MAX_LINE_CHARS: usize = 16_000;
pub(crate) const MAX_USERS: u64 = 500_000;
pub(crate) const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

/// Splits one line into trimmed fields: `\,` is a literal comma, `\\` a backslash, and a
/// field that starts with `"` runs to the matching `"` (`""` inside is one quote).
pub(crate) fn split_line(line: &str) -> Vec<String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if at_start && field.trim().is_empty() && !quoted => {
                quoted = true;
                field.clear();
            }
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            }
            '\\' if !quoted && matches!(chars.peek(), Some(',') | Some('\\')) => {
                if let Some(next) = chars.next() {
                    field.push(next);
                }
            }
            ',' if !quoted => {
                fields.push(field.trim().to_owned());
                field.clear();
                at_start = true;
                continue;
            }
            other => field.push(other),
        }
        at_start = false;
    }
    fields.push(field.trim().to_owned());
    fields
}

/// The file's header, checked against the pool: where each column is.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    columns: Vec<String>,
}

impl Header {
    /// Checks the header line; the error is the job's CompletionMessage.
    pub(crate) fn parse(
        pool: &UserPool,
        line: &str,
        hashes: Option<HashAlgorithm>,
    ) -> Result<Header, String> {
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let columns = split_line(line);
        let known = |name: &str| {
            name == USERNAME
                || name == MFA_ENABLED
                || (name == PASSWORD_HASH && hashes.is_some())
                || (name != "sub"
                    && pool
                        .attribute(name)
                        .is_some_and(|attribute| !attribute.developer_only))
                || name == "email_verified"
                || name == "phone_number_verified"
        };
        if let Some(unknown) = columns.iter().find(|c| !known(c)) {
            return Err(if unknown == PASSWORD_HASH {
                format!(
                    "The CSV header has a {PASSWORD_HASH} column, but the job names no PasswordHashingAlgorithm."
                )
            } else {
                format!("The CSV header has a column that is not in the user pool: {unknown}")
            });
        }
        for (i, column) in columns.iter().enumerate() {
            if columns[..i].contains(column) {
                return Err(format!("The CSV header names the column {column} twice."));
            }
        }
        let required = pool
            .schema
            .iter()
            .filter(|a| a.required && a.name != "sub")
            .map(|a| a.name.as_str());
        for needed in [USERNAME, MFA_ENABLED].into_iter().chain(required) {
            if !columns.iter().any(|c| c == needed) {
                return Err(format!(
                    "The CSV header is missing the required column {needed}."
                ));
            }
        }
        Ok(Header { columns })
    }
}

/// What became of one row.
pub(crate) enum Row {
    User(Box<User>),
    Failed(String),
}

/// What building users needs besides the row.
pub(crate) struct RowContext<'a> {
    pub domain: &'a Domain,
    pub pool: &'a UserPool,
    pub header: &'a Header,
    pub hashes: Option<HashAlgorithm>,
    pub now: Timestamp,
}

impl RowContext<'_> {
    /// Turns one data line into a user, or the reason it cannot be imported.
    pub(crate) fn row(&self, line: &str) -> Row {
        match self.build(line) {
            Ok(user) => Row::User(Box::new(user)),
            Err(reason) => Row::Failed(reason),
        }
    }

    fn build(&self, line: &str) -> Result<User, String> {
        if line.chars().count() > MAX_LINE_CHARS {
            return Err(format!(
                "The line is longer than {MAX_LINE_CHARS} characters."
            ));
        }
        let fields = split_line(line);
        let columns = &self.header.columns;
        if fields.len() != columns.len() {
            return Err(format!(
                "The line has {} fields; the header has {}.",
                fields.len(),
                columns.len()
            ));
        }
        let mut username = None;
        let mut mfa_enabled = None;
        let mut hash = None;
        let mut given = Vec::new();
        for (column, value) in columns.iter().zip(fields) {
            match column.as_str() {
                USERNAME => username = Some(value),
                MFA_ENABLED => mfa_enabled = Some(value),
                PASSWORD_HASH => hash = Some(value).filter(|v| !v.is_empty()),
                _ if value.is_empty() => {}
                // Cognito reads these booleans in any case; the schema wants them lower case.
                "email_verified" | "phone_number_verified" => {
                    given.push((column.clone(), value.to_ascii_lowercase()));
                }
                _ => given.push((column.clone(), value)),
            }
        }
        let username = username
            .filter(|u| !u.is_empty())
            .ok_or("The user record has no cognito:username.")?;
        if username.chars().any(char::is_whitespace) {
            return Err("The cognito:username cannot contain spaces or tabs.".to_owned());
        }
        let mfa = self.mfa_enabled(mfa_enabled.as_deref().unwrap_or_default())?;
        let mut attributes =
            collect_attributes(self.pool, &given, Writer::Admin).map_err(|e| e.message.clone())?;
        self.check_verification(&attributes, mfa)?;
        if let Some(missing) = self
            .pool
            .schema
            .iter()
            .find(|a| a.required && a.name != "sub" && !attributes.contains_key(&a.name))
        {
            return Err(format!(
                "The user record has no value for the required attribute {}.",
                missing.name
            ));
        }
        let chosen = crate::user::username_for_new_user(self.pool, &username, &mut attributes)
            .map_err(|e| e.message.clone())?;
        let sub = ids::new_uuid(self.domain.random());
        attributes.insert("sub".to_owned(), sub.clone());
        let (status, password) = match (hash, self.hashes) {
            (Some(encoded), Some(algorithm)) => {
                LegacyHash::parse(algorithm, &encoded)
                    .map_err(|e| format!("The password hash cannot be read: {e}"))?;
                let record = self
                    .domain
                    .seal_legacy_password(&self.pool.id, &sub, algorithm, &encoded)
                    .map_err(|_| "The password hash could not be stored.".to_owned())?;
                (UserStatus::Confirmed, Some(record))
            }
            _ => (UserStatus::ResetRequired, None),
        };
        let (mfa_methods, mfa_options) = if mfa {
            (
                vec!["SMS_MFA".to_owned()],
                vec![MfaOption {
                    delivery_medium: "SMS".to_owned(),
                    attribute_name: "phone_number".to_owned(),
                }],
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(User {
            pool_id: self.pool.id.clone(),
            username: chosen.unwrap_or_else(|| sub.clone()),
            sub,
            status,
            enabled: true,
            created: self.now,
            modified: self.now,
            version: 1,
            attributes,
            password,
            mfa_options,
            preferred_mfa: None,
            mfa_methods,
            software_token: SoftwareTokens::default(),
            pending_attributes: BTreeMap::new(),
        })
    }

    /// `cognito:mfa_enabled` must be `true` or `false`, and agree with the pool's MFA mode.
    fn mfa_enabled(&self, value: &str) -> Result<bool, String> {
        let enabled = match value.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            "" => return Err("The user record has no cognito:mfa_enabled value.".to_owned()),
            _ => return Err("The cognito:mfa_enabled value must be true or false.".to_owned()),
        };
        match self.pool.mfa.mode {
            MfaMode::On if !enabled => {
                Err("The user pool requires MFA, so cognito:mfa_enabled must be true.".to_owned())
            }
            MfaMode::Off if enabled => Err(
                "The user pool has MFA turned off, so cognito:mfa_enabled must be false."
                    .to_owned(),
            ),
            _ => Ok(enabled),
        }
    }

    fn check_verification(
        &self,
        attributes: &BTreeMap<String, String>,
        mfa: bool,
    ) -> Result<(), String> {
        let verified = |name: &str| {
            attributes
                .get(&format!("{name}_verified"))
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        };
        for name in ["email", "phone_number"] {
            if verified(name) && !attributes.contains_key(name) {
                return Err(format!(
                    "The user record sets {name}_verified to true but has no {name}."
                ));
            }
        }
        if mfa && !attributes.contains_key("phone_number") {
            return Err("The user record enables MFA but has no phone_number.".to_owned());
        }
        let auto_verified = &self.pool.settings.auto_verified_attributes;
        if !auto_verified.iter().any(|a| {
            verified(match a {
                VerifiableAttribute::Email => "email",
                VerifiableAttribute::PhoneNumber => "phone_number",
            })
        }) {
            return Err(
                "The user record does not set any of the auto verified attributes to true. (Example: email_verified to true)."
                    .to_owned(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_unescaped_commas() {
        let cases: [(&str, &[&str]); 6] = [
            ("a,b,c", &["a", "b", "c"]),
            ("a\\,b,c", &["a,b", "c"]),
            (" a , b ", &["a", "b"]),
            ("\"x, y\",z", &["x, y", "z"]),
            ("\"say \"\"hi\"\"\",", &["say \"hi\"", ""]),
            ("a,b\r", &["a", "b"]),
        ];
        for (line, expected) in cases {
            assert_eq!(split_line(line), expected, "{line}");
        }
    }
}
