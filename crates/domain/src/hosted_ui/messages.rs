//! Cognito's errors as a person reads them: which field of the page they belong to, in plain
//! words. The API keeps Cognito's wording for programs; a page says what to do instead.

use crate::error::{Error, ErrorKind};
use crate::pool::PasswordPolicy;

/// The field an error is about; [`FORM`] for the form as a whole.
pub const FORM: &str = "form";

/// An error shown next to a field (or above the form, for [`FORM`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The name of the field's input, or [`FORM`].
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The message a password-policy failure gets, from the rule Cognito names.
fn password_message(reason: &str, policy: &PasswordPolicy) -> String {
    let rule = reason
        .strip_prefix("Password did not conform with policy: ")
        .unwrap_or(reason);
    match rule {
        "Password not long enough" => format!(
            "The password must be at least {} characters long.",
            policy.minimum_length
        ),
        "Password must have length less than or equal to 256" => {
            "The password must be at most 256 characters long.".to_owned()
        }
        "Password must not have leading or trailing whitespace" => {
            "The password must not start or end with a space.".to_owned()
        }
        "Password must have lowercase characters" => {
            "The password must contain a lowercase letter.".to_owned()
        }
        "Password must have uppercase characters" => {
            "The password must contain an uppercase letter.".to_owned()
        }
        "Password must have numeric characters" => "The password must contain a number.".to_owned(),
        "Password must have symbol characters" => {
            "The password must contain a symbol, such as ! or %.".to_owned()
        }
        other => format!("Choose another password: {other}"),
    }
}

/// Maps a domain error met on a page to the field it belongs to and a sentence for a person.
/// `password_field` names the page's password input (`password` or the new password).
pub fn field_error(e: &Error, policy: &PasswordPolicy, password_field: &str) -> FieldError {
    use ErrorKind::*;
    let message = e.message.as_str();
    match e.kind {
        InvalidPassword | PasswordHistoryPolicyViolation => {
            FieldError::new(password_field, password_message(message, policy))
        }
        CodeMismatch => FieldError::new(
            "code",
            "That code is not right. Check the code we sent you and try again.",
        ),
        ExpiredCode => FieldError::new("code", "That code has expired. Ask for a new code."),
        LimitExceeded | TooManyFailedAttempts | TooManyRequests => {
            FieldError::new(FORM, "Too many attempts. Wait a few minutes and try again.")
        }
        UsernameExists => {
            FieldError::new("username", "An account with this username already exists.")
        }
        AliasExists => FieldError::new(
            FORM,
            "An account with this email address or phone number already exists.",
        ),
        UserNotFound => FieldError::new("username", "There is no account with this username."),
        UserNotConfirmed => FieldError::new(FORM, "This account is not confirmed yet."),
        PasswordResetRequired => FieldError::new(
            FORM,
            "You must choose a new password before you can sign in.",
        ),
        CodeDeliveryFailure => {
            FieldError::new(FORM, "We could not send you a code. Try again later.")
        }
        UserLambdaValidation => {
            // The function's own message is meant for the person signing in.
            let said = message
                .split_once(" failed with error ")
                .map_or(message, |(_, said)| said)
                .trim_end_matches('.');
            FieldError::new(FORM, format!("{said}."))
        }
        InvalidLambdaResponse | UnexpectedLambda | InternalError => {
            FieldError::new(FORM, "Something went wrong on our side. Try again later.")
        }
        NotAuthorized => not_authorized(message),
        InvalidParameter => invalid_parameter(message),
        _ => FieldError::new(FORM, message),
    }
}

