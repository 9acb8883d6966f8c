//! The [`ImportJobStore`] family: user import jobs, their uploaded files, the leases that
//! let workers on any node share them, and the batch commit that writes users together
//! with the job's progress.

use cognate_domain::enums::ImportJobStatus;
use cognate_domain::import_jobs::{ImportChunk, ImportJob, ImportJobStore};
use cognate_domain::ports::{StoreError, StoreResult, UserWrite};
use sqlx::{query, query_as};

use super::Paged;
use crate::records::{fail, from_doc, to_doc};

const INSERT_JOB: &str = "INSERT INTO user_import_jobs (pool_id, job_id, created_ms, status, doc) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
const GET_JOB: &str = "SELECT doc, status FROM user_import_jobs WHERE pool_id = $1 AND job_id = $2";
const LIST_JOBS: Paged = Paged {
    first: "SELECT doc, status FROM user_import_jobs WHERE pool_id = $1 ORDER BY job_id LIMIT $2",
    after: "SELECT doc, status FROM user_import_jobs WHERE pool_id = $1 AND job_id > $3 \
     ORDER BY job_id LIMIT $2",
};
const COUNT_JOBS: &str = "SELECT COUNT(*) FROM user_import_jobs WHERE pool_id = $1";
// `$5 = ''` means "whoever holds the lease" (API calls); a worker names itself.
const UPDATE_JOB: &str = "UPDATE user_import_jobs SET status = $3, doc = $4 \
     WHERE pool_id = $1 AND job_id = $2 AND status = $6 AND ($5 = '' OR lease_owner = $5)";
// The subquery picks the oldest runnable job with a lapsed lease; the outer condition is
// checked again on the row itself, so of two nodes racing for one job only one updates it
// (PostgreSQL re-evaluates it after the winner commits; SQLite has one writer).
const CLAIM_JOB: &str = "UPDATE user_import_jobs SET lease_owner = $1, lease_until_ms = $2 \
     WHERE (pool_id, job_id) IN (SELECT pool_id, job_id FROM user_import_jobs \
       WHERE status IN ('Pending', 'InProgress', 'Stopping') AND COALESCE(lease_until_ms, 0) < $3 \
       ORDER BY created_ms LIMIT 1) \
     AND status IN ('Pending', 'InProgress', 'Stopping') AND COALESCE(lease_until_ms, 0) < $3 \
     RETURNING doc, status";
// Taken first in a batch's transaction: on PostgreSQL it also locks the job's row, so a
// StopUserImportJob waits for the batch and then sees it whole.
const ADVANCE_JOB: &str = "UPDATE user_import_jobs SET doc = $3, lease_until_ms = $4 \
     WHERE pool_id = $1 AND job_id = $2 AND lease_owner = $5 AND status = 'InProgress'";
const SET_STATUS: &str = "UPDATE user_import_jobs SET status = $4 \
     WHERE pool_id = $1 AND job_id = $2 AND status = $3";
const DELETE_CHUNKS: &str = "DELETE FROM user_import_chunks WHERE pool_id = $1 AND job_id = $2";
const PUT_CHUNK: &str = "INSERT INTO user_import_chunks (pool_id, job_id, seq, first_line, data) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (pool_id, job_id, seq) DO UPDATE \
     SET first_line = excluded.first_line, data = excluded.data";
const GET_CHUNK: &str = "SELECT first_line, data FROM user_import_chunks \
     WHERE pool_id = $1 AND job_id = $2 AND seq = $3";

/// A job's row: its doc, and the status column that overrides the doc's copy.
type JobRow = (String, String);

