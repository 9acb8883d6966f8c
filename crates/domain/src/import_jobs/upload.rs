//! Taking a CSV file at a job's PreSignedUrl: the body arrives in pieces, is cut at line
//! boundaries into chunks of about [`CHUNK_BYTES`] and stored as it comes, so a 100 MB file
//! never sits in memory whole. The job records the file only once the last chunk is
//! stored, so a broken upload leaves the job without a file (and a new PUT starts over).

use super::csv::{MAX_FILE_BYTES, MAX_LINE_CHARS, MAX_USERS};
use super::{ImportChunk, ImportFile, ImportJob, ImportJobs};
use crate::enums::ImportJobStatus;
use crate::error::{Error, Result};

/// Stored chunks hold whole lines and are about this big.
const CHUNK_BYTES: usize = 1024 * 1024;

/// An upload in progress; see the module docs.
pub struct Upload<'a> {
    jobs: &'a ImportJobs,
    job: ImportJob,
    pending: Vec<u8>,
    header: Option<String>,
    chunk_starts: Vec<u64>,
    /// Data lines stored so far.
    lines: u64,
    bytes: u64,
}

impl ImportJobs {
    /// Starts taking a file for the job the token names (a PreSignedUrl's last segment).
    /// Errors: NotAuthorized for a token that is not genuine or has expired,
    /// PreconditionNotMet for a job that no longer takes a file.
    pub async fn begin_upload(&self, token: &str) -> Result<Upload<'_>> {
        let job = self.job_for_upload(token).await?;
        self.store
            .delete_import_chunks(&job.pool_id, &job.job_id)
            .await
            .map_err(Error::from)?;
        Ok(Upload {
            jobs: self,
            job,
            pending: Vec::new(),
            header: None,
            chunk_starts: Vec::new(),
            lines: 0,
            bytes: 0,
        })
    }
}

impl Upload<'_> {
    /// Takes the next piece of the body.
    pub async fn push(&mut self, bytes: &[u8]) -> Result<()> {
        self.bytes += bytes.len() as u64;
        if self.bytes > MAX_FILE_BYTES {
            return Err(Error::invalid_parameter(format!(
                "The CSV file is larger than {MAX_FILE_BYTES} bytes."
            )));
        }
        self.pending.extend_from_slice(bytes);
        if self.header.is_none()
            && let Some(end) = self.pending.iter().position(|b| *b == b'\n')
        {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.header = Some(text(&line)?.trim_end().to_owned());
        }
        if self.header.is_some() && self.pending.len() >= CHUNK_BYTES {
            // Store everything up to the last complete line.
            if let Some(end) = self.pending.iter().rposition(|b| *b == b'\n') {
                let data: Vec<u8> = self.pending.drain(..=end).collect();
                self.store_chunk(data).await?;
            }
        }
        if self.pending.len() > MAX_LINE_CHARS * 4 + CHUNK_BYTES {
            return Err(Error::invalid_parameter(format!(
                "A line of the CSV file is longer than {MAX_LINE_CHARS} characters."
            )));
        }
        Ok(())
    }

    /// Stores the rest and records the file with the job.
    pub async fn finish(mut self) -> Result<()> {
        let rest = std::mem::take(&mut self.pending);
        if self.header.is_none() {
            let header = text(&rest)?.trim_end().to_owned();
            if header.is_empty() {
                return Err(Error::invalid_parameter("The CSV file is empty."));
            }
            self.header = Some(header);
        } else if !rest.is_empty() {
            self.store_chunk(rest).await?;
        }
        let mut job = self.job.clone();
        job.file = Some(ImportFile {
            header: self.header.take().unwrap_or_default(),
            chunk_starts: std::mem::take(&mut self.chunk_starts),
            lines: self.lines,
            bytes: self.bytes,
            uploaded: self.jobs.now(),
        });
        if !self
            .jobs
            .store
            .update_import_job(&job, ImportJobStatus::Created, "")
            .await
            .map_err(Error::from)?
        {
            return Err(super::precondition(format!(
                "The import job {} changed while its file was uploaded.",
                job.job_id
            )));
        }
        tracing::info!(pool_id = %job.pool_id, job_id = %job.job_id, lines = self.lines, bytes = self.bytes, "user import file uploaded");
        Ok(())
    }

    async fn store_chunk(&mut self, data: Vec<u8>) -> Result<()> {
        // Blank lines are no users; they are dropped here so the worker never sees them.
        let kept: Vec<&str> = text(&data)?
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        let mut count = 0u64;
        for line in &kept {
            if line.chars().count() > MAX_LINE_CHARS {
                return Err(Error::invalid_parameter(format!(
                    "Line {} of the CSV file is longer than {MAX_LINE_CHARS} characters.",
                    self.lines + count + 2
                )));
            }
            count += 1;
        }
        if self.lines + count > MAX_USERS {
            return Err(Error::invalid_parameter(format!(
                "The CSV file has more than {MAX_USERS} users."
            )));
        }
        if kept.is_empty() {
            return Ok(());
        }
        let data = kept.join("\n").into_bytes();
        let chunk = ImportChunk {
            seq: u32::try_from(self.chunk_starts.len())
                .map_err(|_| Error::internal("too many chunks"))?,
            first_line: self.lines,
            data,
        };
        self.jobs
            .store
            .put_import_chunk(&self.job.pool_id, &self.job.job_id, &chunk)
            .await
            .map_err(Error::from)?;
        self.chunk_starts.push(self.lines);
        self.lines += count;
        Ok(())
    }
}

fn text(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes)
        .map_err(|_| Error::invalid_parameter("The CSV file is not UTF-8 text."))
}
