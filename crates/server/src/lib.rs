//! cognate-server
