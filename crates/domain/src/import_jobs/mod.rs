//! User import jobs (CreateUserImportJob, DescribeUserImportJob, ListUserImportJobs,
//! StartUserImportJob, StopUserImportJob): users from a CSV file, created in the
//! background.
//!
//! # How a job runs
//! CreateUserImportJob answers a `PreSignedUrl` that Cognate serves itself: a sealed,
//! expiring token naming the pool and job, so it is unguessable and good for that job only.
//! The CSV `PUT` to it is cut at line boundaries into chunks of about a mebibyte and kept in
//! the store ([`upload`]), so memory stays bounded and any node can read the file.
//!
//! StartUserImportJob makes the job `Pending`. Every node runs a worker ([`ImportJobs::work`])
//! that claims runnable jobs through the store with a lease; a node that dies stops renewing
//! its lease and another node takes the job over where it stood. The worker turns rows into
//! users ([`csv`]) and commits each batch of users in one transaction with the job's
//! progress and counts, and only while it still holds the lease and the job is
//! `InProgress`. So a crash or a restart repeats no row and loses none, and
//! StopUserImportJob (which makes the job `Stopping`) leaves no half-made user: the next
//! commit is refused and the job ends `Stopped`.
//!
//! # Decisions where Cognito is silent
//! Starting a job without a file, or in any status but `Created`, answers
//! PreconditionNotMetException. A file whose header does not fit the pool, or a pool without
//! auto-verified attributes, fails the job with the reason as its CompletionMessage. A row
//! that cannot be imported is counted as failed; a row whose username or alias another user
//! holds is counted as skipped; either is explained (with its line number) in the server's
//! log and in the first row explanations kept with the job, and the first one is quoted in
//! the CompletionMessage. A `Created` job that was not started within 24 hours is `Expired`.

pub mod csv;
mod upload;

use std::sync::Arc;

use async_trait::async_trait;
use cognate_crypto::legacy_hash::HashAlgorithm;
use serde::{Deserialize, Serialize};

use crate::enums::ImportJobStatus;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::{Page, UserPool};
use crate::ports::{Conflict, StoreError, StoreResult, UserWrite};
use crate::time::Timestamp;
use crate::user::user_keys;
use crate::{Domain, b64};

pub use upload::Upload;

use self::csv::{Header, Row, RowContext};

/// A user import job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportJob {
    pub pool_id: String,
    pub job_id: String,
    pub name: String,
    pub cloud_watch_logs_role_arn: String,
    /// The algorithm of the `cognito:password_hash` column, if the job carries hashes.
    pub password_hashing_algorithm: Option<String>,
    pub status: ImportJobStatus,
    pub created: Timestamp,
    pub started: Option<Timestamp>,
    pub completed: Option<Timestamp>,
    pub imported: u64,
    pub skipped: u64,
    pub failed: u64,
    pub completion_message: Option<String>,
    /// The uploaded file, once a PUT finished.
    pub file: Option<ImportFile>,
    /// How many data lines are done (imported, skipped or failed).
    pub next_line: u64,
    /// The first rows that were not imported, and why.
    #[serde(default)]
    pub row_errors: Vec<RowError>,
}

/// An uploaded CSV: its header and where its chunks start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportFile {
    pub header: String,
    /// The data line each chunk starts with (chunk `i` is the `i`th entry).
    pub chunk_starts: Vec<u64>,
    /// Data lines (users) in the file.
    pub lines: u64,
    pub bytes: u64,
    pub uploaded: Timestamp,
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub skipped: bool,
    pub reason: String,
}

/// A piece of an uploaded file: whole data lines, starting with data line `first_line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportChunk {
    pub seq: u32,
    pub first_line: u64,
    pub data: Vec<u8>,
}

