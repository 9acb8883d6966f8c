//! The domain's error type, named after Cognito's exceptions.
//!
//! Every variant of [`ErrorKind`] is one `__type` Cognito sends, and the message text is what
//! Cognito says. The protocol layer maps kinds to HTTP in one place; the domain never picks a status.

use std::fmt;

/// A Cognito exception name, without the `Exception` suffix in the variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    AliasExists,
    CodeDeliveryFailure,
    CodeMismatch,
    ConcurrentModification,
    DeveloperUserAlreadyRegistered,
    DeviceKeyExists,
    DuplicateProvider,
    EnableSoftwareTokenMfa,
    ExpiredCode,
    ExternalService,
    Forbidden,
    GroupExists,
    InternalError,
    InvalidEmailRoleAccessPolicy,
    InvalidIdentityPoolConfiguration,
    InvalidLambdaResponse,
    InvalidOAuthFlow,
    InvalidParameter,
    InvalidPassword,
    InvalidSmsRoleAccessPolicy,
    InvalidUserPoolConfiguration,
    LimitExceeded,
    ManagedLoginBrandingExists,
    MfaMethodNotFound,
    NotAuthorized,
    PasswordHistoryPolicyViolation,
    PasswordResetRequired,
    PreconditionNotMet,
    RefreshTokenReuse,
    ResourceConflict,
    ResourceNotFound,
    ScopeDoesNotExist,
    SoftwareTokenMfaNotFound,
    TooManyFailedAttempts,
    TooManyRequests,
    UnexpectedLambda,
    UnsupportedIdentityProvider,
    UnsupportedOperation,
    UnsupportedTokenType,
    UnsupportedUserState,
    UserImportInProgress,
    UserLambdaValidation,
    UserNotConfirmed,
    UserNotFound,
    UserPoolTagging,
    UsernameExists,
    WebAuthnChallengeNotFound,
    WebAuthnClientMismatch,
    WebAuthnConfigurationMissing,
    WebAuthnCredentialNotSupported,
    WebAuthnNotEnabled,
    WebAuthnOriginNotAllowed,
    WebAuthnRelyingPartyMismatch,
}

impl ErrorKind {
    /// The `__type` Cognito puts on the wire.
    pub fn exception_name(self) -> &'static str {
        use ErrorKind::*;
        match self {
            AliasExists => "AliasExistsException",
            CodeDeliveryFailure => "CodeDeliveryFailureException",
            CodeMismatch => "CodeMismatchException",
            ConcurrentModification => "ConcurrentModificationException",
            DeveloperUserAlreadyRegistered => "DeveloperUserAlreadyRegisteredException",
            DeviceKeyExists => "DeviceKeyExistsException",
            DuplicateProvider => "DuplicateProviderException",
            EnableSoftwareTokenMfa => "EnableSoftwareTokenMFAException",
            ExpiredCode => "ExpiredCodeException",
            ExternalService => "ExternalServiceException",
            Forbidden => "ForbiddenException",
            GroupExists => "GroupExistsException",
            InternalError => "InternalErrorException",
            InvalidEmailRoleAccessPolicy => "InvalidEmailRoleAccessPolicyException",
            InvalidIdentityPoolConfiguration => "InvalidIdentityPoolConfigurationException",
            InvalidLambdaResponse => "InvalidLambdaResponseException",
            InvalidOAuthFlow => "InvalidOAuthFlowException",
            InvalidParameter => "InvalidParameterException",
            InvalidPassword => "InvalidPasswordException",
            InvalidSmsRoleAccessPolicy => "InvalidSmsRoleAccessPolicyException",
            InvalidUserPoolConfiguration => "InvalidUserPoolConfigurationException",
            LimitExceeded => "LimitExceededException",
            ManagedLoginBrandingExists => "ManagedLoginBrandingExistsException",
            MfaMethodNotFound => "MFAMethodNotFoundException",
            NotAuthorized => "NotAuthorizedException",
            PasswordHistoryPolicyViolation => "PasswordHistoryPolicyViolationException",
            PasswordResetRequired => "PasswordResetRequiredException",
            PreconditionNotMet => "PreconditionNotMetException",
            RefreshTokenReuse => "RefreshTokenReuseException",
            ResourceConflict => "ResourceConflictException",
            ResourceNotFound => "ResourceNotFoundException",
            ScopeDoesNotExist => "ScopeDoesNotExistException",
            SoftwareTokenMfaNotFound => "SoftwareTokenMFANotFoundException",
            TooManyFailedAttempts => "TooManyFailedAttemptsException",
            TooManyRequests => "TooManyRequestsException",
            UnexpectedLambda => "UnexpectedLambdaException",
            UnsupportedIdentityProvider => "UnsupportedIdentityProviderException",
            UnsupportedOperation => "UnsupportedOperationException",
            UnsupportedTokenType => "UnsupportedTokenTypeException",
            UnsupportedUserState => "UnsupportedUserStateException",
            UserImportInProgress => "UserImportInProgressException",
            UserLambdaValidation => "UserLambdaValidationException",
            UserNotConfirmed => "UserNotConfirmedException",
            UserNotFound => "UserNotFoundException",
            UserPoolTagging => "UserPoolTaggingException",
            UsernameExists => "UsernameExistsException",
            WebAuthnChallengeNotFound => "WebAuthnChallengeNotFoundException",
            WebAuthnClientMismatch => "WebAuthnClientMismatchException",
            WebAuthnConfigurationMissing => "WebAuthnConfigurationMissingException",
            WebAuthnCredentialNotSupported => "WebAuthnCredentialNotSupportedException",
            WebAuthnNotEnabled => "WebAuthnNotEnabledException",
            WebAuthnOriginNotAllowed => "WebAuthnOriginNotAllowedException",
            WebAuthnRelyingPartyMismatch => "WebAuthnRelyingPartyMismatchException",
        }
    }
}

