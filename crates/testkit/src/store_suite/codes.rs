//! The suite for the `CodeStore` family: single-use codes and markers, attempt counters.

use std::sync::Arc;

use cognate_domain::ports::{AttemptLimit, Backoff, Conflict, Store};

use super::{OTHER, P, add_user, conflict, with_pools};
use crate::records::{T0, code};

pub async fn codes_are_single_use(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    let first = code(P, "sub-1", "sign_up", b"hash-1");
    store.put_code(&first).await.unwrap();
    assert_eq!(
        store.get_code(P, "sub-1", "sign_up").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.get_code(P, "sub-1", "reset_password").await.unwrap(),
        None
    );

    // A new code replaces the old one.
    let mut second = code(P, "sub-1", "sign_up", b"hash-2");
    second.expires_at_ms += 1;
    store.put_code(&second).await.unwrap();
    assert_eq!(
        store.get_code(P, "sub-1", "sign_up").await.unwrap(),
        Some(second.clone())
    );
    assert!(
        !store
            .take_code(P, "sub-1", "sign_up", b"hash-1")
            .await
            .unwrap(),
        "replaced code"
    );

    // Other purposes are separate codes.
    let reset = code(P, "sub-1", "reset_password", b"hash-r");
    store.put_code(&reset).await.unwrap();

    assert!(
        !store
            .take_code(P, "sub-1", "sign_up", b"wrong")
            .await
            .unwrap()
    );
    assert!(
        store
            .get_code(P, "sub-1", "sign_up")
            .await
            .unwrap()
            .is_some(),
        "a wrong guess leaves the code"
    );
    assert!(
        store
            .take_code(P, "sub-1", "sign_up", b"hash-2")
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_code(P, "sub-1", "sign_up", b"hash-2")
            .await
            .unwrap(),
        "second use"
    );
    assert_eq!(store.get_code(P, "sub-1", "sign_up").await.unwrap(), None);
    assert_eq!(
        store.get_code(P, "sub-1", "reset_password").await.unwrap(),
        Some(reset)
    );

    assert_eq!(
        store.put_code(&code(P, "sub-none", "sign_up", b"h")).await,
        conflict(Conflict::Missing)
    );
}

pub async fn concurrent_takes_of_one_code_have_one_winner(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    for round in 0..20u8 {
        let hash = [round; 32];
        store
            .put_code(&code(P, "sub-1", "reset_password", &hash))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .take_code(P, "sub-1", "reset_password", &hash)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut taken = 0;
        for task in tasks {
            taken += usize::from(task.await.unwrap());
        }
        assert_eq!(taken, 1, "round {round}");
    }
}

pub async fn single_use_markers_are_used_once(store: Arc<dyn Store>) {
    let expires = T0.plus_secs(180).millis();
    assert!(store.use_once("step:1", expires).await.unwrap());
    assert!(!store.use_once("step:1", expires).await.unwrap());
    assert!(!store.use_once("step:1", expires + 1000).await.unwrap());
    assert!(store.use_once("step:2", expires).await.unwrap());
    // Keys compare exactly.
    assert!(store.use_once("STEP:1", expires).await.unwrap());
    assert!(store.use_once("step:1 ", expires).await.unwrap());
}

pub async fn concurrent_use_once_has_one_winner(store: Arc<dyn Store>) {
    let expires = T0.plus_secs(180).millis();
    for round in 0..10 {
        let key = format!("step:{round}");
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                let key = key.clone();
                tokio::spawn(async move { store.use_once(&key, expires).await.unwrap() })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            wins += usize::from(task.await.unwrap());
        }
        assert_eq!(wins, 1, "round {round}");
    }
}

