//! User import jobs: Create/Describe/List/Start/StopUserImportJob, handled by the domain's
//! `ImportJobs` service. The CSV itself is taken by [`crate::import_upload`].

use cognate_domain::import_jobs::{JobView, NewImportJob};
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::{enum_out, required, time};
use crate::error::ApiError;

fn job_out(view: JobView) -> UserImportJobType {
    let job = view.job;
    let count = |n: u64| Some(i64::try_from(n).unwrap_or(i64::MAX));
    UserImportJobType {
        job_name: Some(job.name),
        job_id: Some(job.job_id),
        user_pool_id: Some(job.pool_id),
        pre_signed_url: Some(view.pre_signed_url),
        creation_date: time(job.created),
        start_date: job.started.and_then(time),
        completion_date: job.completed.and_then(time),
        status: enum_out(job.status),
        cloud_watch_logs_role_arn: Some(job.cloud_watch_logs_role_arn),
        imported_users: count(job.imported),
        skipped_users: count(job.skipped),
        failed_users: count(job.failed),
        completion_message: job.completion_message,
        password_hashing_algorithm: job.password_hashing_algorithm.and_then(|a| a.parse().ok()),
    }
}

/// CreateUserImportJob.
pub async fn create_user_import_job(
    ctx: Ctx,
    req: CreateUserImportJobRequest,
) -> Result<CreateUserImportJobResponse, ApiError> {
    let input = NewImportJob {
        name: required(req.job_name, "jobName")?,
        cloud_watch_logs_role_arn: required(
            req.cloud_watch_logs_role_arn,
            "cloudWatchLogsRoleArn",
        )?,
        password_hashing_algorithm: req.password_hashing_algorithm.map(|a| a.to_string()),
    };
    let view = ctx
        .import_jobs
        .create(&required(req.user_pool_id, "userPoolId")?, input)
        .await?;
    Ok(CreateUserImportJobResponse {
        user_import_job: Some(job_out(view)),
    })
}

/// DescribeUserImportJob.
pub async fn describe_user_import_job(
    ctx: Ctx,
    req: DescribeUserImportJobRequest,
) -> Result<DescribeUserImportJobResponse, ApiError> {
    let view = ctx
        .import_jobs
        .describe(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.job_id, "jobId")?,
        )
        .await?;
    Ok(DescribeUserImportJobResponse {
        user_import_job: Some(job_out(view)),
    })
}

/// ListUserImportJobs.
pub async fn list_user_import_jobs(
    ctx: Ctx,
    req: ListUserImportJobsRequest,
) -> Result<ListUserImportJobsResponse, ApiError> {
    let limit = u32::try_from(required(req.max_results, "maxResults")?).unwrap_or(1);
    let page = ctx
        .import_jobs
        .list(
            &required(req.user_pool_id, "userPoolId")?,
            limit,
            req.pagination_token.as_deref(),
        )
        .await?;
    Ok(ListUserImportJobsResponse {
        user_import_jobs: Some(page.items.into_iter().map(job_out).collect()),
        pagination_token: page.next,
    })
}

/// StartUserImportJob.
pub async fn start_user_import_job(
    ctx: Ctx,
    req: StartUserImportJobRequest,
) -> Result<StartUserImportJobResponse, ApiError> {
    let view = ctx
        .import_jobs
        .start(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.job_id, "jobId")?,
        )
        .await?;
    Ok(StartUserImportJobResponse {
        user_import_job: Some(job_out(view)),
    })
}

/// StopUserImportJob.
pub async fn stop_user_import_job(
    ctx: Ctx,
    req: StopUserImportJobRequest,
) -> Result<StopUserImportJobResponse, ApiError> {
    let view = ctx
        .import_jobs
        .stop(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.job_id, "jobId")?,
        )
        .await?;
    Ok(StopUserImportJobResponse {
        user_import_job: Some(job_out(view)),
    })
}
