//! The suite for issue 16's store families: user import jobs (`ImportJobStore`: records,
//! files in chunks, leases, guarded batch commits), reading everything out (`BulkStore`),
//! and monthly usage (`UsageStore`).

use std::sync::Arc;

use cognate_domain::enums::ImportJobStatus;
use cognate_domain::import_jobs::{ImportChunk, ImportJob};
use cognate_domain::ports::{Conflict, Store, StoreError};
use cognate_domain::time::Timestamp;

use super::{OTHER, P, add_user, with_pools};
use crate::records::{T0, insert, session, user};

fn job(pool_id: &str, job_id: &str, created: i64) -> ImportJob {
    ImportJob {
        pool_id: pool_id.to_owned(),
        job_id: job_id.to_owned(),
        name: "job".to_owned(),
        cloud_watch_logs_role_arn: "arn:aws:iam::1:role/r".to_owned(),
        password_hashing_algorithm: None,
        status: ImportJobStatus::Created,
        created: Timestamp(created),
        started: None,
        completed: None,
        imported: 0,
        skipped: 0,
        failed: 0,
        completion_message: None,
        file: None,
        next_line: 0,
        row_errors: Vec::new(),
    }
}

fn with_status(job: &ImportJob, status: ImportJobStatus) -> ImportJob {
    ImportJob {
        status,
        ..job.clone()
    }
}

pub async fn import_jobs_round_trip_list_in_id_order_and_go_with_their_pool(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    for id in ["import-c", "import-a", "import-b"] {
        store
            .insert_import_job(&job(P, id, T0.millis()))
            .await
            .unwrap();
    }
    store
        .insert_import_job(&job(OTHER, "import-a", T0.millis()))
        .await
        .unwrap();
    assert_eq!(
        store.insert_import_job(&job(P, "import-a", 0)).await,
        Err(StoreError::Conflict(Conflict::Exists))
    );
    let first = store.list_import_jobs(P, None, 2).await.unwrap();
    let ids: Vec<_> = first.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(ids, ["import-a", "import-b"]);
    let rest = store
        .list_import_jobs(P, Some("import-b"), 2)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].job_id, "import-c");
    assert_eq!(store.count_import_jobs(P).await.unwrap(), 3);
    assert_eq!(
        store.get_import_job(P, "import-a").await.unwrap(),
        Some(job(P, "import-a", T0.millis()))
    );
    // Transitions are guarded by the status they start from.
    let pending = with_status(&job(P, "import-a", T0.millis()), ImportJobStatus::Pending);
    assert!(
        store
            .update_import_job(&pending, ImportJobStatus::Created, "")
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_import_job(&pending, ImportJobStatus::Created, "")
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_import_job(P, "import-a")
            .await
            .unwrap()
            .unwrap()
            .status,
        ImportJobStatus::Pending
    );
    // A status-only change keeps the record as it is.
    assert!(
        store
            .set_import_job_status(
                P,
                "import-a",
                ImportJobStatus::Pending,
                ImportJobStatus::Stopping
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_import_job_status(
                P,
                "import-a",
                ImportJobStatus::Pending,
                ImportJobStatus::Stopping
            )
            .await
            .unwrap()
    );
    let stopping = store.get_import_job(P, "import-a").await.unwrap().unwrap();
    assert_eq!(stopping, with_status(&pending, ImportJobStatus::Stopping));
    // Chunks: replaced by seq, deleted together, gone with the pool.
    for seq in 0..3u32 {
        let chunk = ImportChunk {
            seq,
            first_line: u64::from(seq) * 10,
            data: vec![b'a' + seq as u8; 5],
        };
        store.put_import_chunk(P, "import-b", &chunk).await.unwrap();
    }
    let again = ImportChunk {
        seq: 1,
        first_line: 10,
        data: b"zz".to_vec(),
    };
    store.put_import_chunk(P, "import-b", &again).await.unwrap();
    assert_eq!(
        store.get_import_chunk(P, "import-b", 1).await.unwrap(),
        Some(again)
    );
    store.delete_import_chunks(P, "import-b").await.unwrap();
    assert_eq!(
        store.get_import_chunk(P, "import-b", 0).await.unwrap(),
        None
    );
    store.delete_pool(P).await.unwrap();
    assert_eq!(store.get_import_job(P, "import-a").await.unwrap(), None);
    assert_eq!(store.count_import_jobs(OTHER).await.unwrap(), 1);
}

pub async fn import_job_leases_have_one_holder_and_lapse(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    let created = job(P, "import-a", T0.millis());
    store.insert_import_job(&created).await.unwrap();
    // A Created job is not runnable.
    assert_eq!(store.claim_import_job("n1", 100, 200).await.unwrap(), None);
    store
        .update_import_job(
            &with_status(&created, ImportJobStatus::Pending),
            ImportJobStatus::Created,
            "",
        )
        .await
        .unwrap();
    // Thirty concurrent claimers: one wins.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .claim_import_job(&format!("n{i}"), 100, 1_000)
                .await
                .unwrap()
        }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap().is_some());
    }
    assert_eq!(winners, 1);
    // Until the lease lapses nobody else gets it; then someone does.
    assert_eq!(
        store.claim_import_job("late", 999, 2_000).await.unwrap(),
        None
    );
    let taken = store.claim_import_job("late", 1_001, 2_000).await.unwrap();
    assert_eq!(taken.map(|j| j.status), Some(ImportJobStatus::Pending));
    // Only the holder may move the job on.
    let running = with_status(&created, ImportJobStatus::InProgress);
    assert!(
        !store
            .update_import_job(&running, ImportJobStatus::Pending, "someone-else")
            .await
            .unwrap()
    );
    assert!(
        store
            .update_import_job(&running, ImportJobStatus::Pending, "late")
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_import_job(P, "import-a")
            .await
            .unwrap()
            .unwrap()
            .status,
        ImportJobStatus::InProgress
    );
}