pub async fn attempt_counters_cap_reset_and_clear(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let three = AttemptLimit {
        max_attempts: 3,
        reset_after_ms: 60_000,
        backoff: None,
    };
    let t = T0.millis();
    let reserve = |pool: &'static str, key: &'static str, at: i64| {
        let store = store.clone();
        async move { store.reserve_attempt(pool, key, &three, at).await.unwrap() }
    };
    assert_eq!(reserve(P, "sub-1", t).await, Some(1));
    assert_eq!(reserve(P, "sub-1", t + 10_000).await, Some(2));
    assert_eq!(reserve(P, "sub-1", t + 20_000).await, Some(3));
    assert_eq!(reserve(P, "sub-1", t + 30_000).await, None, "over the cap");
    // Counters are per pool and per key, and a key needs no user.
    assert_eq!(reserve(P, "unknown:00ff", t + 30_000).await, Some(1));
    assert_eq!(reserve(OTHER, "sub-1", t + 30_000).await, Some(1));
    // A refused attempt does not keep the counter alive: it resets a minute after the last
    // reserved one (t + 20 s), not after the refused one (t + 30 s).
    assert_eq!(reserve(P, "sub-1", t + 79_999).await, None);
    assert_eq!(
        reserve(P, "sub-1", t + 80_000).await,
        Some(1),
        "started afresh"
    );
    assert_eq!(reserve(P, "sub-1", t + 80_001).await, Some(2));
    // Clearing forgets the counter; clearing again is harmless.
    store.clear_attempts(P, "sub-1").await.unwrap();
    store.clear_attempts(P, "sub-1").await.unwrap();
    assert_eq!(reserve(P, "sub-1", t + 80_002).await, Some(1));
    assert_eq!(
        reserve(OTHER, "sub-1", t + 80_002).await,
        Some(2),
        "the other pool's counter is its own"
    );
    // Keys compare exactly.
    assert_eq!(reserve(P, "SUB-1", t + 80_002).await, Some(1));
}

pub async fn attempt_counters_back_off(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    // Two free attempts, then 1 s, 2 s, 4 s, and 4 s from then on; reset after an hour.
    let limit = AttemptLimit {
        max_attempts: i64::MAX,
        reset_after_ms: 3_600_000,
        backoff: Some(Backoff {
            after_attempts: 2,
            first_delay_ms: 1000,
            max_delay_ms: 4000,
        }),
    };
    let t0 = T0.millis();
    let reserve = |at: i64| {
        let store = store.clone();
        async move { store.reserve_attempt(P, "sub-1", &limit, at).await.unwrap() }
    };
    assert_eq!(reserve(t0).await, Some(1));
    assert_eq!(reserve(t0).await, Some(2));
    assert_eq!(reserve(t0 + 999).await, None, "1 s after two");
    assert_eq!(reserve(t0 + 1000).await, Some(3));
    assert_eq!(reserve(t0 + 2999).await, None, "2 s after three");
    assert_eq!(reserve(t0 + 3000).await, Some(4));
    assert_eq!(reserve(t0 + 6999).await, None, "4 s after four");
    assert_eq!(reserve(t0 + 7000).await, Some(5));
    assert_eq!(reserve(t0 + 10_999).await, None, "capped at 4 s");
    assert_eq!(reserve(t0 + 11_000).await, Some(6));
    // Refused attempts leave the delay as it was.
    for at in [11_500, 12_000, 14_000] {
        assert_eq!(reserve(t0 + at).await, None);
    }
    assert_eq!(reserve(t0 + 15_000).await, Some(7));
    // Past the reset the run starts over, free attempts included.
    let later = t0 + 15_000 + 3_600_000;
    assert_eq!(reserve(later).await, Some(1));
    assert_eq!(reserve(later).await, Some(2));
    assert_eq!(reserve(later).await, None);
    // Long runs stay capped (no overflow of the doubling).
    let mut at = later;
    for _ in 0..70 {
        at += 4000;
        assert!(reserve(at).await.is_some());
    }
}

/// 30 concurrent reservations on one counter; returns the counts of those that got through.
async fn thirty_at_once(store: &Arc<dyn Store>, limit: AttemptLimit) -> Vec<i64> {
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .reserve_attempt(P, "sub-1", &limit, T0.millis())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.extend(task.await.unwrap());
    }
    counts.sort_unstable();
    counts
}

pub async fn concurrent_reservations_never_exceed_the_limit(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    // A cap of five: exactly five of thirty get through, each with a count of its own.
    let capped = AttemptLimit {
        max_attempts: 5,
        reset_after_ms: 3_600_000,
        backoff: None,
    };
    assert_eq!(thirty_at_once(&store, capped).await, vec![1, 2, 3, 4, 5]);
    store.clear_attempts(P, "sub-1").await.unwrap();
    // Five free attempts then a delay: thirty at the same instant get five through.
    let backing_off = AttemptLimit {
        max_attempts: i64::MAX,
        reset_after_ms: 900_000,
        backoff: Some(Backoff {
            after_attempts: 5,
            first_delay_ms: 1000,
            max_delay_ms: 900_000,
        }),
    };
    assert_eq!(
        thirty_at_once(&store, backing_off).await,
        vec![1, 2, 3, 4, 5]
    );
}
