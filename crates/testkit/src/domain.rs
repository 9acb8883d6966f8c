//! [`TestDomain`]: the real [`Domain`] on the in-memory store, with every other port made
//! for tests, so the domain's rules are tested without a server or a database.
//!
//! - a [`ManualClock`] that moves only when the test advances it;
//! - [`SeededRandom`], so a test's randomness (ids, codes, salts) is the same on every run;
//! - a [`RecordingSender`] that keeps every message, to read back the codes sent;
//! - [`RecordingTriggers`], which remembers every trigger event and answers as the test
//!   scripted it (by default as a function that changes nothing would: the event itself).
//!
//! And one-line helpers for what most tests start from: a pool, a client, a confirmed user.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use cognate_crypto::random::RandomSource;
use cognate_domain::Ports;
use cognate_domain::client::{AppClient, ClientInput};
use cognate_domain::enums::ExplicitAuthFlow;
use cognate_domain::limits::UserLimits;
use cognate_domain::messages::OutgoingMessage;
use cognate_domain::pool::{PoolInput, UserPool};
use cognate_domain::ports::MessageSender;
use cognate_domain::time::{ManualClock, Timestamp};
use cognate_domain::triggers::{TriggerFailure, TriggerInvoker};
use cognate_domain::user::{AdminCreateUserInput, MessageAction, User};
use cognate_domain::{Domain, DomainConfig, Keyring, Result};
use serde_json::Value;

use crate::memory::MemoryStore;
use crate::records::T0;

/// The password [`TestDomain::confirmed_user`] gives, which Cognito's default policy accepts.
pub const PASSWORD: &str = "Passw0rd!";

/// Takes a lock, even one a failed test poisoned (test state is only ever appended to).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Replayable randomness: SplitMix64 from a seed. Not for anything but tests.
pub struct SeededRandom(Mutex<u64>);

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        SeededRandom(Mutex::new(seed))
    }
}

