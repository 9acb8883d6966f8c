//! One integration binary: a real `cognate` server on 127.0.0.1:0, driven over HTTP by the
//! AWS SDK for Rust (really signed) and by raw requests for the protocol's error paths.
//! Every test runs on SQLite, and on PostgreSQL when `TEST_POSTGRES_URL` is set.

// Test code states its expectations with unwrap and panics; the workspace forbids them elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// Helpers every test shares: servers, message sinks, client-side flows, a private
// PostgreSQL cluster, the browser and relying-party stand-ins (`support/`).
mod support;

// The Cognito IdP API through the AWS SDK and raw requests.
mod clients;
mod devices;
mod domains;
mod groups;
mod mfa;
mod passkeys;
mod pools;
mod protocol;
mod selfservice;
mod signin;
mod tokens;
mod triggers;
mod user_auth;
mod users;

// The hosted login pages and the OAuth 2.0 / OpenID Connect endpoints.
mod hosted;
mod hosted_mfa;
mod hosted_pages;

// Federation: identity-provider administration and sign-in through outside providers (issue 13).
mod federation_apple;
mod federation_attacks;
mod federation_browser;
mod federation_moving;
mod federation_oidc;
mod federation_pages;
mod federation_saml;
mod federation_saml_browser;
mod federation_social;
mod federation_triggers;
mod identity_providers;

// Identity pools (issue 14).
mod identity;
mod identity_external;
mod identity_interop;

// Users in and out: import jobs, export/import/migrate, backups, usage (issue 16).
mod import_jobs;
mod moving;

// Operations: the command line, health and metrics, several nodes, hardening.
mod cli;
mod cluster;
mod hardening;
mod http_limits;
mod operator;
mod security;

// Third-party clients and real browsers: amazon-cognito-identity-js and Amplify under Node,
// Chromium over WebDriver, CORS, what the SDKs record, dev mode's regions.
mod amplify;
mod browser;
mod browser_apps;
mod cors;
mod interop;
mod recorded;
mod regions;
