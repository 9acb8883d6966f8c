//! How `cognate export`, `import` and `migrate` show progress: a bar (users) with a running
//! count of the other records on a terminal, a plain line every few seconds otherwise (logs,
//! CI), and a summary at the end either way. Everything goes to standard error, so an
//! export to standard output stays clean.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cognate_domain::transfer::{Counts, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the plain output prints a line.
const LINE_EVERY: Duration = Duration::from_secs(5);

pub struct CliProgress {
    verb: &'static str,
    bar: Option<ProgressBar>,
    state: Mutex<State>,
    started: Instant,
}

struct State {
    counts: BTreeMap<&'static str, u64>,
    last_line: Instant,
}

impl CliProgress {
    /// `verb` says what is done to the records ("exported", "imported", "migrated").
    pub fn new(verb: &'static str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} users {bar:30} {pos}/{len} ({per_sec}, eta {eta}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        CliProgress {
            verb,
            bar,
            state: Mutex::new(State {
                counts: BTreeMap::new(),
                last_line: Instant::now(),
            }),
            started: Instant::now(),
        }
    }

    /// Ends the bar and prints what was done.
    pub fn summary(&self, counts: &Counts) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let users = counts.written.get("user").copied().unwrap_or_default()
            + counts.present.get("user").copied().unwrap_or_default();
        eprintln!(
            "{} {} records in {elapsed:.1} s ({:.0} users/s)",
            self.verb,
            counts.total(),
            users as f64 / elapsed.max(0.001)
        );
        let kinds: std::collections::BTreeSet<&&str> =
            counts.written.keys().chain(counts.present.keys()).collect();
        for kind in kinds {
            let written = counts.written.get(*kind).copied().unwrap_or_default();
            match counts.present.get(*kind).copied().unwrap_or_default() {
                0 => eprintln!("  {kind:<17} {written:>9}"),
                present => eprintln!("  {kind:<17} {written:>9}  ({present} already there)"),
            }
        }
        if counts.sessions_dropped > 0 {
            eprintln!(
                "  {} sessions left out: refresh tokens are keyed hashes and cannot move to another key; their users sign in again",
                counts.sessions_dropped
            );
        }
    }

    fn describe(counts: &BTreeMap<&'static str, u64>) -> String {
        counts
            .iter()
            .filter(|(kind, _)| **kind != "user")
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Progress for CliProgress {
    fn expect_users(&self, users: u64) {
        match &self.bar {
            Some(bar) => bar.set_length(users),
            None => eprintln!("{} users to move", users),
        }
    }

    fn done(&self, kind: &'static str) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        *state.counts.entry(kind).or_default() += 1;
        match &self.bar {
            Some(bar) => {
                if kind == "user" {
                    bar.inc(1);
                } else {
                    bar.set_message(Self::describe(&state.counts));
                }
            }
            None if state.last_line.elapsed() >= LINE_EVERY => {
                state.last_line = Instant::now();
                let users = state.counts.get("user").copied().unwrap_or_default();
                eprintln!(
                    "{} {users} users; {} ({:.0} s)",
                    self.verb,
                    Self::describe(&state.counts),
                    self.started.elapsed().as_secs_f64()
                );
            }
            None => {}
        }
    }
}