/// Why an operation failed, beyond the exception name, for the errors a caller acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Wrong password, unknown user hidden as a wrong password, or a refused sign-in factor.
    IncorrectCredentials,
    UserDisabled,
    /// The user's lockout is in force.
    PasswordAttemptsExceeded,
    SignUpNotPermitted,
    TemporaryPasswordExpired,
    SessionExpired,
    AlreadyConfirmed,
    /// The app client may not write one of the attributes sent.
    UnauthorizedAttributeWrite,
    /// The pool signs users in by email and the username is not one.
    UsernameNotEmail,
    UsernameNotPhoneNumber,
    UsernameNotEmailOrPhoneNumber,
    InvalidEmailFormat,
    InvalidPhoneNumberFormat,
    /// A password reset has no verified email or phone number to send its code to.
    NoVerifiedRecoveryChannel,
    RequiredAttributeMissing,
    /// A password breaks the pool's policy; the rule says which part.
    PasswordPolicy(PasswordRule),
    CodeMismatch,
    CodeExpired,
    /// Too many wrong answers to codes.
    CodeAttemptsExceeded,
}

/// The password-policy rule a password breaks, in the order Cognito checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordRule {
    TooShort,
    TooLong,
    SurroundingWhitespace,
    Lowercase,
    Uppercase,
    Numbers,
    Symbols,
}

impl PasswordRule {
    /// Cognito's words for the rule, after "Password did not conform with policy: ".
    pub fn cognito_text(self) -> &'static str {
        match self {
            PasswordRule::TooShort => "Password not long enough",
            PasswordRule::TooLong => "Password must have length less than or equal to 256",
            PasswordRule::SurroundingWhitespace => {
                "Password must not have leading or trailing whitespace"
            }
            PasswordRule::Lowercase => "Password must have lowercase characters",
            PasswordRule::Uppercase => "Password must have uppercase characters",
            PasswordRule::Numbers => "Password must have numeric characters",
            PasswordRule::Symbols => "Password must have symbol characters",
        }
    }
}