/// Persistence of import jobs and their files. Jobs go with their pool.
#[async_trait]
pub trait ImportJobStore: Send + Sync {
    /// `Conflict::Exists` when the pool has a job with this id.
    async fn insert_import_job(&self, job: &ImportJob) -> StoreResult<()>;
    async fn get_import_job(&self, pool_id: &str, job_id: &str) -> StoreResult<Option<ImportJob>>;
    /// The pool's jobs ordered by job id, after `after`.
    async fn list_import_jobs(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ImportJob>>;
    async fn count_import_jobs(&self, pool_id: &str) -> StoreResult<u64>;
    /// Replaces the job's record (and status) if its status is still `expected` and, when
    /// `owner` is not empty, `owner` holds its lease; false otherwise.
    async fn update_import_job(
        &self,
        job: &ImportJob,
        expected: ImportJobStatus,
        owner: &str,
    ) -> StoreResult<bool>;
    /// Changes only the job's status, if it is still `from`: StopUserImportJob, which must
    /// not overwrite the counts a worker is committing meanwhile.
    async fn set_import_job_status(
        &self,
        pool_id: &str,
        job_id: &str,
        from: ImportJobStatus,
        to: ImportJobStatus,
    ) -> StoreResult<bool>;
    /// Deletes every chunk of the job's file.
    async fn delete_import_chunks(&self, pool_id: &str, job_id: &str) -> StoreResult<()>;
    async fn put_import_chunk(
        &self,
        pool_id: &str,
        job_id: &str,
        chunk: &ImportChunk,
    ) -> StoreResult<()>;
    async fn get_import_chunk(
        &self,
        pool_id: &str,
        job_id: &str,
        seq: u32,
    ) -> StoreResult<Option<ImportChunk>>;
    /// Leases one job that is `Pending`, `InProgress` or `Stopping` and whose lease (if any)
    /// ended before `now_ms` to `owner` until `lease_until_ms`; of concurrent claimers on
    /// any node, one wins.
    async fn claim_import_job(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> StoreResult<Option<ImportJob>>;
    /// In one transaction: writes `users` (as `Store::save_users` does) and replaces the
    /// job's record, extending `owner`'s lease to `lease_until_ms`, only if `owner` still
    /// holds the lease and the job is `InProgress`. False (and nothing written) otherwise;
    /// a user conflict is an error and writes nothing either.
    async fn commit_import_batch(
        &self,
        job: &ImportJob,
        owner: &str,
        lease_until_ms: i64,
        users: &[UserWrite],
    ) -> StoreResult<bool>;
}

/// How long a worker's claim on a job lasts without a commit; after that another node may
/// take the job over.
const LEASE_MS: i64 = 30_000;
/// Rows per transaction.
const BATCH_ROWS: usize = 500;
/// A `Created` job not started within this long is `Expired`.
const EXPIRY_MS: i64 = 24 * 3600 * 1000;
/// How long a PreSignedUrl stays good (each DescribeUserImportJob mints a fresh one).
const UPLOAD_URL_SECS: i64 = 3600;
/// Cognito's limit of import jobs per pool.
const MAX_JOBS: u64 = 1000;
/// Row explanations kept with the job.
const KEPT_ROW_ERRORS: usize = 100;

/// What CreateUserImportJob carries.
#[derive(Debug, Clone, Default)]
pub struct NewImportJob {
    pub name: String,
    pub cloud_watch_logs_role_arn: String,
    pub password_hashing_algorithm: Option<String>,
}

/// A job as the API shows it: the record plus a fresh upload URL.
#[derive(Debug, Clone)]
pub struct JobView {
    pub job: ImportJob,
    pub pre_signed_url: String,
}

/// The import-job service: the API operations, the upload, and the background worker.
pub struct ImportJobs {
    domain: Arc<Domain>,
    store: Arc<dyn ImportJobStore>,
    /// Names this node's leases.
    owner: String,
}

impl ImportJobs {
    pub fn new(domain: Arc<Domain>) -> Self {
        let store: Arc<dyn ImportJobStore> = domain.store.clone();
        let owner = format!("node-{}", crate::ids::new_uuid(domain.random()));
        ImportJobs {
            domain,
            store,
            owner,
        }
    }

    fn now(&self) -> Timestamp {
        self.domain.now()
    }

    /// CreateUserImportJob.
    pub async fn create(&self, pool_id: &str, input: NewImportJob) -> Result<JobView> {
        let pool = self.domain.user_pool(pool_id).await?;
        if let Some(name) = &input.password_hashing_algorithm
            && HashAlgorithm::parse(name).is_none()
        {
            return Err(Error::invalid_parameter(format!(
                "Unsupported PasswordHashingAlgorithm {name}."
            )));
        }
        if self
            .store
            .count_import_jobs(&pool.id)
            .await
            .map_err(Error::from)?
            >= MAX_JOBS
        {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!("The user pool {pool_id} has reached its limit of {MAX_JOBS} import jobs."),
            ));
        }
        let job = ImportJob {
            pool_id: pool.id.clone(),
            job_id: format!("import-{}", self.random_id()),
            name: input.name,
            cloud_watch_logs_role_arn: input.cloud_watch_logs_role_arn,
            password_hashing_algorithm: input.password_hashing_algorithm,
            status: ImportJobStatus::Created,
            created: self.now(),
            started: None,
            completed: None,
            imported: 0,
            skipped: 0,
            failed: 0,
            completion_message: None,
            file: None,
            next_line: 0,
            row_errors: Vec::new(),
        };
        self.store
            .insert_import_job(&job)
            .await
            .map_err(Error::from)?;
        self.view(job)
    }

