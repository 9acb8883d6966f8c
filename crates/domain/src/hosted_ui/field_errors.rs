//! Cognito's errors as a person reads them: which field of the page they belong to, in plain
//! words. The API keeps Cognito's wording for programs; a page says what to do instead.

use crate::error::{Error, ErrorKind, PasswordRule, Reason};
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

/// The sentence for a password-policy rule, with the pool's own minimum length.
fn password_rule_message(rule: PasswordRule, policy: &PasswordPolicy) -> String {
    match rule {
        PasswordRule::TooShort => format!(
            "The password must be at least {} characters long.",
            policy.minimum_length
        ),
        PasswordRule::TooLong => "The password must be at most 256 characters long.".to_owned(),
        PasswordRule::SurroundingWhitespace => {
            "The password must not start or end with a space.".to_owned()
        }
        PasswordRule::Lowercase => "The password must contain a lowercase letter.".to_owned(),
        PasswordRule::Uppercase => "The password must contain an uppercase letter.".to_owned(),
        PasswordRule::Numbers => "The password must contain a number.".to_owned(),
        PasswordRule::Symbols => "The password must contain a symbol, such as ! or %.".to_owned(),
    }
}

/// Maps a domain error met on a page to the field it belongs to and a sentence for a person.
/// `password_field` names the page's password input (`password` or the new password).
pub fn field_error(e: &Error, policy: &PasswordPolicy, password_field: &str) -> FieldError {
    match e.reason() {
        Some(reason) => reason_error(reason, policy, password_field),
        None => kind_error(e, password_field),
    }
}

/// Errors whose constructor recorded why: the sentence follows the reason.
fn reason_error(reason: Reason, policy: &PasswordPolicy, password_field: &str) -> FieldError {
    const PHONE_HINT: &str = "Enter a phone number with its country code, such as +14155550123.";
    match reason {
        Reason::PasswordPolicy(rule) => {
            FieldError::new(password_field, password_rule_message(rule, policy))
        }
        Reason::IncorrectCredentials => {
            FieldError::new("password", "Incorrect username or password.")
        }
        Reason::UserDisabled => FieldError::new(
            FORM,
            "This account is disabled. Contact your administrator.",
        ),
        Reason::PasswordAttemptsExceeded => FieldError::new(
            FORM,
            "Too many failed attempts. Wait a few minutes and try again.",
        ),
        Reason::CodeAttemptsExceeded => {
            FieldError::new(FORM, "Too many attempts. Wait a few minutes and try again.")
        }
        Reason::SignUpNotPermitted => FieldError::new(
            FORM,
            "You cannot create an account here. Ask your administrator for one.",
        ),
        Reason::TemporaryPasswordExpired => FieldError::new(
            FORM,
            "Your temporary password has expired. Ask your administrator for a new one.",
        ),
        Reason::SessionExpired => FieldError::new(FORM, "This page expired. Please sign in again."),
        Reason::AlreadyConfirmed => {
            FieldError::new(FORM, "This account is already confirmed. You can sign in.")
        }
        Reason::UnauthorizedAttributeWrite => FieldError::new(
            FORM,
            "This app may not set one of the fields you filled in.",
        ),
        Reason::UsernameNotEmail => FieldError::new("username", "Enter a valid email address."),
        Reason::UsernameNotPhoneNumber => FieldError::new("username", PHONE_HINT),
        Reason::UsernameNotEmailOrPhoneNumber => FieldError::new(
            "username",
            "Enter an email address or a phone number with its country code.",
        ),
        Reason::InvalidEmailFormat => FieldError::new("email", "Enter a valid email address."),
        Reason::InvalidPhoneNumberFormat => FieldError::new("phone_number", PHONE_HINT),
        Reason::NoVerifiedRecoveryChannel => FieldError::new(
            FORM,
            "We cannot reset this password: the account has no verified email address or phone number. Contact your administrator.",
        ),
        Reason::RequiredAttributeMissing => FieldError::new(FORM, "Fill in every required field."),
        Reason::CodeMismatch => FieldError::new(
            "code",
            "That code is not right. Check the code we sent you and try again.",
        ),
        Reason::CodeExpired => {
            FieldError::new("code", "That code has expired. Ask for a new code.")
        }
    }
}

