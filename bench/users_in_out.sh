#!/usr/bin/env bash
# Issue 16's end-to-end benchmarks, run against a release build of `cognate`:
#   1. a user import job of $USERS users (the CSV sent with `curl --upload-file`, the job
#      driven with the AWS CLI), on SQLite: users/s, the server's peak memory and CPU time;
#   2. `cognate migrate` of those users from SQLite to PostgreSQL: users/s and peak memory.
# Run from the repository root, when the machine is quiet:
#   cargo build --release -p cognate-server --bin cognate
#   USERS=100000 PORT=9601 bench/users_in_out.sh
# It needs curl, python3, the aws CLI and GNU time; PostgreSQL at $TEST_POSTGRES_URL.
set -euo pipefail

USERS=${USERS:-100000}
PORT=${PORT:-9601}
BIN=${BIN:-target/release/cognate}
PG=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:55432/postgres}
AWS=${COGNATE_AWS_CLI:-aws}
work=$(mktemp -d)
url="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1
idp() { $AWS --endpoint-url "$url" --region us-east-1 --output json cognito-idp "$@"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
clock_ticks=$(getconf CLK_TCK)
cpu_secs() { awk -v t="$clock_ticks" '{ printf "%.1f", ($14 + $15) / t }' "/proc/$1/stat"; }

"$BIN" serve --dev --listen "127.0.0.1:$PORT" --public-url "$url" --data-dir "$work/a" \
  --log-format json >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -sf "$url/health" >/dev/null; do sleep 0.2; done

pool=$(idp create-user-pool --pool-name bench --auto-verified-attributes email | field 'd["UserPool"]["Id"]')
idp get-csv-header --user-pool-id "$pool" >"$work/header.json"
python3 - "$work/header.json" "$work/users.csv" "$USERS" <<'PY'
import json, sys
header = json.load(open(sys.argv[1]))["CSVHeader"]
users = int(sys.argv[3])
with open(sys.argv[2], "w") as out:
    out.write(",".join(header) + "\n")
    for i in range(users):
        row = {"cognito:username": f"user{i:07}", "email": f"user{i:07}@example.com",
               "email_verified": "true", "cognito:mfa_enabled": "false",
               "given_name": "Bench", "family_name": f"User {i}"}
        out.write(",".join(row.get(c, "") for c in header) + "\n")
PY
echo "CSV: $USERS users, $(stat -c %s "$work/users.csv") bytes"

job=$(idp create-user-import-job --user-pool-id "$pool" --job-name bench \
  --cloud-watch-logs-role-arn arn:aws:iam::123456789012:role/CognitoImport)
job_id=$(echo "$job" | field 'd["UserImportJob"]["JobId"]')
upload=$(echo "$job" | field 'd["UserImportJob"]["PreSignedUrl"]')
cpu0=$(cpu_secs $pid)
start=$(date +%s.%N)
curl -sf --upload-file "$work/users.csv" "$upload"
uploaded=$(date +%s.%N)
idp start-user-import-job --user-pool-id "$pool" --job-id "$job_id" >/dev/null
while :; do
  status=$(idp describe-user-import-job --user-pool-id "$pool" --job-id "$job_id" | field 'd["UserImportJob"]["Status"]')
  [ "$status" = Succeeded ] && break
  [ "$status" = Failed ] && { echo "the job failed"; exit 1; }
  sleep 0.5
done
done_at=$(date +%s.%N)
cpu1=$(cpu_secs $pid)
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
python3 - "$start" "$uploaded" "$done_at" "$USERS" "$cpu0" "$cpu1" "$hwm" <<'PY'
import sys
start, uploaded, done, users, cpu0, cpu1, hwm = map(float, sys.argv[1:])
print(f"import: upload {uploaded - start:.1f} s, job {done - uploaded:.1f} s, "
      f"{users / (done - start):.0f} users/s end to end, server CPU {cpu1 - cpu0:.1f} s, "
      f"server peak RSS {hwm / 1024:.0f} MiB")
PY
kill $pid; wait $pid 2>/dev/null || true

schema="bench_users_$$"
psql "$PG" -qc "CREATE SCHEMA $schema" >/dev/null
target="$PG?options=-c%20search_path%3D$schema"
/usr/bin/time -v "$BIN" migrate --from "sqlite://$work/a/cognate.db" --to "$target" \
  --data-dir "$work/a" 2>"$work/migrate.txt" || { cat "$work/migrate.txt"; exit 1; }
python3 - "$work/migrate.txt" "$USERS" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
users = int(sys.argv[2])
wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
h, m, s = wall.groups()
secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
print(f"migrate SQLite -> PostgreSQL: {users} users in {secs:.1f} s ({users / secs:.0f} users/s), "
      f"CPU {cpu:.1f} s, peak RSS {rss / 1024:.0f} MiB")
for line in text.splitlines():
    if (line.startswith("migrated") and "records in" in line) or line.startswith("  user"):
        print("  " + line.strip())
PY
PGOPTIONS="-c client_min_messages=warning" psql "$PG" -qc "DROP SCHEMA $schema CASCADE" >/dev/null
