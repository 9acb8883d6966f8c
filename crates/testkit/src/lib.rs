//! cognate-testkit