fn job_of(row: JobRow) -> StoreResult<ImportJob> {
    let (doc, status) = row;
    let mut job: ImportJob = from_doc("import job", &doc)?;
    job.status = ImportJobStatus::parse(&status)
        .ok_or_else(|| StoreError::Backend(format!("unknown import job status {status:?}")))?;
    Ok(job)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

sql_impl! {
impl ImportJobStore {
    async fn insert_import_job(&self, job: &ImportJob) -> StoreResult<()> {
        let insert = query(INSERT_JOB)
            .bind(job.pool_id.as_str())
            .bind(job.job_id.as_str())
            .bind(job.created.millis())
            .bind(job.status.as_str())
            .bind(to_doc("import job", job)?);
        self.insert_new("insert import job", insert).await
    }

    async fn get_import_job(&self, pool_id: &str, job_id: &str) -> StoreResult<Option<ImportJob>> {
        let row: Option<JobRow> = query_as(GET_JOB)
            .bind(pool_id)
            .bind(job_id)
            .fetch_optional(&self.write)
            .await
            .map_err(fail("get import job"))?;
        row.map(job_of).transpose()
    }

    async fn list_import_jobs(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ImportJob>> {
        let mut list = query_as(LIST_JOBS.sql(after))
            .bind(pool_id)
            .bind(i64::from(limit));
        if let Some(after) = after {
            list = list.bind(after);
        }
        let rows: Vec<JobRow> = list
            .fetch_all(&self.read)
            .await
            .map_err(fail("list import jobs"))?;
        rows.into_iter().map(job_of).collect()
    }

    async fn count_import_jobs(&self, pool_id: &str) -> StoreResult<u64> {
        let (count,): (i64,) = query_as(COUNT_JOBS)
            .bind(pool_id)
            .fetch_one(&self.read)
            .await
            .map_err(fail("count import jobs"))?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn update_import_job(
        &self,
        job: &ImportJob,
        expected: ImportJobStatus,
        owner: &str,
    ) -> StoreResult<bool> {
        self.changed(
            "update import job",
            query(UPDATE_JOB)
                .bind(job.pool_id.as_str())
                .bind(job.job_id.as_str())
                .bind(job.status.as_str())
                .bind(to_doc("import job", job)?)
                .bind(owner)
                .bind(expected.as_str()),
        )
        .await
    }

    async fn set_import_job_status(
        &self,
        pool_id: &str,
        job_id: &str,
        from: ImportJobStatus,
        to: ImportJobStatus,
    ) -> StoreResult<bool> {
        self.changed(
            "set import job status",
            query(SET_STATUS)
                .bind(pool_id)
                .bind(job_id)
                .bind(from.as_str())
                .bind(to.as_str()),
        )
        .await
    }

    async fn delete_import_chunks(&self, pool_id: &str, job_id: &str) -> StoreResult<()> {
        self.changed(
            "delete import chunks",
            query(DELETE_CHUNKS).bind(pool_id).bind(job_id),
        )
        .await?;
        Ok(())
    }

    async fn put_import_chunk(
        &self,
        pool_id: &str,
        job_id: &str,
        chunk: &ImportChunk,
    ) -> StoreResult<()> {
        query(PUT_CHUNK)
            .bind(pool_id)
            .bind(job_id)
            .bind(i64::from(chunk.seq))
            .bind(to_i64(chunk.first_line))
            .bind(chunk.data.as_slice())
            .execute(&self.write)
            .await
            .map_err(fail("put import chunk"))?;
        Ok(())
    }

    async fn get_import_chunk(
        &self,
        pool_id: &str,
        job_id: &str,
        seq: u32,
    ) -> StoreResult<Option<ImportChunk>> {
        let row: Option<(i64, Vec<u8>)> = query_as(GET_CHUNK)
            .bind(pool_id)
            .bind(job_id)
            .bind(i64::from(seq))
            .fetch_optional(&self.read)
            .await
            .map_err(fail("get import chunk"))?;
        Ok(row.map(|(first_line, data)| ImportChunk {
            seq,
            first_line: u64::try_from(first_line).unwrap_or_default(),
            data,
        }))
    }

    async fn claim_import_job(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> StoreResult<Option<ImportJob>> {
        let row: Option<JobRow> = query_as(CLAIM_JOB)
            .bind(owner)
            .bind(lease_until_ms)
            .bind(now_ms)
            .fetch_optional(&self.write)
            .await
            .map_err(fail("claim import job"))?;
        row.map(job_of).transpose()
    }

    async fn commit_import_batch(
        &self,
        job: &ImportJob,
        owner: &str,
        lease_until_ms: i64,
        users: &[UserWrite],
    ) -> StoreResult<bool> {
        // An early return drops `tx`, which rolls everything back.
        let mut tx = self
            .write
            .begin()
            .await
            .map_err(fail("commit import batch"))?;
        let advanced = query(ADVANCE_JOB)
            .bind(job.pool_id.as_str())
            .bind(job.job_id.as_str())
            .bind(to_doc("import job", job)?)
            .bind(lease_until_ms)
            .bind(owner)
            .execute(&mut *tx)
            .await
            .map_err(fail("commit import batch"))?;
        if DB::rows_affected(&advanced) == 0 {
            return Ok(false);
        }
        Self::save_batch(&mut *tx, users).await?;
        tx.commit().await.map_err(fail("commit import batch"))?;
        Ok(true)
    }
}
}
