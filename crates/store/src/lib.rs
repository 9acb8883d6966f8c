//! cognate-store