pub async fn import_batches_commit_users_with_progress_or_nothing(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-taken", "taken").await;
    let mut running = with_status(&job(P, "import-a", T0.millis()), ImportJobStatus::Pending);
    store.insert_import_job(&running).await.unwrap();
    store.claim_import_job("me", 10, 1_000).await.unwrap();
    running.status = ImportJobStatus::InProgress;
    store
        .update_import_job(&running, ImportJobStatus::Pending, "me")
        .await
        .unwrap();
    let batch = |subs: &[(&str, &str)]| {
        subs.iter()
            .map(|(sub, name)| insert(&user(P, sub, name), &[], &[("username", name)]))
            .collect::<Vec<_>>()
    };
    running.imported = 2;
    running.next_line = 2;
    assert!(
        store
            .commit_import_batch(
                &running,
                "me",
                2_000,
                &batch(&[("s1", "ann"), ("s2", "bob")])
            )
            .await
            .unwrap()
    );
    // A colliding user fails the whole batch: neither user nor progress is written.
    let mut next = running.clone();
    next.imported = 4;
    next.next_line = 4;
    assert_eq!(
        store
            .commit_import_batch(
                &next,
                "me",
                2_000,
                &batch(&[("s3", "cid"), ("s4", "taken")])
            )
            .await,
        Err(StoreError::Conflict(Conflict::Username))
    );
    assert_eq!(store.get_user_by_sub(P, "s3").await.unwrap(), None);
    assert_eq!(
        store
            .get_import_job(P, "import-a")
            .await
            .unwrap()
            .unwrap()
            .next_line,
        2
    );
    // Another holder, or a job that is no longer InProgress, commits nothing.
    assert!(
        !store
            .commit_import_batch(&next, "intruder", 2_000, &batch(&[("s3", "cid")]))
            .await
            .unwrap()
    );
    let stopping = with_status(&running, ImportJobStatus::Stopping);
    store
        .update_import_job(&stopping, ImportJobStatus::InProgress, "")
        .await
        .unwrap();
    assert!(
        !store
            .commit_import_batch(&next, "me", 2_000, &batch(&[("s3", "cid")]))
            .await
            .unwrap()
    );
    assert_eq!(store.get_user_by_sub(P, "s3").await.unwrap(), None);
    assert_eq!(store.count_users(P).await.unwrap(), 3);
    let stored = store.get_import_job(P, "import-a").await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.imported),
        (ImportJobStatus::Stopping, 2)
    );
}

pub async fn all_sessions_list_in_jti_order(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    add_user(&store, P, "sub-a", "alice").await;
    add_user(&store, OTHER, "sub-b", "bob").await;
    for (pool_id, sub, jti) in [
        (P, "sub-a", "j3"),
        (OTHER, "sub-b", "j1"),
        (P, "sub-a", "j2"),
    ] {
        store
            .insert_session(&session(pool_id, sub, jti, jti.as_bytes()))
            .await
            .unwrap();
    }
    store.revoke_session("j2", T0).await.unwrap();
    let first = store.list_all_sessions(None, 2).await.unwrap();
    let jtis: Vec<_> = first.iter().map(|s| s.origin_jti.as_str()).collect();
    assert_eq!(jtis, ["j1", "j2"]);
    assert_eq!(first[1].revoked, Some(T0));
    let rest = store.list_all_sessions(Some("j2"), 2).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].origin_jti, "j3");
}

pub async fn monthly_usage_counts_distinct_users_and_messages(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    // Thirty concurrent records of two users count two.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let sub = if i % 2 == 0 { "sub-a" } else { "sub-b" };
            store.record_active_user(P, "2026-11", sub).await.unwrap();
            store.record_message(P, "2026-11", "EMAIL").await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    store
        .record_active_user(P, "2026-12", "sub-a")
        .await
        .unwrap();
    store.record_message(OTHER, "2026-11", "SMS").await.unwrap();
    let all = store.usage(None, None).await.unwrap();
    let rows: Vec<_> = all
        .iter()
        .map(|u| {
            (
                u.pool_id.as_str(),
                u.month.as_str(),
                u.active_users,
                u.emails,
                u.sms,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (OTHER, "2026-11", 0, 0, 1),
            (P, "2026-11", 2, 30, 0),
            (P, "2026-12", 1, 0, 0),
        ]
    );
    assert_eq!(
        store.usage(Some(P), Some("2026-12")).await.unwrap().len(),
        1
    );
    assert_eq!(store.usage(None, Some("2026-11")).await.unwrap().len(), 2);
    assert_eq!(store.usage(Some(OTHER), None).await.unwrap().len(), 1);
    store.delete_pool(P).await.unwrap();
    assert_eq!(store.usage(Some(P), None).await.unwrap(), []);
}
