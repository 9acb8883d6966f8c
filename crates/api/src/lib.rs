//! cognate-api

pub mod sigv4;
