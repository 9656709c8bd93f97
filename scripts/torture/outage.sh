#!/usr/bin/env bash
# A PostgreSQL outage under load: four writers create and revoke tokens while the machine's
# PostgreSQL cluster is stopped in `immediate` mode (no clean shutdown, as in a crash) for a few
# seconds and started again. While it is gone the server must answer 503 within a second (never
# 500, never hang); afterwards it must recover by itself, without a restart, and keep every write it
# acknowledged. Needs STEWARD_DATABASE_URL=postgres://… and pg_ctlcluster (root).
# Run through `bash scripts/torture.sh outage`.
set -euo pipefail
source "$(dirname "$0")/../bench/common.sh"
source "$(dirname "$0")/writers.sh"
find_postgres_cluster outage
prepare_database outage
port="$(free_port)"
STEWARD_TRUSTED_PROXIES=127.0.0.1 start_server "$db" "$port"
base="http://127.0.0.1:$port"
probe() { curl -s -m 15 -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $writer" \
  -H 'Content-Type: application/json' "$base/api/v1/service-accounts/list" -d '{}'; }

start_writers "$base"
sleep 2
pg_ctlcluster "$version" "$cluster" stop -m immediate
stopped=$(date +%s)
for _ in 1 2 3; do probe >>"$work/during"; done
pg_ctlcluster "$version" "$cluster" start
until pg_isready -q -h 127.0.0.1; do sleep 0.2; done
restarted=$(date +%s)
recovered=""
for _ in $(seq 1 60); do
  read -r status _ < <(probe)
  [ "$status" = 200 ] && { recovered=$(date +%s); break; }
  sleep 0.5
done
sleep 2
stop_writers

failed=0
echo "PostgreSQL down for $((restarted - stopped)) s; answers to a list request meanwhile (status, seconds):"
sed 's/^/  /' "$work/during"
if grep -qv '^503 ' "$work/during"; then echo "  FAIL: something other than 503 while the database was gone"; failed=1; fi
if awk '$2 >= 1.0 { slow = 1 } END { exit !slow }' "$work/during"; then echo "  FAIL: a 503 took a second or more (it must fail fast)"; failed=1; fi
if [ -n "$recovered" ]; then
  echo "recovered by itself $((recovered - restarted)) s after PostgreSQL was back"
else
  echo "FAIL: not recovered 30 s after PostgreSQL was back"; failed=1
fi
statuses="$(cat "$work"/statuses-* | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
echo "the writers' answers: $statuses(000: no answer, the connection cut)"
if cat "$work"/statuses-* | grep -q '^500$'; then echo "FAIL: a writer got 500"; failed=1; fi
out="$(check_acknowledged "$base")" || failed=1
echo "$out"
out="$(check_complete sql)" || failed=1
echo "$out"
[ "$failed" = 0 ] && echo "PASS: 503 while PostgreSQL was gone, recovered by itself, nothing acknowledged lost" || echo "FAIL"
exit "$failed"
