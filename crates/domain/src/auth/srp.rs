//! USER_SRP_AUTH → PASSWORD_VERIFIER, exactly as Cognito's clients compute it. The server's
//! ephemeral secret travels inside the sealed, single-use SECRET_BLOCK, so any node can verify
//! the answer. Unknown users (when the client hides existence) get a stable fake salt, a
//! well-formed B and a USER_ID_FOR_SRP shaped as a real user's would be, and the answer costs
//! the same work (a lockout reservation, the proof check) before it is refused.

use std::collections::BTreeMap;

use cognate_crypto::srp::{self, ServerEphemeral, U3072};
use serde::{Deserialize, Serialize};

use super::custom::{CustomState, Round};
use super::{AuthOutcome, Caller, Opened, incorrect, missing};
use crate::error::{Error, Result};
use crate::limits::Counter;
use crate::pool::UserPool;
use crate::user::User;
use crate::{Domain, b64};

/// How far a client's TIMESTAMP may be from the server's clock.
const TIMESTAMP_SKEW_SECS: i64 = 300;

/// What the SECRET_BLOCK carries from the challenge to its answer.
#[derive(Debug, Serialize, Deserialize)]
struct SrpState {
    /// `None` for an unknown user answered with a fake challenge.
    sub: Option<String>,
    user_id_for_srp: String,
    a: String,
    b: String,
    big_b: String,
    /// Set when the password step is a round of a CUSTOM_AUTH flow, which continues after it.
    #[serde(default)]
    custom: Option<CustomState>,
    /// The DEVICE_KEY InitiateAuth named, if any (clients may also name it in the answer).
    #[serde(default)]
    device_key: Option<String>,
    /// The name InitiateAuth was given, for an unknown user: the lockout counts under it.
    #[serde(default)]
    name: Option<String>,
}

impl Domain {
    pub(super) async fn start_srp(
        &self,
        caller: &Caller,
        params: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let srp_a = params.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
        self.check_secret_hash(
            &caller.client,
            &[username],
            params.get("SECRET_HASH").map(String::as_str),
        )?;
        // A user with only an imported hash is answered as Cognito answers a user its
        // migration trigger would create: as unknown (see `legacy_password`).
        let user = (self.find_sign_in_user(&caller.pool, username).await?)
            .filter(|u| !u.has_legacy_password());
        if let Some(user) = user.as_ref().filter(|u| u.enabled) {
            self.pre_authentication(
                &caller.pool,
                user,
                &caller.client.client_id,
                &[],
                &caller.client_metadata,
            )
            .await?;
        }
        let device_key = params.get("DEVICE_KEY").cloned();
        self.srp_challenge(caller, user, username, srp_a, None, device_key)
    }

    /// The second round of a CUSTOM_AUTH flow that DefineAuthChallenge sent to PASSWORD_VERIFIER.
    pub(super) async fn start_srp_within_custom(
        &self,
        caller: &Caller,
        user: Option<User>,
        state: CustomState,
        params: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let srp_a = params.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
        let username = state.username.clone();
        self.srp_challenge(caller, user, &username, srp_a, Some(state), None)
    }