fn not_authorized(message: &str) -> FieldError {
    match message {
        "Incorrect username or password." => {
            FieldError::new("password", "Incorrect username or password.")
        }
        "User is disabled." => FieldError::new(
            FORM,
            "This account is disabled. Contact your administrator.",
        ),
        "Password attempts exceeded" => FieldError::new(
            FORM,
            "Too many failed attempts. Wait a few minutes and try again.",
        ),
        "SignUp is not permitted for this user pool" => FieldError::new(
            FORM,
            "You cannot create an account here. Ask your administrator for one.",
        ),
        "Temporary password has expired and must be reset by an administrator." => FieldError::new(
            FORM,
            "Your temporary password has expired. Ask your administrator for a new one.",
        ),
        "Invalid session for the user, session is expired." => {
            FieldError::new(FORM, "This page expired. Please sign in again.")
        }
        m if m.starts_with("User cannot be confirmed") => {
            FieldError::new(FORM, "This account is already confirmed. You can sign in.")
        }
        m if m.starts_with("A client attempted to write unauthorized attribute") => {
            FieldError::new(
                FORM,
                "This app may not set one of the fields you filled in.",
            )
        }
        other => FieldError::new(FORM, other),
    }
}

fn invalid_parameter(message: &str) -> FieldError {
    match message {
        "Username should be an email." => {
            FieldError::new("username", "Enter a valid email address.")
        }
        "Username should be a phone number." => FieldError::new(
            "username",
            "Enter a phone number with its country code, such as +14155550123.",
        ),
        "Username should be either an email or a phone number." => FieldError::new(
            "username",
            "Enter an email address or a phone number with its country code.",
        ),
        "Invalid email address format." => FieldError::new("email", "Enter a valid email address."),
        "Invalid phone number format." => FieldError::new(
            "phone_number",
            "Enter a phone number with its country code, such as +14155550123.",
        ),
        m if m.starts_with(
            "Cannot reset password for the user as there is no registered/verified",
        ) =>
        {
            FieldError::new(
                FORM,
                "We cannot reset this password: the account has no verified email address or phone number. Contact your administrator.",
            )
        }
        m if m.contains("The attribute is required") => {
            FieldError::new(FORM, "Fill in every required field.")
        }
        other => FieldError::new(FORM, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: ErrorKind, message: &str, field: &str, expected: &str) {
        let e = Error::new(kind, message);
        let got = field_error(&e, &PasswordPolicy::default(), "password");
        assert_eq!(
            (got.field.as_str(), got.message.as_str()),
            (field, expected),
            "{message}"
        );
    }

    #[test]
    fn cognito_errors_become_plain_words() {
        use ErrorKind::*;
        let cases = [
            (
                InvalidPassword,
                "Password did not conform with policy: Password not long enough",
                "password",
                "The password must be at least 8 characters long.",
            ),
            (
                InvalidPassword,
                "Password did not conform with policy: Password must have symbol characters",
                "password",
                "The password must contain a symbol, such as ! or %.",
            ),
            (
                CodeMismatch,
                "Invalid verification code provided, please try again.",
                "code",
                "That code is not right. Check the code we sent you and try again.",
            ),
            (
                ExpiredCode,
                "Invalid code provided, please request a code again.",
                "code",
                "That code has expired. Ask for a new code.",
            ),
            (
                NotAuthorized,
                "Incorrect username or password.",
                "password",
                "Incorrect username or password.",
            ),
            (
                UserNotFound,
                "User does not exist.",
                "username",
                "There is no account with this username.",
            ),
            (
                UsernameExists,
                "User already exists",
                "username",
                "An account with this username already exists.",
            ),
            (
                UserLambdaValidation,
                "PreSignUp failed with error Only company addresses may sign up.",
                "form",
                "Only company addresses may sign up.",
            ),
            (
                InvalidParameter,
                "Username should be an email.",
                "username",
                "Enter a valid email address.",
            ),
            (
                LimitExceeded,
                "Attempt limit exceeded, please try after some time.",
                "form",
                "Too many attempts. Wait a few minutes and try again.",
            ),
        ];
        for (kind, message, field, expected) in cases {
            check(kind, message, field, expected);
        }
    }
}
