//! A user's second factors: which ones the pool and the user have switched on
//! (SetUserMFAPreference, AdminSetUserMFAPreference, the legacy MFAOptions of
//! SetUserSettings), and the software token's enrolment (AssociateSoftwareToken,
//! VerifySoftwareToken) with an access token or inside a sign-in's MFA_SETUP step.
//! The challenges themselves are in `auth::mfa`.

use crate::Domain;
use crate::enums::{MfaFactor, MfaMode};
use crate::error::{Error, ErrorKind, Result};
use crate::pool::UserPool;
use crate::user::{SoftwareToken, User};

/// RFC 6238 tolerance: one step (30 s) either side of the server's clock.
pub(crate) const TOTP_TOLERANCE_STEPS: u64 = 1;
/// 160 bits, RFC 4226's recommendation and the length of Cognito's secrets (32 base32 characters).
const TOTP_SECRET_BYTES: usize = 20;

/// One factor's part of SetUserMFAPreference; `None` members count as false, as in Cognito.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FactorPreference {
    pub enabled: Option<bool>,
    pub preferred: Option<bool>,
}

/// SetUserMFAPreference / AdminSetUserMFAPreference; a factor left out keeps its setting.
#[derive(Debug, Clone, Default)]
pub struct MfaPreferences {
    pub sms: Option<FactorPreference>,
    pub software_token: Option<FactorPreference>,
    pub email: Option<FactorPreference>,
}

/// What AssociateSoftwareToken hands back: the base32 secret, and with a Session the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociatedToken {
    pub secret_code: String,
    pub session: Option<String>,
}