    /// PASSWORD_VERIFIER: the salt, `B` and a sealed SECRET_BLOCK holding what the answer needs.
    fn srp_challenge(
        &self,
        caller: &Caller,
        user: Option<User>,
        username: &str,
        srp_a: &str,
        custom: Option<CustomState>,
        device_key: Option<String>,
    ) -> Result<AuthOutcome> {
        let a = parse_client_public(srp_a)?;
        let (sub, user_id, salt, v) = match &user {
            Some(user) if user.enabled && user.password.is_some() => {
                let verifier = self
                    .open_password(&caller.pool, user)?
                    .ok_or_else(incorrect)?;
                (
                    Some(user.sub.clone()),
                    user.username.clone(),
                    verifier.salt().to_vec(),
                    *verifier.v(),
                )
            }
            Some(user) if !user.enabled => return Err(Error::user_disabled()),
            Some(_) => return Err(incorrect()),
            None if caller.client.prevents_user_existence_errors() => {
                let (salt, v) = self.fake_verifier(&caller.pool, username)?;
                let user_id = self.fake_user_id_for_srp(&caller.pool, username);
                (None, user_id, salt, v)
            }
            None => return Err(Error::user_not_found()),
        };
        let (b, ephemeral) = self.server_ephemeral(&v)?;
        let name = sub.is_none().then(|| username.to_owned());
        let state = SrpState {
            sub,
            name,
            user_id_for_srp: user_id.clone(),
            a: srp::to_hex(&a),
            b: hex::encode(b),
            big_b: srp::to_hex(ephemeral.public()),
            custom,
            device_key,
        };
        let lifetime = super::session_lifetime(&caller.client);
        let block = self.seal_step(
            "srp",
            &caller.pool.id,
            &caller.client.client_id,
            lifetime,
            state,
        )?;
        let mut parameters = BTreeMap::new();
        parameters.insert("SALT".to_owned(), hex::encode(srp::pad_bytes(&salt)));
        parameters.insert("SRP_B".to_owned(), srp::to_hex(ephemeral.public()));
        parameters.insert("SECRET_BLOCK".to_owned(), b64::encode_std(&block));
        parameters.insert("USERNAME".to_owned(), user_id.clone());
        parameters.insert("USER_ID_FOR_SRP".to_owned(), user_id);
        Ok(AuthOutcome::Challenge {
            name: "PASSWORD_VERIFIER".to_owned(),
            session: None,
            parameters,
        })
    }

    /// A fresh `b` and `B = k·v + g^b`; a `B` that is 0 mod N is drawn again.
    pub(super) fn server_ephemeral(&self, v: &U3072) -> Result<([u8; 32], ServerEphemeral)> {
        for _ in 0..4 {
            let mut b = [0u8; 32];
            self.random().fill(&mut b);
            if let Ok(ephemeral) = self.srp.server_ephemeral(v, &b) {
                return Ok((b, ephemeral));
            }
        }
        Err(Error::internal("could not draw an SRP ephemeral"))
    }

