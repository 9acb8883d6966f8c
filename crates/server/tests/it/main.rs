//! One integration binary: a real `cognate` server on 127.0.0.1:0, driven over HTTP by the
//! AWS SDK for Rust (really signed) and by raw requests for the protocol's error paths.
//! Every test runs on SQLite, and on PostgreSQL when `TEST_POSTGRES_URL` is set.

// Test code states its expectations with unwrap and panics; the workspace forbids them elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod private_pg;
mod sinks;
mod support;

mod cli;
mod flows;
mod hosted_support;
mod identity_support;
mod interop;

mod amplify;
mod browser;
mod browser_apps;
mod clients;
mod cluster;
mod cors;
mod devices;
mod domains;
mod federation_apple;
mod federation_attacks;
mod federation_oidc;
mod federation_social;
mod groups;
mod hosted;
mod hosted_mfa;
mod hosted_pages;
mod identity;
mod identity_external;
mod identity_interop;
mod identity_providers;
mod import_jobs;
mod mfa;
mod moving;
mod oidc_client;
mod operator;
mod passkeys;
mod pools;
mod protocol;
mod recorded;
mod regions;
mod security;
mod selfservice;
mod signin;
mod tokens;
mod triggers;
mod user_auth;
mod users;
