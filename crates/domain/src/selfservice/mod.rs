//! What users do for themselves: SignUp, ConfirmSignUp, ResendConfirmationCode,
//! ForgotPassword, ConfirmForgotPassword, ChangePassword, GetUser, UpdateUserAttributes,
//! GetUserAttributeVerificationCode, VerifyUserAttribute, DeleteUser, DeleteUserAttributes
//! and SetUserSettings. Public operations are authorised by client id and secret hash, or
//! by an access token.
//!
//! Here: what the operations share (the caller after the secret-hash check, where codes go,
//! the simulated deliveries that hide whether a user exists). Signing up is in `sign_up`,
//! a user's own password in `passwords`, their own record and settings in `profile`.

use crate::Domain;
use crate::auth::Caller;
use crate::client::AppClient;
use crate::codes::{CodePurpose, MessageContext};
use crate::enums::{DeliveryMedium, VerifiableAttribute};
use crate::error::{Error, Result};
use crate::limits::Counter;
use crate::messages::{decoy_destination, mask_destination};
use crate::pool::UserPool;
use crate::schema::{self};
use crate::triggers::ClientMetadata;
use crate::user::User;

mod passwords;
mod profile;
mod sign_up;

pub(crate) use sign_up::apply_pre_sign_up;
pub use sign_up::{SignUpInput, SignUpOutcome};

/// Where a code went, as CodeDeliveryDetails reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDelivery {
    pub destination: String,
    pub medium: DeliveryMedium,
    pub attribute: String,
}

/// The caller of a public operation (SignUp, ConfirmSignUp, ResendConfirmationCode,
/// ForgotPassword, ConfirmForgotPassword): the app client and its pool, and the username the
/// call names, once the client's SECRET_HASH for that name has been checked. Only
/// [`Domain::public_client`] (for API calls) and the hosted pages (the client's own pages, run
/// by the server that holds its secret) make one, so the operations that take it check nothing
/// again, and the name they act on is the one the hash was checked for.
pub struct PublicClient {
    caller: Caller,
    username: String,
}

impl PublicClient {
    /// The caller of a public operation the hosted pages make: they act for the client,
    /// server side, where the secret is, so there is no SECRET_HASH to check.
    pub(crate) fn hosted(pool: &UserPool, client: &AppClient, username: &str) -> PublicClient {
        PublicClient {
            caller: Caller {
                pool: pool.clone(),
                client: client.clone(),
                admin: false,
                client_metadata: ClientMetadata::new(),
            },
            username: username.to_owned(),
        }
    }

    /// The username the call names (and the secret hash was computed over).
    pub fn username(&self) -> &str {
        &self.username
    }

    fn pool(&self) -> &UserPool {
        &self.caller.pool
    }

    fn client(&self) -> &AppClient {
        &self.caller.client
    }

    fn client_id(&self) -> &str {
        &self.caller.client.client_id
    }

    fn client_metadata(&self) -> &ClientMetadata {
        &self.caller.client_metadata
    }
}

fn verified_flags_are_not_writable(attributes: &[(String, String)]) -> Result<()> {
    match attributes
        .iter()
        .find(|(n, _)| schema::VERIFIED_FLAGS.contains(&n.as_str()))
    {
        Some((name, _)) => Err(Error::unauthorized_attribute_write(name)),
        None => Ok(()),
    }
}

fn check_client_may_write(client: &AppClient, attributes: &[(String, String)]) -> Result<()> {
    let Some(writable) = &client.settings.write_attributes else {
        return Ok(());
    };
    match attributes.iter().find(|(n, _)| !writable.contains(n)) {
        Some((name, _)) => Err(Error::unauthorized_attribute_write(name)),
        None => Ok(()),
    }
}

fn delivery(medium: DeliveryMedium, destination: &str, attribute: &str) -> CodeDelivery {
    CodeDelivery {
        destination: mask_destination(medium, destination),
        medium,
        attribute: attribute.to_owned(),
    }
}

/// Where a simulated code would have gone: by the name's shape when it is an address (as a
/// real user's code would), else where the pool sends such codes first.
fn simulated_medium(pool: &UserPool, purpose: CodePurpose, username: &str) -> DeliveryMedium {
    if crate::schema::is_valid_email(username) {
        return DeliveryMedium::Email;
    }
    if crate::schema::is_valid_phone(username) {
        return DeliveryMedium::Sms;
    }
    let auto = &pool.settings.auto_verified_attributes;
    let sms_first = match purpose {
        CodePurpose::ResetPassword => match &pool.settings.account_recovery {
            Some(options) => options
                .iter()
                .min_by_key(|o| o.priority)
                .is_some_and(|o| o.name == crate::enums::RecoveryOptionName::VerifiedPhoneNumber),
            None => !auto.contains(&VerifiableAttribute::Email),
        },
        _ => !auto.contains(&VerifiableAttribute::Email),
    };
    if sms_first {
        DeliveryMedium::Sms
    } else {
        DeliveryMedium::Email
    }
}

