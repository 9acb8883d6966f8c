//! DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER: a remembered device proves it holds its
//! random password with the same SRP as USER_SRP_AUTH, with the device's group key as the
//! pool name and its device key as the user. It replaces MFA for that sign-in. As with
//! PASSWORD_VERIFIER, the server's ephemeral secret travels in the sealed, single-use
//! SECRET_BLOCK (the Session returned beside it holds the same sealed bytes).

use std::collections::BTreeMap;

use cognate_crypto::srp;
use serde::{Deserialize, Serialize};

use super::second_factor::{SignInState, TokenSource};
use super::{AuthOutcome, Caller, Opened, expired_session, incorrect, missing};
use crate::devices::device_not_found;
use crate::error::{Error, Result};
use crate::user::User;
use crate::{Domain, b64};

/// How far a client's TIMESTAMP may be from the server's clock (as for PASSWORD_VERIFIER).
const TIMESTAMP_SKEW_SECS: i64 = 300;

/// What DEVICE_PASSWORD_VERIFIER's SECRET_BLOCK carries.
#[derive(Debug, Serialize, Deserialize)]
struct DeviceSrpState {
    sign_in: SignInState,
    a: String,
    b: String,
    big_b: String,
}

impl Domain {
    /// DEVICE_SRP_AUTH, issued instead of MFA when the client names a remembered device.
    pub(crate) fn device_srp_challenge(
        &self,
        caller: &Caller,
        user: &User,
        state: SignInState,
    ) -> Result<AuthOutcome> {
        let session = self.session_string(
            "device-srp",
            &caller.pool.id,
            &caller.client.client_id,
            super::session_lifetime(&caller.client),
            &state,
        )?;
        let mut parameters = BTreeMap::new();
        parameters.insert("USERNAME".to_owned(), user.username.clone());
        Ok(AuthOutcome::Challenge {
            name: "DEVICE_SRP_AUTH".to_owned(),
            session: Some(session),
            parameters,
        })
    }

    /// RespondToAuthChallenge for DEVICE_SRP_AUTH: USERNAME, DEVICE_KEY and SRP_A in, the
    /// device's salt, `B` and a SECRET_BLOCK out.
    pub(super) async fn answer_device_srp(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let session = session
            .ok_or_else(|| Error::invalid_parameter("Missing required parameter Session"))?;
        let opened: Opened<SignInState> =
            self.open_session_string("device-srp", session, &caller.client.client_id)?;
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let device_key = responses
            .get("DEVICE_KEY")
            .ok_or_else(|| missing("DEVICE_KEY"))?;
        let srp_a = responses.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
        let user = self.signing_in_user(caller, &opened.state).await?;
        self.check_secret_hash(
            &caller.client,
            &[username, &user.username],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        self.check_username_matches(&caller.pool, username, &user)
            .await?;
        if opened.state.device_key.as_deref() != Some(device_key.as_str()) {
            return Err(device_not_found());
        }
        let device = self
            .user_device(&caller.pool.id, &user.sub, device_key)
            .await?
            .ok_or_else(device_not_found)?;
        let a = super::srp::parse_client_public(srp_a)?;
        let verifier = self.open_device_verifier(&device)?;
        let (b, ephemeral) = self.server_ephemeral(verifier.v())?;
        self.spend_step(&opened).await?;
        let state = DeviceSrpState {
            sign_in: opened.state,
            a: srp::to_hex(&a),
            b: hex::encode(b),
            big_b: srp::to_hex(ephemeral.public()),
        };
        let block = self.seal_step(
            "device-verifier",
            &caller.pool.id,
            &caller.client.client_id,
            super::session_lifetime(&caller.client),
            state,
        )?;
        let mut parameters = BTreeMap::new();
        parameters.insert(
            "SALT".to_owned(),
            hex::encode(srp::pad_bytes(verifier.salt())),
        );
        parameters.insert("SRP_B".to_owned(), srp::to_hex(ephemeral.public()));
        parameters.insert("SECRET_BLOCK".to_owned(), b64::encode_std(&block));
        parameters.insert("USERNAME".to_owned(), user.username.clone());
        parameters.insert("DEVICE_KEY".to_owned(), device.device_key.clone());
        Ok(AuthOutcome::Challenge {
            name: "DEVICE_PASSWORD_VERIFIER".to_owned(),
            session: Some(b64::encode_url(&block)),
            parameters,
        })
    }

    /// RespondToAuthChallenge for DEVICE_PASSWORD_VERIFIER: the device's password claim, then
    /// the tokens, without MFA.
    pub(super) async fn answer_device_verifier(
        &self,
        caller: &Caller,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let device_key = responses
            .get("DEVICE_KEY")
            .ok_or_else(|| missing("DEVICE_KEY"))?;
        let block_text = responses
            .get("PASSWORD_CLAIM_SECRET_BLOCK")
            .ok_or_else(|| missing("PASSWORD_CLAIM_SECRET_BLOCK"))?;
        let signature = responses
            .get("PASSWORD_CLAIM_SIGNATURE")
            .ok_or_else(|| missing("PASSWORD_CLAIM_SIGNATURE"))?;
        let timestamp = responses
            .get("TIMESTAMP")
            .ok_or_else(|| missing("TIMESTAMP"))?;
        let block = b64::decode_std(block_text).ok_or_else(expired_session)?;
        let opened: Opened<DeviceSrpState> =
            self.open_step("device-verifier", &block, &caller.client.client_id)?;
        let state = &opened.state;
        let user = self.signing_in_user(caller, &state.sign_in).await?;
        self.check_secret_hash(
            &caller.client,
            &[username, &user.username],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        self.check_username_matches(&caller.pool, username, &user)
            .await?;
        if state.sign_in.device_key.as_deref() != Some(device_key.as_str()) {
            return Err(device_not_found());
        }
        self.spend_step(&opened).await?;
        let mut device = self
            .user_device(&caller.pool.id, &user.sub, device_key)
            .await?
            .ok_or_else(device_not_found)?;
        let verifier = self.open_device_verifier(&device)?;
        let fresh = srp::parse_timestamp(timestamp)
            .is_some_and(|t| (t - self.now().secs()).abs() <= TIMESTAMP_SKEW_SECS);
        let claim_holds = match (
            srp::parse_hex(&state.a),
            srp::parse_hex(&state.big_b),
            hex::decode(&state.b),
        ) {
            (Ok(a), Ok(big_b), Ok(b)) => srp::server_session_keys(&a, &big_b, &b, verifier.v())
                .is_ok_and(|keys| {
                    keys.verify_password_claim(
                        &device.group_key,
                        &device.device_key,
                        &block,
                        timestamp,
                        signature,
                    )
                }),
            _ => false,
        };
        if !(fresh && claim_holds) {
            return Err(incorrect());
        }
        device.last_authenticated = Some(self.now());
        self.save_device(&device).await?;
        let mut sign_in = opened.state.sign_in;
        sign_in.source = TokenSource::AuthenticateDevice;
        self.finish_sign_in(caller, &user, sign_in).await
    }
}