    /// DescribeUserImportJob.
    pub async fn describe(&self, pool_id: &str, job_id: &str) -> Result<JobView> {
        let job = self.existing(pool_id, job_id).await?;
        self.view(job)
    }

    /// ListUserImportJobs.
    pub async fn list(
        &self,
        pool_id: &str,
        limit: u32,
        next: Option<&str>,
    ) -> Result<Page<JobView>> {
        let pool = self.domain.user_pool(pool_id).await?;
        let scope = format!("import-jobs:{}", pool.id);
        let after = next
            .map(|t| self.domain.open_page_token(&scope, t))
            .transpose()?;
        let mut jobs = self
            .store
            .list_import_jobs(&pool.id, after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self
            .domain
            .next_page(&mut jobs, limit, &scope, |j| j.job_id.clone())?;
        let items = jobs
            .into_iter()
            .map(|job| self.view(job))
            .collect::<Result<_>>()?;
        Ok(Page { items, next })
    }

    /// StartUserImportJob: `Created` with a file → `Pending`; a worker takes it from there.
    pub async fn start(&self, pool_id: &str, job_id: &str) -> Result<JobView> {
        let mut job = self.existing(pool_id, job_id).await?;
        if job.status != ImportJobStatus::Created {
            return Err(precondition(format!(
                "The import job {job_id} cannot be started: its status is {}.",
                job.status
            )));
        }
        if job.file.is_none() {
            return Err(precondition(format!(
                "The import job {job_id} cannot be started: no CSV file has been uploaded to its PreSignedUrl."
            )));
        }
        job.status = ImportJobStatus::Pending;
        job.started = Some(self.now());
        if !self
            .store
            .update_import_job(&job, ImportJobStatus::Created, "")
            .await
            .map_err(Error::from)?
        {
            return Err(concurrent());
        }
        self.view(job)
    }

    /// StopUserImportJob: a `Pending` or `InProgress` job → `Stopping`; its worker's next
    /// commit is refused and the job ends `Stopped`.
    pub async fn stop(&self, pool_id: &str, job_id: &str) -> Result<JobView> {
        let mut job = self.existing(pool_id, job_id).await?;
        let from = job.status;
        if !matches!(from, ImportJobStatus::Pending | ImportJobStatus::InProgress) {
            return Err(precondition(format!(
                "The import job {job_id} cannot be stopped: its status is {from}."
            )));
        }
        job.status = ImportJobStatus::Stopping;
        if !self
            .store
            .set_import_job_status(&job.pool_id, &job.job_id, from, ImportJobStatus::Stopping)
            .await
            .map_err(Error::from)?
        {
            // The worker moved it on (Pending → InProgress, or to its end): look again.
            let current = self.existing(pool_id, job_id).await?;
            if current.status == ImportJobStatus::InProgress {
                return Box::pin(self.stop(pool_id, job_id)).await;
            }
            return Err(precondition(format!(
                "The import job {job_id} cannot be stopped: its status is {}.",
                current.status
            )));
        }
        self.view(job)
    }

    async fn existing(&self, pool_id: &str, job_id: &str) -> Result<ImportJob> {
        let pool = self.domain.user_pool(pool_id).await?;
        let job = self
            .store
            .get_import_job(&pool.id, job_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| {
                Error::resource_not_found(format!("Import job {job_id} does not exist."))
            })?;
        Ok(self.expire(job))
    }

    /// A `Created` job past its start window reads as `Expired` (and cannot be started).
    fn expire(&self, mut job: ImportJob) -> ImportJob {
        if job.status == ImportJobStatus::Created
            && self.now().millis() - job.created.millis() > EXPIRY_MS
        {
            job.status = ImportJobStatus::Expired;
        }
        job
    }

    fn view(&self, job: ImportJob) -> Result<JobView> {
        let pre_signed_url = self.upload_url(&job)?;
        Ok(JobView {
            job,
            pre_signed_url,
        })
    }

    fn random_id(&self) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut bytes = [0u8; 12];
        self.domain.random().fill(&mut bytes);
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect()
    }