/// A failed domain operation: the Cognito exception and its client-facing message.
///
/// `detail` carries what must be logged but never sent (SQL errors, I/O failures).
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    reason: Option<Reason>,
    detail: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            reason: None,
            detail: None,
        }
    }

    fn because(kind: ErrorKind, reason: Reason, message: impl Into<String>) -> Self {
        Error {
            reason: Some(reason),
            ..Self::new(kind, message)
        }
    }

    /// The reason recorded by the constructor that made this error, if it has one.
    pub fn reason(&self) -> Option<Reason> {
        self.reason
    }

    /// An internal failure: the client sees a generic message, the log sees `detail`.
    pub fn internal(detail: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::InternalError,
            message: "Internal server error.".to_owned(),
            reason: None,
            detail: Some(detail.into()),
        }
    }

    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameter, message)
    }

    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotAuthorized, message)
    }

    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceNotFound, message)
    }

    pub fn user_not_found() -> Self {
        Self::new(ErrorKind::UserNotFound, "User does not exist.")
    }

    pub fn pool_not_found(pool_id: &str) -> Self {
        Self::resource_not_found(format!("User pool {pool_id} does not exist."))
    }

    pub fn client_not_found(client_id: &str) -> Self {
        Self::resource_not_found(format!("User pool client {client_id} does not exist."))
    }

    pub fn group_not_found() -> Self {
        Self::resource_not_found("Group not found.")
    }

    /// The one answer to every failed sign-in factor, so that nothing tells a wrong password
    /// from an unknown user.
    pub fn incorrect_credentials() -> Self {
        Self::because(
            ErrorKind::NotAuthorized,
            Reason::IncorrectCredentials,
            "Incorrect username or password.",
        )
    }

    pub fn user_disabled() -> Self {
        Self::because(
            ErrorKind::NotAuthorized,
            Reason::UserDisabled,
            "User is disabled.",
        )
    }

    pub fn password_attempts_exceeded() -> Self {
        Self::because(
            ErrorKind::NotAuthorized,
            Reason::PasswordAttemptsExceeded,
            "Password attempts exceeded",
        )
    }

    pub fn sign_up_not_permitted() -> Self {
        Self::because(
            ErrorKind::NotAuthorized,
            Reason::SignUpNotPermitted,
            "SignUp is not permitted for this user pool",
        )
    }

    pub fn temporary_password_expired() -> Self {
        Self::because(
            ErrorKind::NotAuthorized,
            Reason::TemporaryPasswordExpired,
            "Temporary password has expired and must be reset by an administrator.",
        )
    }

    pub fn session_expired() -> Self {
        Self::because(
            ErrorKind::NotAuthorized,
            Reason::SessionExpired,
            "Invalid session for the user, session is expired.",
        )
    }

    /// ConfirmSignUp or AdminConfirmSignUp of a user who is not `UNCONFIRMED`.
    pub fn cannot_confirm(status: &str) -> Self {
        Self::because(
            ErrorKind::NotAuthorized,
            Reason::AlreadyConfirmed,
            format!("User cannot be confirmed. Current status is {status}"),
        )
    }

    pub fn unauthorized_attribute_write(attribute: &str) -> Self {
        Self::because(
            ErrorKind::NotAuthorized,
            Reason::UnauthorizedAttributeWrite,
            format!("A client attempted to write unauthorized attribute {attribute}"),
        )
    }

    /// A username that is not what the pool's `UsernameAttributes` sign users in with.
    pub fn username_format(email: bool, phone_number: bool) -> Self {
        let (reason, message) = match (email, phone_number) {
            (true, true) => (
                Reason::UsernameNotEmailOrPhoneNumber,
                "Username should be either an email or a phone number.",
            ),
            (true, false) => (Reason::UsernameNotEmail, "Username should be an email."),
            _ => (
                Reason::UsernameNotPhoneNumber,
                "Username should be a phone number.",
            ),
        };
        Self::because(ErrorKind::InvalidParameter, reason, message)
    }

    pub fn invalid_email_format() -> Self {
        Self::because(
            ErrorKind::InvalidParameter,
            Reason::InvalidEmailFormat,
            "Invalid email address format.",
        )
    }

    pub fn invalid_phone_number_format() -> Self {
        Self::because(
            ErrorKind::InvalidParameter,
            Reason::InvalidPhoneNumberFormat,
            "Invalid phone number format.",
        )
    }

    pub fn no_verified_recovery_channel() -> Self {
        Self::because(
            ErrorKind::InvalidParameter,
            Reason::NoVerifiedRecoveryChannel,
            "Cannot reset password for the user as there is no registered/verified email or phone_number",
        )
    }

    pub fn required_attribute_missing(attribute: &str) -> Self {
        Self::because(
            ErrorKind::InvalidParameter,
            Reason::RequiredAttributeMissing,
            format!(
                "Attributes did not conform to the schema: {attribute}: The attribute is required"
            ),
        )
    }

    pub fn password_policy(rule: PasswordRule) -> Self {
        Self::because(
            ErrorKind::InvalidPassword,
            Reason::PasswordPolicy(rule),
            format!(
                "Password did not conform with policy: {}",
                rule.cognito_text()
            ),
        )
    }

    pub fn code_mismatch() -> Self {
        Self::because(
            ErrorKind::CodeMismatch,
            Reason::CodeMismatch,
            "Invalid verification code provided, please try again.",
        )
    }

    pub fn code_expired() -> Self {
        Self::because(
            ErrorKind::ExpiredCode,
            Reason::CodeExpired,
            "Invalid code provided, please request a code again.",
        )
    }

    pub fn code_attempts_exceeded() -> Self {
        Self::because(
            ErrorKind::LimitExceeded,
            Reason::CodeAttemptsExceeded,
            "Attempt limit exceeded, please try after some time.",
        )
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.exception_name(), self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.exception_name(), self.message)
    }
}

impl std::error::Error for Error {}
