#!/usr/bin/env bash
# Issue 13's federation benchmark: federated sign-ins per second through the hosted flow, the
# upstream OIDC provider a second cognate on this machine, with both servers' CPU per sign-in
# (from /proc/<pid>/stat) and p50/p99, for new browsers (the upstream's password form) and
# returning ones (the upstream's SSO session).
# Run from the repository root, when the machine is quiet:
#   bench/federated_sign_in.sh                      # downstream on SQLite
#   DATABASE=$TEST_POSTGRES_URL bench/federated_sign_in.sh
set -euo pipefail

CONCURRENCY=${CONCURRENCY:-16}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
DATABASE=${DATABASE:-sqlite}

cargo build --release --locked -p cognate-server --bin cognate -p cognate-bench --bin cognate-bench
echo "machine: $(nproc) cores, load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
target/release/cognate-bench --server target/release/cognate --database "$DATABASE" \
  --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN" federated-sign-in
echo "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
