//! The domain's rules, tested on the real `Domain` over the in-memory store
//! (`cognate_testkit::domain::TestDomain`): no server, no database, a clock moved by hand.
//! Each module is a table of cases run through one [`support::check`].
//!
//! The end-to-end tests in `crates/server/tests/it` still drive the same rules over the wire,
//! on SQLite and PostgreSQL and with several nodes; these say what the rules are, fast.

// A panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod existence;
mod list_users;
mod lockout;
mod one_time_codes;
mod refresh;
mod roles_and_scopes;