    /// The PreSignedUrl: `<public url>/_cognate/user-import/<sealed pool, job and expiry>`.
    fn upload_url(&self, job: &ImportJob) -> Result<String> {
        let grant = UploadGrant {
            pool_id: job.pool_id.clone(),
            job_id: job.job_id.clone(),
            expires: self.now().plus_secs(UPLOAD_URL_SECS),
        };
        let plain = serde_json::to_vec(&grant)
            .map_err(|e| Error::internal(format!("cannot encode upload grant: {e}")))?;
        let sealed = self.domain.keys.seal(UPLOAD_PURPOSE, &plain)?;
        Ok(format!(
            "{}/_cognate/user-import/{}",
            self.domain.config.public_url,
            b64::encode_url(&sealed)
        ))
    }

    /// The job an upload token names, if the token is genuine and current.
    async fn job_for_upload(&self, token: &str) -> Result<ImportJob> {
        let invalid = || Error::not_authorized("The upload URL is not valid.");
        let sealed = b64::decode_url(token).ok_or_else(invalid)?;
        let plain = self
            .domain
            .keys
            .open(UPLOAD_PURPOSE, &sealed)
            .map_err(|_| invalid())?;
        let grant: UploadGrant = serde_json::from_slice(&plain).map_err(|_| invalid())?;
        if grant.expires <= self.now() {
            return Err(Error::not_authorized("Request has expired."));
        }
        let job = self
            .store
            .get_import_job(&grant.pool_id, &grant.job_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(invalid)?;
        let job = self.expire(job);
        if job.status != ImportJobStatus::Created {
            return Err(precondition(format!(
                "The import job {} no longer takes a file: its status is {}.",
                job.job_id, job.status
            )));
        }
        Ok(job)
    }

    /// Runs claimed jobs until none is runnable; true when it did any work. Every node calls
    /// this periodically (see `cognate-server`).
    pub async fn work(&self) -> Result<bool> {
        let mut worked = false;
        loop {
            let now = self.now().millis();
            let Some(job) = self
                .store
                .claim_import_job(&self.owner, now, now + LEASE_MS)
                .await
                .map_err(Error::from)?
            else {
                return Ok(worked);
            };
            worked = true;
            let (pool_id, job_id) = (job.pool_id.clone(), job.job_id.clone());
            if let Err(e) = self.run(job).await {
                tracing::warn!(%pool_id, %job_id, error = %e, detail = e.detail().unwrap_or(""), "user import job interrupted");
                return Err(e);
            }
        }
    }

    /// Carries a claimed job as far as this node may: to its end, or until the lease or
    /// the job's status says stop.
    async fn run(&self, mut job: ImportJob) -> Result<()> {
        let mut runner: Option<Runner> = None;
        loop {
            match job.status {
                ImportJobStatus::Pending => {
                    let pool = self.domain.user_pool(&job.pool_id).await;
                    match pool.map(|pool| self.prepare(&pool, &job).map(|r| (pool, r))) {
                        Ok(Ok((pool, header))) => {
                            job.status = ImportJobStatus::InProgress;
                            if !self.update(&job, ImportJobStatus::Pending).await? {
                                return Ok(());
                            }
                            runner = Some(Runner {
                                pool,
                                header,
                                chunk: None,
                            });
                        }
                        Ok(Err(reason))
                        | Err(Error {
                            message: reason, ..
                        }) => {
                            self.finish(
                                &mut job,
                                ImportJobStatus::Pending,
                                ImportJobStatus::Failed,
                                reason,
                            )
                            .await?;
                            return Ok(());
                        }
                    }
                }
                ImportJobStatus::InProgress => {
                    let runner = match &mut runner {
                        Some(runner) => runner,
                        None => {
                            let pool = self.domain.user_pool(&job.pool_id).await?;
                            let header = match self.prepare(&pool, &job) {
                                Ok(header) => header,
                                Err(reason) => {
                                    self.finish(
                                        &mut job,
                                        ImportJobStatus::InProgress,
                                        ImportJobStatus::Failed,
                                        reason,
                                    )
                                    .await?;
                                    return Ok(());
                                }
                            };
                            runner.insert(Runner {
                                pool,
                                header,
                                chunk: None,
                            })
                        }
                    };
                    let lines = job.file.as_ref().map_or(0, |f| f.lines);
                    if job.next_line >= lines {
                        let message = success_message(&job);
                        if !self
                            .finish(
                                &mut job,
                                ImportJobStatus::InProgress,
                                ImportJobStatus::Succeeded,
                                message,
                            )
                            .await?
                        {
                            job = self.reload(&job).await?;
                            continue;
                        }
                        return Ok(());
                    }
                    if !self.batch(&mut job, runner).await? {
                        job = self.reload(&job).await?;
                        if job.status == ImportJobStatus::InProgress {
                            // Still running, so the lease went to another node.
                            return Ok(());
                        }
                    }
                }
                ImportJobStatus::Stopping => {
                    self.finish(
                        &mut job,
                        ImportJobStatus::Stopping,
                        ImportJobStatus::Stopped,
                        "The import job was stopped.".to_owned(),
                    )
                    .await?;
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
    }

    async fn reload(&self, job: &ImportJob) -> Result<ImportJob> {
        self.store
            .get_import_job(&job.pool_id, &job.job_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| Error::internal("import job vanished while running"))
    }

    async fn update(&self, job: &ImportJob, expected: ImportJobStatus) -> Result<bool> {
        self.store
            .update_import_job(job, expected, &self.owner)
            .await
            .map_err(Error::from)
    }

    async fn finish(
        &self,
        job: &mut ImportJob,
        from: ImportJobStatus,
        to: ImportJobStatus,
        message: String,
    ) -> Result<bool> {
        job.status = to;
        job.completed = Some(self.now());
        job.completion_message = Some(truncate(message, 128));
        let done = self.update(job, from).await?;
        if done {
            tracing::info!(pool_id = %job.pool_id, job_id = %job.job_id, status = %to, imported = job.imported, skipped = job.skipped, failed = job.failed, "user import job ended");
        }
        Ok(done)
    }

    /// Checks what must hold before any row is read; the error is the CompletionMessage.
    fn prepare(&self, pool: &UserPool, job: &ImportJob) -> std::result::Result<Header, String> {
        if pool.settings.auto_verified_attributes.is_empty() {
            return Err("The user pool has no auto-verified attributes (email or phone_number), so users cannot be imported.".to_owned());
        }
        let file = job
            .file
            .as_ref()
            .ok_or("No CSV file was uploaded for the import job.")?;
        Header::parse(pool, &file.header, job.hashes())
    }

    /// Imports the next batch of rows. False when the commit was refused (lease or status).
    async fn batch(&self, job: &mut ImportJob, runner: &mut Runner) -> Result<bool> {
        let lines = self.next_lines(job, runner).await?;
        let now = self.now();
        let context = RowContext {
            domain: &self.domain,
            pool: &runner.pool,
            header: &runner.header,
            hashes: job.hashes(),
            now,
        };
        let rows: Vec<(u64, Row)> = lines
            .iter()
            .enumerate()
            .map(|(i, line)| (job.next_line + i as u64, context.row(line)))
            .collect();
        let mut next = job.clone();
        let mut writes = Vec::new();
        for (line, row) in &rows {
            match row {
                Row::User(user) => writes.push(self.write_of(&runner.pool, user)),
                Row::Failed(reason) => next.record_row_error(*line, false, reason),
            }
        }
        next.imported += writes.len() as u64;
        next.next_line += rows.len() as u64;
        match self.commit(&next, &writes).await {
            Ok(committed) => {
                if committed {
                    *job = next;
                }
                Ok(committed)
            }
            // A username or alias is taken (by an existing user or a row of this batch):
            // go row by row, so only the rows that collide are skipped.
            Err(Error {
                kind: ErrorKind::UsernameExists,
                ..
            }) => self.rows_one_by_one(job, runner, rows).await,
            Err(e) => Err(e),
        }
    }

    async fn rows_one_by_one(
        &self,
        job: &mut ImportJob,
        runner: &Runner,
        rows: Vec<(u64, Row)>,
    ) -> Result<bool> {
        for (line, row) in rows {
            let mut next = job.clone();
            next.next_line += 1;
            let write = match &row {
                Row::User(user) => {
                    next.imported += 1;
                    vec![self.write_of(&runner.pool, user)]
                }
                Row::Failed(reason) => {
                    next.record_row_error(line, false, reason);
                    Vec::new()
                }
            };
            let committed = match self.commit(&next, &write).await {
                Ok(committed) => committed,
                Err(Error {
                    kind: ErrorKind::UsernameExists,
                    message,
                    ..
                }) => {
                    let mut skipped = job.clone();
                    skipped.next_line += 1;
                    skipped.record_row_error(line, true, &message);
                    next = skipped;
                    self.commit(&next, &[]).await?
                }
                Err(e) => return Err(e),
            };
            if !committed {
                return Ok(false);
            }
            *job = next;
        }
        Ok(true)
    }

    fn write_of(&self, pool: &UserPool, user: &crate::user::User) -> UserWrite {
        UserWrite {
            keys: user_keys(pool, user),
            user: user.clone(),
            expected_version: None,
        }
    }

    /// Commits users with the job's progress; user conflicts become UsernameExists with
    /// the row's explanation.
    async fn commit(&self, job: &ImportJob, writes: &[UserWrite]) -> Result<bool> {
        let lease_until = self.now().millis() + LEASE_MS;
        match self
            .store
            .commit_import_batch(job, &self.owner, lease_until, writes)
            .await
        {
            Ok(committed) => Ok(committed),
            Err(StoreError::Conflict(Conflict::Username | Conflict::Exists)) => Err(Error::new(
                ErrorKind::UsernameExists,
                "The user already exists in the user pool.",
            )),
            Err(StoreError::Conflict(Conflict::Alias(key))) => {
                let attribute = key.split_once(':').map_or(key.as_str(), |(a, _)| a);
                Err(Error::new(
                    ErrorKind::UsernameExists,
                    format!("An account with the given {attribute} already exists."),
                ))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Up to a batch of the data lines from `job.next_line` on, from the chunk that holds them.
    async fn next_lines(&self, job: &ImportJob, runner: &mut Runner) -> Result<Vec<String>> {
        let file = job
            .file
            .as_ref()
            .ok_or_else(|| Error::internal("running import job has no file"))?;
        let seq = file
            .chunk_starts
            .iter()
            .rposition(|start| *start <= job.next_line)
            .ok_or_else(|| Error::internal("import file has no chunk for the next line"))?;
        let seq = u32::try_from(seq).map_err(|_| Error::internal("too many chunks"))?;
        if runner.chunk.as_ref().is_none_or(|c| c.seq != seq) {
            let chunk = self
                .store
                .get_import_chunk(&job.pool_id, &job.job_id, seq)
                .await
                .map_err(Error::from)?
                .ok_or_else(|| Error::internal("import file chunk is missing"))?;
            let text = String::from_utf8(chunk.data)
                .map_err(|_| Error::internal("import file chunk is not UTF-8"))?;
            runner.chunk = Some(LoadedChunk {
                seq,
                first_line: chunk.first_line,
                lines: text.lines().map(str::to_owned).collect(),
            });
        }
        let chunk = runner
            .chunk
            .as_ref()
            .ok_or_else(|| Error::internal("import chunk not loaded"))?;
        let skip = usize::try_from(job.next_line - chunk.first_line)
            .map_err(|_| Error::internal("line offset"))?;
        Ok(chunk
            .lines
            .iter()
            .skip(skip)
            .take(BATCH_ROWS)
            .cloned()
            .collect())
    }
}

/// What a worker keeps between batches of one job.
struct Runner {
    pool: UserPool,
    header: Header,
    chunk: Option<LoadedChunk>,
}

struct LoadedChunk {
    seq: u32,
    first_line: u64,
    lines: Vec<String>,
}

impl ImportJob {
    fn hashes(&self) -> Option<HashAlgorithm> {
        self.password_hashing_algorithm
            .as_deref()
            .and_then(HashAlgorithm::parse)
    }

    fn record_row_error(&mut self, data_line: u64, skipped: bool, reason: &str) {
        if skipped {
            self.skipped += 1;
        } else {
            self.failed += 1;
        }
        // The header is line 1.
        let line = data_line + 2;
        tracing::info!(pool_id = %self.pool_id, job_id = %self.job_id, line, skipped, reason, "user import row not imported");
        if self.row_errors.len() < KEPT_ROW_ERRORS {
            self.row_errors.push(RowError {
                line,
                skipped,
                reason: reason.to_owned(),
            });
        }
    }
}

fn success_message(job: &ImportJob) -> String {
    match job.row_errors.first() {
        None => "Import Job Completed Successfully.".to_owned(),
        Some(first) => format!(
            "Import Job Completed: {} failed, {} skipped. Line {}: {}",
            job.failed, job.skipped, first.line, first.reason
        ),
    }
}

fn truncate(mut text: String, max_chars: usize) -> String {
    if let Some((at, _)) = text.char_indices().nth(max_chars) {
        text.truncate(at);
    }
    text
}

fn precondition(message: String) -> Error {
    Error::new(ErrorKind::PreconditionNotMet, message)
}

fn concurrent() -> Error {
    Error::new(
        ErrorKind::ConcurrentModification,
        "The import job was modified by another request. Retry the operation.",
    )
}

const UPLOAD_PURPOSE: &[u8] = b"user-import-upload";

/// What a PreSignedUrl grants: one upload to one job until `expires`.
#[derive(Debug, Serialize, Deserialize)]
struct UploadGrant {
    pool_id: String,
    job_id: String,
    expires: Timestamp,
}
