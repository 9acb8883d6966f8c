//! Store throughput at scale: bulk insert, AdminGetUser's lookup, ListUsers by email prefix,
//! and the per-request session work (lookups by origin jti and refresh hash, rotation,
//! single-use markers, failure counters).
//!
//! Run with `cargo bench -p cognate-store --bench store`. Environment:
//! - `COGNATE_BENCH_USERS`: how many users to insert (default 100000);
//! - `COGNATE_BENCH_URL`: the database (default: a temporary SQLite file, removed after);
//!   a `postgres://` URL runs in a fresh schema that is dropped after;
//! - `COGNATE_BENCH_KEEP=1`: keep the SQLite file or PostgreSQL schema (named in the
//!   output) to look at query plans.
//!
//! Targets (docs/benchmarks.md): lookups ≥ 10 000/s, prefix ListUsers p50 < 5 ms at
//! 100 000 users, a million users storable; end to end, refresh ≥ 2 500/s and GetUser
//! ≥ 10 000/s, of which the store's share is measured here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cognate_domain::ports::{SearchFilter, Store, UserQuery, UserWrite};
use cognate_domain::tokens::AuthSession;
use cognate_domain::user::PasswordRecord;
use cognate_testkit::records::{T0, group, insert, pool, rotated, session, user};
use cognate_testkit::unique_name;

const POOL: &str = "us-east-1_bench";
const BATCH: usize = 500;
const READERS: usize = 16;
/// Sessions made for the session phase (at most one per user).
const SESSIONS: usize = 20_000;
/// How long each throughput measurement runs.
const WINDOW: Duration = Duration::from_secs(3);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A deterministic xorshift, so runs are comparable without a `rand` dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A user shaped like a real one: a sealed verifier, a handful of attributes, an email alias.
fn bench_user(i: usize) -> UserWrite {
    let sub = format!("{:08x}-0000-4000-8000-{:012x}", i, i);
    let username = format!("user{i:07}");
    let email = format!("user{i}@example.com");
    let mut u = user(POOL, &sub, &username);
    for (k, v) in [
        ("email", email.as_str()),
        ("email_verified", "true"),
        ("given_name", "Bench"),
        ("family_name", "User"),
        ("phone_number", "+15555550100"),
    ] {
        u.attributes.insert(k.to_owned(), v.to_owned());
    }
    u.password = Some(PasswordRecord {
        sealed: vec![0x5a; 400],
        set_at: T0,
        temporary_until: None,
        legacy: None,
    });
    let alias = format!("email:{email}");
    insert(
        &u,
        &[alias.as_str()],
        &[
            ("username", username.as_str()),
            ("cognito:user_status", "confirmed"),
            ("status", "Enabled"),
            ("email", email.as_str()),
            ("given_name", "Bench"),
            ("family_name", "User"),
            ("sub", sub.as_str()),
        ],
    )
}

/// The session of bench user `i`, with a refresh hash as long as a real one.
fn bench_session(i: usize) -> AuthSession {
    let mut hash = [0xa5u8; 32];
    hash[..8].copy_from_slice(&(i as u64).to_be_bytes());
    session(POOL, &bench_user(i).user.sub, &format!("jti-{i:07}"), &hash)
}