/// Errors without a recorded reason: the exception decides the field and the sentence.
fn kind_error(e: &Error, password_field: &str) -> FieldError {
    use ErrorKind::*;
    let message = e.message.as_str();
    match e.kind {
        InvalidPassword | PasswordHistoryPolicyViolation => FieldError::new(
            password_field,
            format!("Choose another password: {message}"),
        ),
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
            // The function's own message, after Cognito's "<Trigger> failed with error ", is
            // meant for the person signing in.
            let said = message
                .split_once(" failed with error ")
                .map_or(message, |(_, said)| said)
                .trim_end_matches('.');
            FieldError::new(FORM, format!("{said}."))
        }
        InvalidLambdaResponse | UnexpectedLambda | InternalError => {
            FieldError::new(FORM, "Something went wrong on our side. Try again later.")
        }
        _ => FieldError::new(FORM, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(e: Error, field: &str, expected: &str) {
        let got = field_error(&e, &PasswordPolicy::default(), "password");
        assert_eq!(
            (got.field.as_str(), got.message.as_str()),
            (field, expected),
            "{e:?}"
        );
    }

    #[test]
    fn cognito_errors_become_plain_words() {
        use ErrorKind::*;
        let cases = [
            (
                Error::password_policy(PasswordRule::TooShort),
                "password",
                "The password must be at least 8 characters long.",
            ),
            (
                Error::password_policy(PasswordRule::Symbols),
                "password",
                "The password must contain a symbol, such as ! or %.",
            ),
            (
                Error::code_mismatch(),
                "code",
                "That code is not right. Check the code we sent you and try again.",
            ),
            (
                Error::code_expired(),
                "code",
                "That code has expired. Ask for a new code.",
            ),
            (
                Error::incorrect_credentials(),
                "password",
                "Incorrect username or password.",
            ),
            (
                Error::user_not_found(),
                "username",
                "There is no account with this username.",
            ),
            (
                Error::new(UsernameExists, "User already exists"),
                "username",
                "An account with this username already exists.",
            ),
            (
                Error::new(
                    UserLambdaValidation,
                    "PreSignUp failed with error Only company addresses may sign up.",
                ),
                "form",
                "Only company addresses may sign up.",
            ),
            (
                Error::username_format(true, false),
                "username",
                "Enter a valid email address.",
            ),
            (
                Error::invalid_phone_number_format(),
                "phone_number",
                "Enter a phone number with its country code, such as +14155550123.",
            ),
            (
                Error::code_attempts_exceeded(),
                "form",
                "Too many attempts. Wait a few minutes and try again.",
            ),
            (
                Error::new(
                    LimitExceeded,
                    "Exceeded daily email limit for the operation or the account.",
                ),
                "form",
                "Too many attempts. Wait a few minutes and try again.",
            ),
            (
                Error::cannot_confirm("CONFIRMED"),
                "form",
                "This account is already confirmed. You can sign in.",
            ),
        ];
        for (error, field, expected) in cases {
            check(error, field, expected);
        }
    }

    #[test]
    fn the_reason_decides_not_the_text() {
        // The same words without the constructor's reason are shown as they are, on the form.
        check(
            Error::not_authorized("Incorrect username or password."),
            "form",
            "Incorrect username or password.",
        );
    }

    #[test]
    fn constructors_keep_cognitos_wording() {
        let cases = [
            (
                Error::incorrect_credentials(),
                "NotAuthorizedException: Incorrect username or password.",
            ),
            (
                Error::user_disabled(),
                "NotAuthorizedException: User is disabled.",
            ),
            (
                Error::password_attempts_exceeded(),
                "NotAuthorizedException: Password attempts exceeded",
            ),
            (
                Error::password_policy(PasswordRule::TooShort),
                "InvalidPasswordException: Password did not conform with policy: Password not long enough",
            ),
            (
                Error::code_attempts_exceeded(),
                "LimitExceededException: Attempt limit exceeded, please try after some time.",
            ),
            (
                Error::required_attribute_missing("email"),
                "InvalidParameterException: Attributes did not conform to the schema: email: The attribute is required",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected);
        }
    }
}
