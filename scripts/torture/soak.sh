#!/usr/bin/env bash
# Soak: SOAK_SECONDS (default 600) of mixed load from 8 wrk connections, 90% token
# verification (`auth/whoami`) and 10% mutations (half token creations, half revocations of
# tokens the run created). The server's resident memory is sampled every 10 seconds and must
# stay flat (the last sample within 10% of the one a minute in); no answer may be other than
# 200; and the database must hold every creation and revocation the server acknowledged.
# Run through `bash scripts/torture.sh soak` (STEWARD_DATABASE_URL for PostgreSQL).
set -euo pipefail
source "$(dirname "$0")/../bench/common.sh"
source "$(dirname "$0")/writers.sh"
seconds="${SOAK_SECONDS:-600}"
build_release
fresh_database soak
seed_database 20 60
account="$(sql "SELECT id FROM service_accounts ORDER BY name LIMIT 1")"
port="$(free_port)"
start_server "$db" "$port"
server="${pids[-1]}"
base="http://127.0.0.1:$port"

cat >"$work/soak.lua" <<LUA
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  created, revoked, failed, n, queue = 0, 0, 0, 0, {}
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $writer"
function request()
  n = n + 1
  if n % 20 == 0 then
    return wrk.format(nil, "/api/v1/tokens/create", nil,
      string.format('{"service_account_id": "$account", "name": "soak-%d-%d", "scopes": ["read"]}', id, n))
  elseif n % 20 == 10 and #queue > 0 then
    return wrk.format(nil, "/api/v1/tokens/revoke", nil, string.format('{"id": "%s"}', table.remove(queue, 1)))
  end
  return wrk.format(nil, "/api/v1/auth/whoami", nil, "{}")
end
function response(status, headers, body)
  if status ~= 200 then failed = failed + 1; return end
  local id = body:match('"token":{"id":"(tok_[^"]+)"')
  if id and body:find('"secret"') then created = created + 1; table.insert(queue, id)
  elseif body == "{}" then revoked = revoked + 1 end
end
function done(summary, latency, requests)
  local c, r, f = 0, 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); r = r + t:get("revoked"); f = f + t:get("failed") end
  io.write(string.format("SOAK %d %d %d %d %d %d\n", summary.requests, c, r, f,
    latency:percentile(50), latency:percentile(99)))
end
LUA

taskset -c 1 wrk -t2 -c8 -d"${seconds}s" -s "$work/soak.lua" "$base" >"$work/soak.out" &
load=$!
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
: >"$work/rss"
while kill -0 "$load" 2>/dev/null; do rss >>"$work/rss"; sleep 10; done
read -r _ requests created revoked failed p50 p99 < <(grep '^SOAK' "$work/soak.out")
sleep 2
in_db_created=$(sql "SELECT COUNT(*) FROM tokens WHERE name LIKE 'soak-%'")
in_db_revoked=$(sql "SELECT COUNT(*) FROM tokens WHERE name LIKE 'soak-%' AND revoked_at IS NOT NULL")
samples=$(wc -l <"$work/rss")
first=$(sed -n "$(( samples < 7 ? 1 : 7 ))p" "$work/rss"); last=$(tail -1 "$work/rss"); peak=$(sort -n "$work/rss" | tail -1)

failed_checks=0
echo "$seconds s of mixed load: $requests requests (p50 $(ms "$p50"), p99 $(ms "$p99")), $failed not 200"
echo "acknowledged $created creations and $revoked revocations; the database has $in_db_created and $in_db_revoked"
echo "server memory: $((first / 1024)) MiB a minute in, $((peak / 1024)) MiB at the peak, $((last / 1024)) MiB at the end (samples every 10 s: $(awk '{printf "%d ", $1/1024}' "$work/rss"))"
[ "$failed" = 0 ] || { echo "FAIL: answers other than 200"; failed_checks=1; }
# Requests still in flight when wrk stopped may have been done without their answer being read.
[ "$in_db_created" -ge "$created" ] && [ "$in_db_created" -le $((created + 8)) ] || { echo "FAIL: creations"; failed_checks=1; }
[ "$in_db_revoked" -ge "$revoked" ] && [ "$in_db_revoked" -le $((revoked + 8)) ] || { echo "FAIL: revocations"; failed_checks=1; }
[ "$last" -le $((first * 11 / 10)) ] || { echo "FAIL: memory grew more than 10%"; failed_checks=1; }
[ "$failed_checks" = 0 ] && echo "PASS" || echo "FAIL"
exit "$failed_checks"
