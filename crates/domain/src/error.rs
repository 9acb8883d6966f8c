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

/// A failed domain operation: the Cognito exception and its client-facing message.
///
/// `detail` carries what must be logged but never sent (SQL errors, I/O failures).
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    detail: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            detail: None,
        }
    }

    /// An internal failure: the client sees a generic message, the log sees `detail`.
    pub fn internal(detail: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::InternalError,
            message: "Internal server error.".to_owned(),
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