impl RandomSource for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        let mut state = lock(&self.0);
        for chunk in buf.chunks_mut(8) {
            *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// Keeps every message the domain sends, in order.
#[derive(Default)]
pub struct RecordingSender {
    sent: Mutex<Vec<OutgoingMessage>>,
}

impl RecordingSender {
    /// Every message sent so far.
    pub fn sent(&self) -> Vec<OutgoingMessage> {
        lock(&self.sent).clone()
    }

    /// The messages sent to `destination` (an email address or a phone number).
    pub fn sent_to(&self, destination: &str) -> Vec<OutgoingMessage> {
        lock(&self.sent)
            .iter()
            .filter(|m| m.destination == destination)
            .cloned()
            .collect()
    }

    /// The code of the last message to `destination` that carried one.
    pub fn last_code_to(&self, destination: &str) -> Option<String> {
        self.sent_to(destination)
            .into_iter()
            .rev()
            .find_map(|m| m.code)
    }
}

#[async_trait]
impl MessageSender for RecordingSender {
    async fn send(&self, message: &OutgoingMessage) -> std::result::Result<(), String> {
        lock(&self.sent).push(message.clone());
        Ok(())
    }
}

/// What a scripted function answers to an event.
pub type TriggerAnswer =
    Box<dyn Fn(&Value) -> std::result::Result<Value, TriggerFailure> + Send + Sync>;

/// Remembers every trigger event; answers with the script given for the function's ARN,
/// or with the event unchanged.
#[derive(Default)]
pub struct RecordingTriggers {
    seen: Mutex<Vec<(String, Value)>>,
    scripts: Mutex<BTreeMap<String, Arc<TriggerAnswer>>>,
}

impl RecordingTriggers {
    /// From now on the function at `function_arn` answers with `answer`.
    pub fn script(
        &self,
        function_arn: &str,
        answer: impl Fn(&Value) -> std::result::Result<Value, TriggerFailure> + Send + Sync + 'static,
    ) {
        lock(&self.scripts).insert(function_arn.to_owned(), Arc::new(Box::new(answer)));
    }

    /// Every `(function ARN, event)` invoked so far, in order.
    pub fn seen(&self) -> Vec<(String, Value)> {
        lock(&self.seen).clone()
    }

    /// The `triggerSource` of every event so far, in order.
    pub fn sources(&self) -> Vec<String> {
        lock(&self.seen)
            .iter()
            .map(|(_, event)| {
                event["triggerSource"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }
}

#[async_trait]
impl TriggerInvoker for RecordingTriggers {
    async fn invoke(
        &self,
        function_arn: &str,
        event: &Value,
    ) -> std::result::Result<Value, TriggerFailure> {
        lock(&self.seen).push((function_arn.to_owned(), event.clone()));
        let script = lock(&self.scripts).get(function_arn).cloned();
        match script {
            Some(answer) => answer(event),
            None => Ok(event.clone()),
        }
    }
}

/// How a [`TestDomain`] is made; [`TestDomain::new`] takes every default.
pub struct TestDomainBuilder {
    seed: u64,
    start: Timestamp,
    limits: UserLimits,
}

impl TestDomainBuilder {
    /// The seed of the randomness (default 1).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Where the clock starts (default [`T0`]).
    pub fn start(mut self, at: Timestamp) -> Self {
        self.start = at;
        self
    }

    /// The numbers of the lockout, code and send limits (default Cognito's).
    pub fn limits(mut self, limits: UserLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn build(self) -> Result<TestDomain> {
        let store = Arc::new(MemoryStore::new());
        let clock = Arc::new(ManualClock::new(self.start));
        let sender = Arc::new(RecordingSender::default());
        let triggers = Arc::new(RecordingTriggers::default());
        let ports = Ports {
            store: store.clone(),
            sender: sender.clone(),
            clock: clock.clone(),
            random: Arc::new(SeededRandom::new(self.seed)),
            triggers: triggers.clone(),
        };
        let config = DomainConfig {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            public_url: "http://localhost:9229".into(),
            auth_domain: "auth.localhost".into(),
            dev_outbox: false,
            custom_sender_key: None,
            limits: self.limits,
        };
        let keys = Keyring::new([7; 32])?;
        Ok(TestDomain {
            domain: Arc::new(Domain::new(ports, keys, config)),
            store,
            clock,
            sender,
            triggers,
        })
    }
}

/// The real [`Domain`] with test ports; the fields are there to be looked at and moved.
pub struct TestDomain {
    pub domain: Arc<Domain>,
    pub store: Arc<MemoryStore>,
    pub clock: Arc<ManualClock>,
    pub sender: Arc<RecordingSender>,
    pub triggers: Arc<RecordingTriggers>,
}

impl TestDomain {
    /// With every default: seed 1, the clock at [`T0`], Cognito's limits.
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    pub fn builder() -> TestDomainBuilder {
        TestDomainBuilder {
            seed: 1,
            start: T0,
            limits: UserLimits::default(),
        }
    }

    /// Now, as the domain sees it.
    pub fn now(&self) -> Timestamp {
        use cognate_domain::time::Clock;
        self.clock.now()
    }

    /// Moves the clock forward.
    pub fn advance_secs(&self, secs: i64) {
        self.clock.advance_secs(secs);
    }

    pub fn advance_millis(&self, millis: i64) {
        self.clock.set(self.now().plus_millis(millis));
    }

    /// A pool with Cognito's defaults.
    pub async fn pool(&self) -> Result<UserPool> {
        self.pool_with(PoolInput::default()).await
    }

    /// A pool from `input`, named `test` unless it names itself.
    pub async fn pool_with(&self, input: PoolInput) -> Result<UserPool> {
        let input = PoolInput {
            name: input.name.clone().or_else(|| Some("test".into())),
            ..input
        };
        self.domain.create_user_pool(input).await
    }

    /// A public client (no secret) that allows password sign-in, SRP and refresh.
    pub async fn client(&self, pool_id: &str) -> Result<AppClient> {
        self.client_with(pool_id, ClientInput::default()).await
    }

    /// A public client from `input`; unless it says otherwise, named `app` and allowing
    /// password sign-in, SRP and refresh.
    pub async fn client_with(&self, pool_id: &str, input: ClientInput) -> Result<AppClient> {
        let input = ClientInput {
            name: input.name.clone().or_else(|| Some("app".into())),
            explicit_auth_flows: input.explicit_auth_flows.clone().or_else(|| {
                Some(vec![
                    ExplicitAuthFlow::AllowUserPasswordAuth,
                    ExplicitAuthFlow::AllowAdminUserPasswordAuth,
                    ExplicitAuthFlow::AllowUserSrpAuth,
                    ExplicitAuthFlow::AllowRefreshTokenAuth,
                ])
            }),
            ..input
        };
        let (client, _secret) = self.domain.create_user_pool_client(pool_id, input).await?;
        Ok(client)
    }

    /// A CONFIRMED user with [`PASSWORD`] and these attributes (no invitation sent).
    pub async fn confirmed_user(
        &self,
        pool_id: &str,
        username: &str,
        attributes: &[(&str, &str)],
    ) -> Result<User> {
        let input = AdminCreateUserInput {
            username: username.to_owned(),
            attributes: attributes
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            temporary_password: None,
            force_alias_creation: false,
            message_action: Some(MessageAction::Suppress),
            desired_delivery_mediums: None,
            validation_data: Vec::new(),
            client_metadata: Default::default(),
        };
        self.domain.admin_create_user(pool_id, input).await?;
        self.domain
            .admin_set_user_password(pool_id, username, PASSWORD, true)
            .await?;
        self.domain.admin_get_user(pool_id, username).await
    }
}
