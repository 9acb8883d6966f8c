//! The suite for the `OutboxStore` family: the outbox of sent messages.

use std::sync::Arc;

use cognate_domain::ports::Store;

use super::{OTHER, P, ids};
use crate::records::outbox_entry;

pub async fn outbox_lists_newest_first(store: Arc<dyn Store>) {
    // Outbox entries need no pool row: the outbox is a log.
    for (pool_id, id) in [(P, "1"), (OTHER, "2"), (P, "3"), (P, "4")] {
        store
            .append_outbox(&outbox_entry(pool_id, id))
            .await
            .unwrap();
    }
    let entries = |pool_id: Option<&'static str>, limit| {
        let store = store.clone();
        async move { ids(&store.list_outbox(pool_id, limit).await.unwrap(), |e| &e.id) }
    };
    assert_eq!(entries(None, 10).await, ["4", "3", "2", "1"]);
    assert_eq!(entries(None, 2).await, ["4", "3"]);
    assert_eq!(entries(Some(P), 10).await, ["4", "3", "1"]);
    assert_eq!(entries(Some(OTHER), 10).await, ["2"]);
    assert!(entries(Some("us-east-1_none"), 10).await.is_empty());
    let stored = store.list_outbox(Some(OTHER), 1).await.unwrap();
    assert_eq!(stored, [outbox_entry(OTHER, "2")]);
}
