//! Closed sets of values that rules branch on, with their Cognito spellings.
//!
//! Each enum persists as its Cognito string, so stored settings read the same as the API.

/// Declares a closed enum with its Cognito spellings, `as_str`, `parse` and string serde.
macro_rules! cognito_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {} value {text:?}", stringify!($name)))
                })
            }
        }
    };
}

cognito_enum!(
    /// A user's account state.
    UserStatus {
        Unconfirmed = "UNCONFIRMED",
        Confirmed = "CONFIRMED",
        Archived = "ARCHIVED",
        Compromised = "COMPROMISED",
        Unknown = "UNKNOWN",
        ResetRequired = "RESET_REQUIRED",
        ForceChangePassword = "FORCE_CHANGE_PASSWORD",
        ExternalProvider = "EXTERNAL_PROVIDER",
    }
);

cognito_enum!(
    /// Pool-wide MFA requirement.
    MfaMode { Off = "OFF", On = "ON", Optional = "OPTIONAL" }
);

cognito_enum!(
    /// A second factor a user can have, by the name its challenge and UserMFASettingList use.
    MfaFactor { Sms = "SMS_MFA", SoftwareToken = "SOFTWARE_TOKEN_MFA", Email = "EMAIL_OTP" }
);

cognito_enum!(
    /// Attributes that can be verified with a code.
    VerifiableAttribute { PhoneNumber = "phone_number", Email = "email" }
);

cognito_enum!(
    /// Attributes that can serve as the sign-in name itself.
    UsernameAttribute { PhoneNumber = "phone_number", Email = "email" }
);

cognito_enum!(
    /// Attributes that can serve as an alternative sign-in name.
    AliasAttribute { PhoneNumber = "phone_number", Email = "email", PreferredUsername = "preferred_username" }
);

cognito_enum!(
    /// Type of a schema attribute.
    AttributeDataType { String = "String", Number = "Number", DateTime = "DateTime", Boolean = "Boolean" }
);

cognito_enum!(
    /// Where ForgotPassword may send its code.
    RecoveryOptionName { VerifiedEmail = "verified_email", VerifiedPhoneNumber = "verified_phone_number", AdminOnly = "admin_only" }
);

cognito_enum!(
    /// How AdminCreateUser delivers its invitation.
    DeliveryMedium { Sms = "SMS", Email = "EMAIL" }
);

cognito_enum!(
    /// The sign-in flows an app client may use.
    ExplicitAuthFlow {
        AdminNoSrpAuth = "ADMIN_NO_SRP_AUTH",
        CustomAuthFlowOnly = "CUSTOM_AUTH_FLOW_ONLY",
        UserPasswordAuth = "USER_PASSWORD_AUTH",
        AllowAdminUserPasswordAuth = "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        AllowCustomAuth = "ALLOW_CUSTOM_AUTH",
        AllowUserPasswordAuth = "ALLOW_USER_PASSWORD_AUTH",
        AllowUserSrpAuth = "ALLOW_USER_SRP_AUTH",
        AllowRefreshTokenAuth = "ALLOW_REFRESH_TOKEN_AUTH",
        AllowUserAuth = "ALLOW_USER_AUTH",
        AllowTokenExchangeDelegation = "ALLOW_TOKEN_EXCHANGE_DELEGATION",
        AllowTokenExchangeImpersonation = "ALLOW_TOKEN_EXCHANGE_IMPERSONATION",
    }
);

cognito_enum!(
    /// OAuth grant types a client may use at the hosted endpoints.
    OAuthFlow { Code = "code", Implicit = "implicit", ClientCredentials = "client_credentials" }
);

cognito_enum!(
    /// Unit of a client's token validity numbers.
    TimeUnit { Seconds = "seconds", Minutes = "minutes", Hours = "hours", Days = "days" }
);

impl TimeUnit {
    pub fn seconds(self) -> i64 {
        match self {
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => 60,
            TimeUnit::Hours => 3600,
            TimeUnit::Days => 86_400,
        }
    }
}

cognito_enum!(
    /// Where a user import job is (UserImportJobStatusType).
    ImportJobStatus {
        Created = "Created",
        Pending = "Pending",
        InProgress = "InProgress",
        Stopping = "Stopping",
        Expired = "Expired",
        Stopped = "Stopped",
        Failed = "Failed",
        Succeeded = "Succeeded",
    }
);

cognito_enum!(
    /// The kind of an external identity provider (`ProviderType`).
    ProviderType {
        Saml = "SAML",
        Facebook = "Facebook",
        Google = "Google",
        LoginWithAmazon = "LoginWithAmazon",
        SignInWithApple = "SignInWithApple",
        Oidc = "OIDC",
    }
);
