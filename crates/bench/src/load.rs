//! Closed-loop (peak) and paced (fixed rate) load with latency percentiles and the server's
//! CPU time per operation.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::server::ServerProcess;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub concurrency: usize,
    pub seconds: u64,
}

#[derive(Debug, Clone)]
pub struct Stats {
    pub errors: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub server_cpu_ms_per_op: f64,
}

impl Stats {
    pub fn row(&self, name: &str) -> String {
        format!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.3} | {} |",
            self.per_second, self.p50_ms, self.p99_ms, self.server_cpu_ms_per_op, self.errors
        )
    }
}

pub const HEADER: &str = "| operation | per second | p50 ms | p99 ms | server CPU ms/op | errors |\n|---|---|---|---|---|---|";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Runs `op(worker, iteration)` from `concurrency` workers for `seconds`; with `rate`, the
/// workers together aim at that many operations per second (open loop, no catching up).
pub async fn run<F, Fut>(
    settings: Settings,
    server: &ServerProcess,
    rate: Option<f64>,
    op: F,
) -> Stats
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let op = Arc::new(op);
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(settings.seconds);
    let cpu_before = server.cpu_seconds();
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..settings.concurrency {
        let (op, errors) = (op.clone(), errors.clone());
        let interval = rate.map(|r| Duration::from_secs_f64(settings.concurrency as f64 / r));
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut ticker = interval.map(|i| {
                // Each worker starts at its own phase of the interval, so the paced load
                // arrives spread out rather than as a burst from every worker at once (which
                // measured the burst's queue, not the server's latency at that rate).
                let phase = i.mul_f64(worker as f64 / settings.concurrency as f64);
                let mut t = tokio::time::interval_at(tokio::time::Instant::now() + phase, i);
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                t
            });
            let mut iteration = 0u64;
            while Instant::now() < deadline {
                if let Some(t) = ticker.as_mut() {
                    t.tick().await;
                }
                let begun = Instant::now();
                if let Err(e) = op(worker, iteration).await {
                    if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                        eprintln!("error: {e}");
                    }
                } else {
                    latencies.push(begun.elapsed().as_secs_f64() * 1000.0);
                }
                iteration += 1;
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu_before;
    latencies.sort_by(f64::total_cmp);
    let ops = latencies.len();
    Stats {
        errors: errors.load(Ordering::Relaxed),
        per_second: ops as f64 / elapsed,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
        server_cpu_ms_per_op: if ops > 0 {
            cpu * 1000.0 / ops as f64
        } else {
            f64::NAN
        },
    }
}
