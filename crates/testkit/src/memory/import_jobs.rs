//! User import jobs, their leases and the chunks of their files (`ImportJobStore`).

use async_trait::async_trait;
use cognate_domain::enums::ImportJobStatus;
use cognate_domain::import_jobs::{ImportChunk, ImportJob, ImportJobStore};
use cognate_domain::ports::{Conflict, StoreResult, UserWrite};

use super::state::JobRow;
use super::{MemoryStore, after_bound, conflict, k, take};

/// The statuses a worker may lease a job in.
fn runnable(status: ImportJobStatus) -> bool {
    matches!(
        status,
        ImportJobStatus::Pending | ImportJobStatus::InProgress | ImportJobStatus::Stopping
    )
}

#[async_trait]
impl ImportJobStore for MemoryStore {
    async fn insert_import_job(&self, job: &ImportJob) -> StoreResult<()> {
        self.with(|s| {
            let key = (k(&job.pool_id), k(&job.job_id));
            if s.import_jobs.contains_key(&key) {
                return conflict(Conflict::Exists);
            }
            s.need_pool(&job.pool_id)?;
            let row = JobRow {
                job: job.clone(),
                lease_owner: None,
                lease_until_ms: None,
            };
            s.import_jobs.insert(key, row);
            Ok(())
        })
    }

    async fn get_import_job(&self, pool_id: &str, job_id: &str) -> StoreResult<Option<ImportJob>> {
        self.with(|s| {
            Ok(s.import_jobs
                .get(&(k(pool_id), k(job_id)))
                .map(|row| row.job.clone()))
        })
    }

    async fn list_import_jobs(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ImportJob>> {
        self.with(|s| {
            Ok(s.import_jobs
                .iter()
                .filter(|((p, id), _)| p == pool_id && after_bound(id, after))
                .take(take(limit))
                .map(|(_, row)| row.job.clone())
                .collect())
        })
    }

    async fn count_import_jobs(&self, pool_id: &str) -> StoreResult<u64> {
        self.with(|s| {
            let count = s.import_jobs.keys().filter(|(p, _)| p == pool_id).count();
            Ok(u64::try_from(count).unwrap_or(u64::MAX))
        })
    }

    async fn update_import_job(
        &self,
        job: &ImportJob,
        expected: ImportJobStatus,
        owner: &str,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let Some(row) = s.import_jobs.get_mut(&(k(&job.pool_id), k(&job.job_id))) else {
                return Ok(false);
            };
            let holds = owner.is_empty() || row.lease_owner.as_deref() == Some(owner);
            if row.job.status != expected || !holds {
                return Ok(false);
            }
            row.job = job.clone();
            Ok(true)
        })
    }

    async fn set_import_job_status(
        &self,
        pool_id: &str,
        job_id: &str,
        from: ImportJobStatus,
        to: ImportJobStatus,
    ) -> StoreResult<bool> {
        self.with(|s| match s.import_jobs.get_mut(&(k(pool_id), k(job_id))) {
            Some(row) if row.job.status == from => {
                row.job.status = to;
                Ok(true)
            }
            _ => Ok(false),
        })
    }

    async fn delete_import_chunks(&self, pool_id: &str, job_id: &str) -> StoreResult<()> {
        self.with(|s| {
            s.import_chunks
                .retain(|(p, j, _), _| !(p == pool_id && j == job_id));
            Ok(())
        })
    }

    async fn put_import_chunk(
        &self,
        pool_id: &str,
        job_id: &str,
        chunk: &ImportChunk,
    ) -> StoreResult<()> {
        self.with(|s| {
            if !s.import_jobs.contains_key(&(k(pool_id), k(job_id))) {
                return conflict(Conflict::Missing);
            }
            s.import_chunks
                .insert((k(pool_id), k(job_id), chunk.seq), chunk.clone());
            Ok(())
        })
    }

    async fn get_import_chunk(
        &self,
        pool_id: &str,
        job_id: &str,
        seq: u32,
    ) -> StoreResult<Option<ImportChunk>> {
        self.with(|s| Ok(s.import_chunks.get(&(k(pool_id), k(job_id), seq)).cloned()))
    }

    /// Leases the oldest runnable job whose lease (if any) ended before `now_ms`.
    async fn claim_import_job(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> StoreResult<Option<ImportJob>> {
        self.with(|s| {
            let claimable = s
                .import_jobs
                .values_mut()
                .filter(|row| runnable(row.job.status) && row.lease_until_ms.unwrap_or(0) < now_ms)
                .min_by_key(|row| row.job.created);
            Ok(claimable.map(|row| {
                row.lease_owner = Some(k(owner));
                row.lease_until_ms = Some(lease_until_ms);
                row.job.clone()
            }))
        })
    }

    /// Writes the users and the job's progress together, if `owner` holds the lease of a
    /// job in progress. The status stays the store's (StopUserImportJob may have changed it).
    async fn commit_import_batch(
        &self,
        job: &ImportJob,
        owner: &str,
        lease_until_ms: i64,
        users: &[UserWrite],
    ) -> StoreResult<bool> {
        self.atomically(|s| {
            let key = (k(&job.pool_id), k(&job.job_id));
            let Some(row) = s.import_jobs.get_mut(&key) else {
                return Ok(false);
            };
            if row.lease_owner.as_deref() != Some(owner)
                || row.job.status != ImportJobStatus::InProgress
            {
                return Ok(false);
            }
            row.job = ImportJob {
                status: row.job.status,
                ..job.clone()
            };
            row.lease_until_ms = Some(lease_until_ms);
            s.save_users(users)?;
            Ok(true)
        })
    }
}
