//! The federation engine against stand-in identity providers, offline: an OpenID Connect
//! provider and the social providers' endpoints served in-process on `127.0.0.1:0`, and SAML
//! Responses made by a real IdP implementation (samlify, `interop/saml/make-fixtures.cjs`).
//!
//! - `oidc`: discovery, the code flow with PKCE and nonce, userInfo, ID-token attacks, key
//!   rotation, timeouts and the https rule.
//! - `social`: Google, Facebook, Login with Amazon and Sign in with Apple through overridden
//!   endpoints.
//! - `logins`: identity-pool login tokens.
//! - `saml`: metadata, AuthnRequest and logout messages, Response validation and attacks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod logins;
mod oidc;
mod saml;
mod social;
mod stand_in;

use std::time::Duration;

use cognate_domain::Timestamp;
use cognate_federation::{Federation, FederationConfig, HttpSettings};

/// The tests' fixed `now` for the OIDC stand-ins (2026-12-01T12:00:00Z).
pub const NOW_SECS: i64 = 1_796_126_400;

pub fn now() -> Timestamp {
    Timestamp::from_secs(NOW_SECS)
}

/// An engine for loopback stand-ins: dev mode, short timeouts.
pub fn engine() -> Federation {
    engine_with(|_| {})
}

pub fn engine_with(adjust: impl FnOnce(&mut FederationConfig)) -> Federation {
    let mut config = FederationConfig {
        dev_mode: true,
        http: HttpSettings {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(2),
            ..HttpSettings::default()
        },
        ..FederationConfig::default()
    };
    adjust(&mut config);
    Federation::new(config).unwrap()
}