fn auto_verification_off() -> Error {
    Error::invalid_parameter("Cannot resend codes. Auto verification not turned on.")
}

impl Domain {
    /// The caller of a public operation: the client, its pool, and the client's SECRET_HASH
    /// checked for `username` when the client has a secret.
    pub async fn public_client(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
        client_metadata: ClientMetadata,
    ) -> Result<PublicClient> {
        let client = self.client_by_id(client_id).await?;
        let pool = self.user_pool(&client.pool_id).await?;
        self.check_secret_hash(&client, &[username], secret_hash)?;
        Ok(PublicClient {
            caller: Caller {
                pool,
                client,
                admin: false,
                client_metadata,
            },
            username: username.to_owned(),
        })
    }

    /// The user a code is answered for (ConfirmSignUp, ConfirmForgotPassword). A name that
    /// matches no user, when the client hides existence, is a wrong code, counted as a real
    /// user's wrong answer is.
    async fn user_answering_code(
        &self,
        public: &PublicClient,
        purpose: CodePurpose,
    ) -> Result<User> {
        match self
            .find_sign_in_user(public.pool(), public.username())
            .await?
        {
            Some(user) => Ok(user),
            None if public.client().prevents_user_existence_errors() => Err(self
                .answer_for_unknown_user(public.pool(), public.username(), purpose)
                .await),
            None => Err(Error::user_not_found()),
        }
    }

    /// A user a public operation names; unknown users read as a wrong code when the client
    /// hides existence.
    async fn named_user(&self, public: &PublicClient) -> Result<User> {
        match self
            .find_sign_in_user(public.pool(), public.username())
            .await?
        {
            Some(user) => Ok(user),
            None if public.client().prevents_user_existence_errors() => Err(Error::code_mismatch()),
            None => Err(Error::user_not_found()),
        }
    }

    /// What a hidden user is told (a name with no user, or a user who gets no code): a
    /// plausible, masked destination derived from the name with the server's key, so it is
    /// the same each time. It costs what a real send costs here (the send limit's count, a
    /// keyed hash of a code, a store write), and the limit runs out as a real user's does.
    async fn simulated_delivery(
        &self,
        public: &PublicClient,
        user: Option<&User>,
        purpose: CodePurpose,
    ) -> Result<CodeDelivery> {
        let (pool, username) = (public.pool(), public.username());
        let who = match user {
            Some(user) => user.sub.clone(),
            None => self.unknown_user_key(pool, username),
        };
        self.reserve(&pool.id, Counter::Sends(purpose.as_str(), &who))
            .await?;
        // The store writes a real send makes: a code is stored (here a single-use marker of
        // its hash, expiring as the code would, since there is no user to store it for).
        let code = cognate_crypto::random::random_digits(self.random(), 6);
        let hash = self.keys.hash(purpose.as_str(), code.as_bytes());
        let expires = self.now().plus_secs(purpose.lifetime_secs()).millis();
        self.store
            .use_once(&format!("simulated:{}", hex::encode(&hash[..16])), expires)
            .await
            .map_err(Error::from)?;
        let seed = self.keys.hash(
            "simulated-delivery",
            format!("{}:{}", pool.id, crate::user::username_key(pool, username)).as_bytes(),
        );
        let (medium, attribute) = match simulated_medium(pool, purpose, username) {
            DeliveryMedium::Email => (DeliveryMedium::Email, "email"),
            DeliveryMedium::Sms => (DeliveryMedium::Sms, "phone_number"),
        };
        Ok(CodeDelivery {
            destination: decoy_destination(medium, username, &seed),
            medium,
            attribute: attribute.to_owned(),
        })
    }
}

/// The context of a message a public operation sends. When the client hides whether
/// users exist, the message is handed over without waiting, so neither a delivery failure
/// nor the time a delivery takes tells a real user from a made-up name.
fn message_context<'a>(public: &'a PublicClient, source: &'static str) -> MessageContext<'a> {
    MessageContext {
        source,
        client_id: Some(public.client_id()),
        client_metadata: Some(public.client_metadata()),
        detached: public.client().prevents_user_existence_errors(),
        sends_counted: false,
    }
}
