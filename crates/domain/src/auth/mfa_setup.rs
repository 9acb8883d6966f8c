//! The MFA_SETUP challenge: a user who must set up an authenticator app during sign-in gets
//! its secret through AssociateSoftwareToken with the challenge's Session, proves it with
//! VerifySoftwareToken, and answers the challenge with the Session that returns.

use std::collections::BTreeMap;

use super::second_factor::*;
use super::{AuthOutcome, Caller, Opened, expired_session};
use crate::enums::MfaFactor;
use crate::error::Result;
use crate::mfa_settings::{self};
use crate::user::User;
use crate::{Domain, b64};

impl Domain {
    /// MFA_SETUP: the pool requires MFA and the user has no factor it can use.
    pub(super) fn mfa_setup_challenge(
        &self,
        caller: &Caller,
        user: &User,
        state: SignInState,
    ) -> Result<AuthOutcome> {
        let can_setup: Vec<MfaFactor> =
            [MfaFactor::Sms, MfaFactor::SoftwareToken, MfaFactor::Email]
                .into_iter()
                .filter(|f| mfa_settings::pool_offers(&caller.pool, *f))
                .collect();
        let mut parameters = BTreeMap::new();
        parameters.insert("USERNAME".to_owned(), user.username.clone());
        parameters.insert("MFAS_CAN_SETUP".to_owned(), json_list(&can_setup));
        let session = self.step_session(caller, "mfa-setup", &state)?;
        Ok(AuthOutcome::Challenge {
            name: "MFA_SETUP".to_owned(),
            session: Some(session),
            parameters,
        })
    }

    /// The caller of a Session-authorised operation (AssociateSoftwareToken,
    /// VerifySoftwareToken), found from the client the Session was issued to.
    pub(super) async fn session_caller(&self, client_id: &str) -> Result<Caller> {
        let client = self.client_by_id(client_id).await?;
        let pool = self.user_pool(&client.pool_id).await?;
        Ok(Caller {
            pool,
            client,
            admin: false,
            client_metadata: Default::default(),
        })
    }

    /// AssociateSoftwareToken with the Session of MFA_SETUP: the secret goes into the next
    /// Session, which only VerifySoftwareToken accepts.
    pub(crate) async fn mfa_setup_secret(&self, session: &str, secret: Vec<u8>) -> Result<String> {
        let opened: Opened<SignInState> =
            self.open_session_string_any_client("mfa-setup", session)?;
        let caller = self.session_caller(&opened.client_id).await?;
        self.signing_in_user(&caller, &opened.state).await?;
        self.spend_step(&opened).await?;
        let mut state = opened.state;
        state.secret = Some(b64::encode_std(&secret));
        self.step_session(&caller, "mfa-setup-verify", &state)
    }

    /// VerifySoftwareToken with the Session from AssociateSoftwareToken: the code confirms the
    /// secret, which becomes the user's (switched on and preferred); the returned Session
    /// answers MFA_SETUP. A wrong code leaves the Session usable.
    pub(crate) async fn finish_mfa_setup(
        &self,
        session: &str,
        code: &str,
        friendly_name: Option<String>,
    ) -> Result<String> {
        let opened: Opened<SignInState> =
            self.open_session_string_any_client("mfa-setup-verify", session)?;
        let caller = self.session_caller(&opened.client_id).await?;
        let mut user = self.signing_in_user(&caller, &opened.state).await?;
        let secret = opened
            .state
            .secret
            .as_deref()
            .and_then(b64::decode_std)
            .ok_or_else(expired_session)?;
        self.check_enrolment_code(&caller.pool, &user, &secret, code)
            .await?;
        self.spend_step(&opened).await?;
        self.install_software_token(&caller.pool, &mut user, &secret, friendly_name)?;
        let totp = MfaFactor::SoftwareToken.as_str().to_owned();
        if !user.mfa_methods.contains(&totp) {
            user.mfa_methods.push(totp.clone());
            user.mfa_methods.sort_by_key(|m| MfaFactor::parse(m));
        }
        if user.preferred_mfa.is_none() {
            user.preferred_mfa = Some(totp);
        }
        self.save_user(&caller.pool, &mut user).await?;
        let mut state = opened.state;
        state.secret = None;
        self.step_session(&caller, "mfa-setup-done", &state)
    }

    /// RespondToAuthChallenge for MFA_SETUP, after VerifySoftwareToken: the tokens.
    pub(super) async fn answer_mfa_setup(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let (state, user) = self.check_mfa_setup(caller, session, responses).await?;
        self.finish_sign_in(caller, &user, state).await
    }

    /// MFA_SETUP answered with VerifySoftwareToken's Session, without issuing anything: the
    /// user signing in. For the hosted pages.
    pub(crate) async fn complete_mfa_setup(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<User> {
        self.check_mfa_setup(caller, session, responses)
            .await
            .map(|(_, user)| user)
    }

    pub(super) async fn check_mfa_setup(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<(SignInState, User)> {
        let (opened, user) = self
            .open_step_session(caller, "mfa-setup-done", session, responses)
            .await?;
        self.spend_step(&opened).await?;
        Ok((opened.state, user))
    }
}