/// Who enrols a software token: a signed-in user, or a sign-in at its MFA_SETUP step.
#[derive(Debug, Clone, Copy)]
pub enum Enrolment<'a> {
    AccessToken(&'a str),
    /// The Session of MFA_SETUP; it names the client it was issued to.
    Session(&'a str),
}

pub(crate) fn code_mismatch() -> Error {
    Error::new(ErrorKind::CodeMismatch, "Invalid code received for user")
}

pub(crate) fn totp_reused() -> Error {
    Error::new(
        ErrorKind::ExpiredCode,
        "Your software token has already been used once.",
    )
}

/// Whether the pool has a factor switched on (SetUserPoolMfaConfig, or SMS at creation).
pub(crate) fn pool_offers(pool: &UserPool, factor: MfaFactor) -> bool {
    pool.mfa.mode != MfaMode::Off
        && match factor {
            MfaFactor::Sms => pool.mfa.sms_enabled,
            MfaFactor::SoftwareToken => pool.mfa.software_token_enabled,
            MfaFactor::Email => pool.mfa.email.is_some(),
        }
}

/// Whether the user has what a factor needs: a phone number, an email address, a verified token.
pub(crate) fn user_can_use(user: &User, factor: MfaFactor) -> bool {
    match factor {
        MfaFactor::Sms => user.attribute("phone_number").is_some(),
        MfaFactor::Email => user.attribute("email").is_some(),
        MfaFactor::SoftwareToken => user.software_token.verified.is_some(),
    }
}

/// The factors the user switched on (the legacy SMS MFAOption counts as SMS), in Cognito's
/// order, whether or not the pool offers them.
pub fn user_enabled_factors(user: &User) -> Vec<MfaFactor> {
    MfaFactor::ALL
        .iter()
        .copied()
        .filter(|f| {
            user.mfa_methods.iter().any(|m| m == f.as_str())
                || (*f == MfaFactor::Sms
                    && user.mfa_options.iter().any(|o| o.delivery_medium == "SMS"))
        })
        .collect()
}

/// The factors a sign-in may challenge: switched on by the user, offered by the pool, usable.
pub(crate) fn sign_in_factors(pool: &UserPool, user: &User) -> Vec<MfaFactor> {
    user_enabled_factors(user)
        .into_iter()
        .filter(|f| pool_offers(pool, *f) && user_can_use(user, *f))
        .collect()
}

pub(crate) fn secret_purpose(pool_id: &str, sub: &str, pending: bool) -> Vec<u8> {
    let kind = if pending { "totp-pending" } else { "totp" };
    format!("{kind}:{pool_id}:{sub}").into_bytes()
}

impl Domain {
    /// SetUserMFAPreference.
    pub async fn set_user_mfa_preference(
        &self,
        access_token: &str,
        preferences: MfaPreferences,
    ) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        self.apply_mfa_preferences(&context.pool, context.user, preferences)
            .await
    }

    /// AdminSetUserMFAPreference.
    pub async fn admin_set_user_mfa_preference(
        &self,
        pool_id: &str,
        username: &str,
        preferences: MfaPreferences,
    ) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        let user = self
            .find_user(&pool, username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        self.apply_mfa_preferences(&pool, user, preferences).await
    }

    async fn apply_mfa_preferences(
        &self,
        pool: &UserPool,
        mut user: User,
        preferences: MfaPreferences,
    ) -> Result<()> {
        let given = [
            (MfaFactor::Sms, preferences.sms),
            (MfaFactor::SoftwareToken, preferences.software_token),
            (MfaFactor::Email, preferences.email),
        ];
        let mut enabled = user_enabled_factors(&user);
        let mut preferred = user
            .preferred_mfa
            .as_deref()
            .and_then(MfaFactor::parse)
            .filter(|f| enabled.contains(f));
        for (factor, setting) in given {
            let Some(setting) = setting else { continue };
            let wants_preferred = setting.preferred.unwrap_or(false);
            // A preferred factor is an enabled one.
            let wants_enabled = setting.enabled.unwrap_or(false) || wants_preferred;
            if wants_enabled {
                check_factor_usable(&user, factor)?;
                if !enabled.contains(&factor) {
                    enabled.push(factor);
                }
                if wants_preferred {
                    preferred = Some(factor);
                } else if preferred == Some(factor) {
                    preferred = None;
                }
            } else {
                enabled.retain(|f| *f != factor);
                if preferred == Some(factor) {
                    preferred = None;
                }
                if factor == MfaFactor::Sms {
                    // The legacy SMS option is the same switch as SMS MFA.
                    user.mfa_options.clear();
                }
            }
        }
        enabled.sort();
        user.mfa_methods = enabled.iter().map(|f| f.as_str().to_owned()).collect();
        user.preferred_mfa = preferred.map(|f| f.as_str().to_owned());
        self.save_user(pool, &mut user).await
    }

    /// A fresh TOTP secret (160 bits).
    fn new_totp_secret(&self) -> Vec<u8> {
        let mut secret = vec![0u8; TOTP_SECRET_BYTES];
        self.random().fill(&mut secret);
        secret
    }

    /// AssociateSoftwareToken: a new secret for the user's authenticator app. With an access
    /// token it waits, sealed on the user, for VerifySoftwareToken; with a Session (MFA_SETUP)
    /// it travels in the next Session.
    pub async fn associate_software_token(
        &self,
        enrolment: Enrolment<'_>,
    ) -> Result<AssociatedToken> {
        let secret = self.new_totp_secret();
        let secret_code = cognate_crypto::totp::base32_encode(&secret);
        match enrolment {
            Enrolment::AccessToken(token) => {
                let context = self.verify_access_token(token).await?;
                let (pool, mut user) = (context.pool, context.user);
                user.software_token.pending = Some(
                    self.keys
                        .seal(&secret_purpose(&pool.id, &user.sub, true), &secret)?,
                );
                self.save_user(&pool, &mut user).await?;
                Ok(AssociatedToken {
                    secret_code,
                    session: None,
                })
            }
            Enrolment::Session(session) => {
                let session = self.mfa_setup_secret(session, secret).await?;
                Ok(AssociatedToken {
                    secret_code,
                    session: Some(session),
                })
            }
        }
    }

    /// VerifySoftwareToken: the first code from the authenticator confirms its secret. With an
    /// access token the token becomes the user's; with a Session the MFA_SETUP step also
    /// switches it on and returns the Session that finishes the sign-in.
    pub async fn verify_software_token(
        &self,
        enrolment: Enrolment<'_>,
        code: &str,
        friendly_name: Option<String>,
    ) -> Result<Option<String>> {
        match enrolment {
            Enrolment::AccessToken(token) => {
                let context = self.verify_access_token(token).await?;
                let (pool, mut user) = (context.pool, context.user);
                let sealed = user.software_token.pending.clone().ok_or_else(|| {
                    Error::new(
                        ErrorKind::SoftwareTokenMfaNotFound,
                        "Software Token MFA has not been associated with the user.",
                    )
                })?;
                let secret = self
                    .keys
                    .open(&secret_purpose(&pool.id, &user.sub, true), &sealed)?;
                self.check_enrolment_code(&pool, &user, &secret, code)
                    .await?;
                self.install_software_token(&pool, &mut user, &secret, friendly_name)?;
                self.save_user(&pool, &mut user).await?;
                Ok(None)
            }
            Enrolment::Session(session) => self
                .finish_mfa_setup(session, code, friendly_name)
                .await
                .map(Some),
        }
    }

    /// Checks a code against a secret being enrolled, and marks it used.
    pub(crate) async fn check_enrolment_code(
        &self,
        pool: &UserPool,
        user: &User,
        secret: &[u8],
        code: &str,
    ) -> Result<()> {
        let step =
            cognate_crypto::totp::verify(secret, code, self.now().secs(), TOTP_TOLERANCE_STEPS)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::EnableSoftwareTokenMfa,
                        "Code mismatch and fail enable Software Token MFA",
                    )
                })?;
        self.spend_totp_step(pool, user, step).await
    }

    /// Marks a TOTP time step used for this user: the same code is refused afterwards, on any node.
    pub(crate) async fn spend_totp_step(
        &self,
        pool: &UserPool,
        user: &User,
        step: u64,
    ) -> Result<()> {
        let key = format!("totp:{}:{}:{step}", pool.id, user.sub);
        // Kept until the step can no longer be accepted (tolerance included).
        let until_secs = i64::try_from(step + 2 + TOTP_TOLERANCE_STEPS)
            .unwrap_or(i64::MAX / 1000)
            .saturating_mul(cognate_crypto::totp::STEP_SECS);
        if self
            .store
            .use_once(&key, until_secs.saturating_mul(1000))
            .await
            .map_err(Error::from)?
        {
            Ok(())
        } else {
            Err(totp_reused())
        }
    }

    /// Seals a verified secret on the user (the caller saves the user).
    pub(crate) fn install_software_token(
        &self,
        pool: &UserPool,
        user: &mut User,
        secret: &[u8],
        friendly_name: Option<String>,
    ) -> Result<()> {
        user.software_token.verified = Some(SoftwareToken {
            sealed_secret: self
                .keys
                .seal(&secret_purpose(&pool.id, &user.sub, false), secret)?,
            friendly_name,
            verified_at: self.now(),
        });
        user.software_token.pending = None;
        Ok(())
    }

    /// The user's verified TOTP secret.
    pub(crate) fn software_token_secret(&self, pool: &UserPool, user: &User) -> Result<Vec<u8>> {
        let token = user.software_token.verified.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::SoftwareTokenMfaNotFound,
                "Software Token MFA has not been enabled by the user.",
            )
        })?;
        self.keys.open(
            &secret_purpose(&pool.id, &user.sub, false),
            &token.sealed_secret,
        )
    }
}

/// Keeps SetUserSettings' legacy MFAOptions and UserMFASettingList telling the same story:
/// an SMS option switches SMS MFA on, none switches it off.
pub(crate) fn sync_legacy_sms_option(user: &mut User) {
    let sms = MfaFactor::Sms.as_str();
    let has_option = user.mfa_options.iter().any(|o| o.delivery_medium == "SMS");
    user.mfa_methods.retain(|m| m != sms);
    if has_option {
        user.mfa_methods.push(sms.to_owned());
        user.mfa_methods.sort_by_key(|m| MfaFactor::parse(m));
    } else if user.preferred_mfa.as_deref() == Some(sms) {
        user.preferred_mfa = None;
    }
}

/// Whether a factor may be switched on for this user.
fn check_factor_usable(user: &User, factor: MfaFactor) -> Result<()> {
    if user_can_use(user, factor) {
        return Ok(());
    }
    Err(Error::invalid_parameter(match factor {
        MfaFactor::SoftwareToken => "User has not verified software token mfa",
        MfaFactor::Sms => "User does not have delivery config set to turn on SMS_MFA",
        MfaFactor::Email => "User does not have delivery config set to turn on EMAIL_OTP",
    }))
}