    /// USER_ID_FOR_SRP (and USERNAME) for a name with no user, shaped as a real user's would
    /// be. Where the name is an email address or phone number that signs in (the pool's
    /// username attribute, or an alias), a real user's is their internal username, a UUID, so
    /// the fake is a UUID derived from the name with the server's key: stable, and telling
    /// nothing. Otherwise a real user's is the username itself, and so is the fake.
    fn fake_user_id_for_srp(&self, pool: &UserPool, username: &str) -> String {
        use crate::enums::AliasAttribute;
        let sign_in = &pool.sign_in;
        let alias = |attribute: AliasAttribute| sign_in.alias_attributes.contains(&attribute);
        let internal = !sign_in.username_attributes.is_empty()
            || (alias(AliasAttribute::Email) && crate::schema::is_valid_email(username))
            || (alias(AliasAttribute::PhoneNumber) && crate::schema::is_valid_phone(username));
        if !internal {
            return username.to_owned();
        }
        let seed = format!("{}:{}", pool.id, crate::user::username_key(pool, username));
        let hash = self.keys.hash("fake-user-id-for-srp", seed.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&hash[..16]);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// A salt and verifier for a name with no user: derived from the name (as the pool
    /// compares names) with the server's key, so repeated attempts see the same salt, and
    /// costing no modular exponentiation, so the challenge takes as long as a real one.
    fn fake_verifier(&self, pool: &UserPool, username: &str) -> Result<(Vec<u8>, U3072)> {
        let seed = format!("{}:{}", pool.id, crate::user::username_key(pool, username));
        let salt = self.keys.hash("fake-srp-salt", seed.as_bytes())[..16].to_vec();
        let mut bytes = Vec::with_capacity(384);
        let mut counter = 0u8;
        while bytes.len() < 383 {
            let mut input = seed.clone().into_bytes();
            input.push(counter);
            bytes.extend_from_slice(&self.keys.hash("fake-srp-verifier", &input));
            counter = counter.wrapping_add(1);
        }
        bytes.truncate(383);
        let v = srp::uint_from_be(&bytes).map_err(|_| Error::internal("fake verifier"))?;
        Ok((salt, v))
    }

    pub(super) async fn finish_srp(
        &self,
        caller: &Caller,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let block_text = responses
            .get("PASSWORD_CLAIM_SECRET_BLOCK")
            .ok_or_else(|| missing("PASSWORD_CLAIM_SECRET_BLOCK"))?;
        let signature = responses
            .get("PASSWORD_CLAIM_SIGNATURE")
            .ok_or_else(|| missing("PASSWORD_CLAIM_SIGNATURE"))?;
        let timestamp = responses
            .get("TIMESTAMP")
            .ok_or_else(|| missing("TIMESTAMP"))?;
        let block = b64::decode_std(block_text).ok_or_else(super::expired_session)?;
        let opened: Opened<SrpState> = self.open_step("srp", &block, &caller.client.client_id)?;
        let state = &opened.state;
        self.check_secret_hash(
            &caller.client,
            &[username, &state.user_id_for_srp],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        self.spend_step(&opened).await?;
        let user = match &state.sub {
            Some(sub) => Some(
                self.store
                    .get_user_by_sub(&caller.pool.id, sub)
                    .await
                    .map_err(Error::from)?
                    .ok_or_else(incorrect)?,
            ),
            None => None,
        };
        // Unknown users get the same work and the same lockout under the name they gave.
        let name = state.name.as_deref().unwrap_or(&state.user_id_for_srp);
        let (counted, v) = match &user {
            Some(user) => {
                self.check_username_matches(&caller.pool, username, user)
                    .await?;
                let v = *self
                    .open_password(&caller.pool, user)?
                    .ok_or_else(incorrect)?
                    .v();
                (user.sub.clone(), v)
            }
            None => {
                let given = crate::user::username_key(&caller.pool, username);
                let same = |name: &str| crate::user::username_key(&caller.pool, name) == given;
                if !same(name) && !same(&state.user_id_for_srp) {
                    return Err(incorrect());
                }
                let v = self.fake_verifier(&caller.pool, name)?.1;
                (self.unknown_user_key(&caller.pool, name), v)
            }
        };
        // The attempt counts before the proof is checked; the right proof clears the count.
        self.reserve(&caller.pool.id, Counter::SignIn(&counted))
            .await?;
        let proof_holds =
            self.check_password_claim(&caller.pool, state, &v, &block, timestamp, signature);
        let Some(user) = user else {
            return Err(incorrect());
        };
        if !proof_holds {
            return Err(incorrect());
        }
        self.clear(&caller.pool.id, Counter::SignIn(&user.sub))
            .await?;
        if let Some(mut custom) = opened.state.custom {
            custom.rounds.push(Round {
                challenge_name: "PASSWORD_VERIFIER".to_owned(),
                challenge_result: true,
                challenge_metadata: None,
            });
            return self
                .next_custom_round(
                    caller,
                    Some(user),
                    custom,
                    responses,
                    &caller.client_metadata,
                )
                .await;
        }
        // amazon-cognito-identity-js names the device in its answer, not in InitiateAuth.
        let device_key = responses
            .get("DEVICE_KEY")
            .cloned()
            .or(opened.state.device_key);
        self.after_first_factor(caller, user, device_key).await
    }

    fn check_password_claim(
        &self,
        pool: &UserPool,
        state: &SrpState,
        v: &U3072,
        block: &[u8],
        timestamp: &str,
        signature: &str,
    ) -> bool {
        let fresh = srp::parse_timestamp(timestamp)
            .is_some_and(|t| (t - self.now().secs()).abs() <= TIMESTAMP_SKEW_SECS);
        let (Ok(a), Ok(big_b), Ok(b)) = (
            srp::parse_hex(&state.a),
            srp::parse_hex(&state.big_b),
            hex::decode(&state.b),
        ) else {
            return false;
        };
        let Ok(keys) = srp::server_session_keys(&a, &big_b, &b, v) else {
            return false;
        };
        let claim_holds = keys.verify_password_claim(
            pool.srp_pool_name(),
            &state.user_id_for_srp,
            block,
            timestamp,
            signature,
        );
        fresh && claim_holds
    }
}

/// Parses SRP_A and refuses, at once, a value that is 0 modulo N: with it a client would know
/// the session key without the password. SRP_A is below 2^3072 once parsed, and N is a
/// 3072-bit number above 2^3071, so the multiples of N it can be are 0 and N itself.
pub(super) fn parse_client_public(srp_a: &str) -> Result<U3072> {
    let a = srp::parse_hex(srp_a)
        .map_err(|_| Error::invalid_parameter("SRP_A is not a valid hexadecimal number."))?;
    if a == U3072::ZERO || a == srp::N {
        return Err(Error::invalid_parameter("SRP_A cannot be zero modulo N."));
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srp_a_that_is_zero_modulo_n_is_refused_and_others_pass() {
        let n = srp::to_hex(&srp::N);
        for bad in ["0", "00", &n, &format!("000{n}")] {
            let refused = parse_client_public(bad).unwrap_err();
            assert_eq!(refused.message, "SRP_A cannot be zero modulo N.", "{bad}");
        }
        for good in ["1", "2", "abcdef"] {
            assert!(parse_client_public(good).is_ok(), "{good}");
        }
        let n_plus_one = srp::N.wrapping_add(&U3072::ONE);
        assert!(parse_client_public(&srp::to_hex(&n_plus_one)).is_ok());
        assert_eq!(
            parse_client_public("xyz").unwrap_err().message,
            "SRP_A is not a valid hexadecimal number."
        );
    }

    /// Fuzzing (issue 10): SRP_A as any client may send it.
    mod fuzz {
        use proptest::prelude::*;

        use super::*;

        #[test]
        fn fuzz_srp_corpus() {
            let corpus = include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../fuzz/corpus/srp.txt"
            ));
            for line in corpus.lines() {
                let _ = parse_client_public(line);
            }
        }

        /// A verifier and a server ephemeral to answer arbitrary `A`s with, made once.
        fn server_side() -> &'static (U3072, [u8; 32], U3072) {
            static SIDE: std::sync::OnceLock<(U3072, [u8; 32], U3072)> = std::sync::OnceLock::new();
            SIDE.get_or_init(|| {
                let verifier = srp::verifier("pool", "user", "Passw0rd!", &[7u8; 16]);
                let b = [9u8; 32];
                let ephemeral = ServerEphemeral::new(verifier.v(), &b).unwrap();
                (*verifier.v(), b, *ephemeral.public())
            })
        }

        proptest! {
            // Two modular exponentiations a case: a tenth of the cases the others run.
            #![proptest_config(ProptestConfig::with_cases(ProptestConfig::default().cases / 10))]

            #[test]
            fn fuzz_srp_session_keys_take_any_a(bytes in proptest::collection::vec(any::<u8>(), 1..=384)) {
                let (v, b, big_b) = server_side();
                let a = srp::uint_from_be(&bytes).unwrap();
                let keys = srp::server_session_keys(&a, big_b, b, v);
                if a == U3072::ZERO || a == srp::N {
                    prop_assert!(keys.is_err());
                }
            }
        }

        proptest! {
            #[test]
            fn fuzz_srp_a_of_any_text_is_parsed_or_refused(text in any::<String>()) {
                if let Err(e) = parse_client_public(&text) {
                    prop_assert_eq!(e.kind, crate::ErrorKind::InvalidParameter);
                }
            }

            #[test]
            fn fuzz_srp_a_of_any_hex_is_refused_exactly_when_zero_modulo_n(
                digits in "[0-9a-fA-F]{1,800}",
                zeros in 0usize..40,
            ) {
                let text = format!("{}{digits}", "0".repeat(zeros));
                match (parse_client_public(&text), srp::parse_hex(&text)) {
                    (Ok(a), Ok(parsed)) => prop_assert_eq!(a, parsed),
                    (Err(e), Ok(parsed)) => {
                        prop_assert!(parsed == U3072::ZERO || parsed == srp::N, "{}", e.message);
                    }
                    (Err(_), Err(_)) => {}
                    (Ok(_), Err(_)) => prop_assert!(false, "accepted what does not parse"),
                }
            }

        }
    }
}