/// Calls `op(task, sequence number, random number)` from `READERS` tasks for `WINDOW`;
/// returns calls per second.
async fn per_second<F, Fut>(op: F) -> f64
where
    F: Fn(usize, u64, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..READERS)
        .map(|t| {
            let op = op.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ (t as u64 + 1));
                let mut n = 0;
                while started.elapsed() < WINDOW {
                    op(t, n, rng.below(usize::MAX)).await;
                    n += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

async fn run() {
    let users = env_usize("COGNATE_BENCH_USERS", 100_000);
    let keep = std::env::var("COGNATE_BENCH_KEEP").is_ok_and(|v| v == "1");
    let (url, schema) = match std::env::var("COGNATE_BENCH_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let path = std::env::temp_dir().join(format!("{}.db", unique_name("cognate-bench-")));
            (format!("sqlite://{}?mode=rwc", path.display()), None)
        }
    };
    let schema = if url.starts_with("postgres") {
        Some(unique_name("bench_"))
    } else {
        schema
    };
    let store: Arc<dyn Store> = match &schema {
        Some(schema) => cognate_store::connect_with_schema(&url, schema)
            .await
            .unwrap(),
        None => cognate_store::connect(&url).await.unwrap(),
    };
    println!(
        "database: {}",
        if schema.is_some() {
            "postgres"
        } else {
            url.as_str()
        }
    );
    store.insert_pool(&pool(POOL)).await.unwrap();

    let started = Instant::now();
    for start in (0..users).step_by(BATCH) {
        let batch: Vec<UserWrite> = (start..(start + BATCH).min(users))
            .map(bench_user)
            .collect();
        store.save_users(&batch).await.unwrap();
    }
    let took = started.elapsed();
    println!(
        "insert: {users} users in {:.1} s ({:.0} users/s, batches of {BATCH})",
        took.as_secs_f64(),
        users as f64 / took.as_secs_f64()
    );
    assert_eq!(store.count_users(POOL).await.unwrap(), users as u64);

    // AdminGetUser's store work: one lookup by username key and a JSON parse.
    let done = Arc::new(AtomicU64::new(0));
    let window = Duration::from_secs(3);
    let started = Instant::now();
    let tasks: Vec<_> = (0..READERS)
        .map(|t| {
            let store = store.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1));
                while started.elapsed() < window {
                    let key = format!("user{:07}", rng.below(users));
                    assert!(
                        store
                            .get_user_by_username_key(POOL, &key)
                            .await
                            .unwrap()
                            .is_some()
                    );
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let lookups = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!("get_user_by_username_key: {lookups:.0} lookups/s ({READERS} concurrent callers)");

    // ListUsers `email ^= "userNNN"`: a prefix matching one user and its decimal extensions.
    let mut rng = Rng(42);
    for (label, digits) in [("narrow", 4), ("wide", 2)] {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..200 {
            let n = rng.below(10usize.pow(digits)).max(1);
            let query = UserQuery {
                filter: Some(SearchFilter {
                    attribute: "email".to_owned(),
                    value: format!("user{n}"),
                    prefix: true,
                }),
                after: None,
                limit: 60,
            };
            let t = Instant::now();
            found += store.list_users(POOL, &query).await.unwrap().len();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "list_users email prefix ({label}, {digits} digits, limit 60): p50 {:?} p99 {:?} ({} users/page on average)",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            found / times.len()
        );
    }

    // ListUsersInGroup: a small group, and one holding a tenth of the pool.
    store.insert_group(&group(POOL, "few")).await.unwrap();
    store.insert_group(&group(POOL, "many")).await.unwrap();
    for i in (0..users).step_by(users / 10) {
        store
            .add_user_to_group(POOL, "few", &bench_user(i).user.sub)
            .await
            .unwrap();
    }
    for i in (0..users).step_by(10) {
        store
            .add_user_to_group(POOL, "many", &bench_user(i).user.sub)
            .await
            .unwrap();
    }
    for name in ["few", "many"] {
        let mut times = Vec::new();
        let mut rng = Rng(9);
        for _ in 0..200 {
            let after = format!("user{:07}", rng.below(users));
            let t = Instant::now();
            store
                .list_users_in_group(POOL, name, Some(&after), 60)
                .await
                .unwrap();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "list_users_in_group {name} (limit 60): p50 {:?} p99 {:?}",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }

    // Deep paging without a filter.
    let mut times = Vec::new();
    let mut rng = Rng(7);
    for _ in 0..200 {
        let after = format!("user{:07}", rng.below(users));
        let query = UserQuery {
            filter: None,
            after: Some(after),
            limit: 60,
        };
        let t = Instant::now();
        store.list_users(POOL, &query).await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "list_users page after a random key (limit 60): p50 {:?} p99 {:?}",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );

    sessions_phase(&store, users).await;
    usage_phase(&store, users).await;

    drop(store);
    if keep {
        println!("kept {}", schema.as_deref().unwrap_or(&url));
    } else if let Some(schema) = &schema {
        cognate_store::drop_schema(&url, schema).await.unwrap();
    } else if let Some(path) = url
        .strip_prefix("sqlite://")
        .and_then(|p| p.strip_suffix("?mode=rwc"))
    {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
}

/// What every token-authenticated request, refresh and sign-in asks of the store.
async fn sessions_phase(store: &Arc<dyn Store>, users: usize) {
    let sessions = users.min(SESSIONS);
    let started = Instant::now();
    for i in 0..sessions {
        store.insert_session(&bench_session(i)).await.unwrap();
    }
    println!(
        "insert_session: {:.0} sessions/s (one caller)",
        sessions as f64 / started.elapsed().as_secs_f64()
    );

    let s = store.clone();
    let rate = per_second(move |_, _, r| {
        let s = s.clone();
        async move {
            let jti = format!("jti-{:07}", r % sessions);
            assert!(s.get_session(&jti).await.unwrap().is_some());
        }
    })
    .await;
    println!("get_session: {rate:.0} lookups/s ({READERS} concurrent callers)");

    let s = store.clone();
    let rate = per_second(move |_, _, r| {
        let s = s.clone();
        async move {
            let hash = bench_session(r % sessions).refresh_hash;
            assert!(
                s.get_session_by_refresh_hash(&hash)
                    .await
                    .unwrap()
                    .is_some()
            );
        }
    })
    .await;
    println!("get_session_by_refresh_hash: {rate:.0} lookups/s ({READERS} concurrent callers)");

    // A rotating refresh: find the session by its refresh hash, then swap in a new hash.
    // Each caller owns its own sessions, so every rotation succeeds.
    let s = store.clone();
    let current: Arc<Vec<std::sync::Mutex<Vec<u8>>>> = Arc::new(
        (0..sessions)
            .map(|i| std::sync::Mutex::new(bench_session(i).refresh_hash))
            .collect(),
    );
    let rate = per_second(move |t, n, _| {
        let s = s.clone();
        let current = current.clone();
        async move {
            let i = (t + READERS * n as usize) % sessions;
            let hash = current[i].lock().unwrap().clone();
            let found = s.get_session_by_refresh_hash(&hash).await.unwrap().unwrap();
            let mut next = hash.clone();
            next[8..16].copy_from_slice(&(n + 1).to_be_bytes());
            next[16..24].copy_from_slice(&(t as u64).to_be_bytes());
            let next_session = rotated(&found, &next, T0);
            assert!(s.rotate_session(&next_session, &hash).await.unwrap());
            *current[i].lock().unwrap() = next;
        }
    })
    .await;
    println!("refresh (by hash + rotate_session): {rate:.0}/s ({READERS} concurrent callers)");

    let s = store.clone();
    let rate = per_second(move |t, n, _| {
        let s = s.clone();
        async move {
            let key = format!("step:{t}:{n}");
            assert!(s.use_once(&key, T0.millis()).await.unwrap());
        }
    })
    .await;
    println!("use_once: {rate:.0} markers/s ({READERS} concurrent callers)");

    let s = store.clone();
    let rate = per_second(move |_, n, r| {
        let s = s.clone();
        async move {
            let key = format!("unknown:{:04x}", r % 1000);
            let limit = cognate_domain::ports::AttemptLimit {
                max_attempts: i64::MAX,
                reset_after_ms: 900_000,
                backoff: None,
            };
            s.reserve_attempt(POOL, &key, &limit, T0.millis() + n as i64)
                .await
                .unwrap();
        }
    })
    .await;
    println!("reserve_attempt: {rate:.0} attempts/s ({READERS} concurrent callers)");

    let started = Instant::now();
    let purged = store.purge_expired(i64::MAX).await.unwrap();
    println!(
        "purge_expired: {purged} rows in {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

/// What counting monthly active users adds to each sign-in and refresh: one idempotent
/// insert of (pool, month, sub), new in the month or already there (issue 16).
async fn usage_phase(store: &Arc<dyn Store>, users: usize) {
    let calls = users.min(SESSIONS);
    for (what, month) in [
        ("first act in the month", "2026-01"),
        ("repeat act", "2026-01"),
    ] {
        let started = Instant::now();
        for i in 0..calls {
            store
                .record_active_user(POOL, month, &bench_user(i).user.sub)
                .await
                .unwrap();
        }
        let took = started.elapsed();
        println!(
            "mau record ({what}), one caller: {:.1} µs per call",
            took.as_secs_f64() * 1e6 / calls as f64
        );
    }
    let rate = per_second({
        let store = store.clone();
        move |_, _, r| {
            let store = store.clone();
            async move {
                let sub = bench_user(r % users).user.sub;
                store
                    .record_active_user(POOL, "2026-02", &sub)
                    .await
                    .unwrap();
            }
        }
    })
    .await;
    println!("mau record, {READERS} callers, random users: {rate:.0}/s");
}
