#!/usr/bin/env bash
# Memory with a large database and many tokens in use: `server seed` fills a fresh database with
# TOKENS (1,000,000) tokens over ACCOUNTS (10,000) accounts; IN_USE (100,000) more are created
# through the API, their secrets kept for the run; then wrk presents each of them in turn to
# `GET /auth/verify` (16 connections, long enough for each to be presented, every one looked up
# and kept by the credential cache, which holds the most recent 30,000 by default and
# CACHE_ENTRIES when set), and once more to `auth/whoami` (whose cached answer is kept too).
# Reports the server's resident size (VmRSS) after the seed, after the creations, after each
# pass, and its peak (VmHWM), and the bytes each cache entry adds.
# Target: RSS under 300 MB.
# Run through `bash scripts/bench.sh memory`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
accounts="${ACCOUNTS:-10000}"
tokens="${TOKENS:-1000000}"
in_use="${IN_USE:-100000}"
# The cache's size: the server's default unless CACHE_ENTRIES is set.
entries="${CACHE_ENTRIES:-30000}"
build_release
fresh_database memory
seed_started=$(date +%s)
seed_database "$accounts" "$tokens"
seed_seconds=$(( $(date +%s) - seed_started ))
port="$(free_port)"
[ -n "${CACHE_ENTRIES:-}" ] && export STEWARD_CREDENTIAL_CACHE_ENTRIES="$CACHE_ENTRIES"
start_server "$db" "$port"
server_pid="${pids[-1]}"
base="http://127.0.0.1:$port"
kib() { awk -v f="$1" '$1 == f":" {print $2}' "/proc/$server_pid/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# The tokens in use: created through the API, each answer's secret written down, until IN_USE.
sql "SELECT id FROM service_accounts ORDER BY name LIMIT 1000" >"$work/accounts"
cat >"$work/create.lua" <<LUA
dofile("$work/report.lua")
local accounts = {}
for id in io.lines("$work/accounts") do accounts[#accounts + 1] = id end
local n, kept = 0, 0
local out = io.open("$work/secrets", "w")
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"service_account_id": "%s", "name": "in-use-%d", "scopes": ["read"], "expires_in_days": 30}',
    accounts[n % #accounts + 1], n))
end
response = function(status, headers, body)
  local secret = body:match('"secret":"(stw_[^"]+)"')
  if secret and kept < $in_use then
    out:write(secret, "\n")
    out:flush()
    kept = kept + 1
  end
end
LUA
after_seed=$(kib VmRSS)
# wrk has no request count: it runs until enough secrets are written down, then is stopped.
touch "$work/secrets"
BEARER="$writer" taskset -c 1 wrk -t1 -c16 -d3600s -s "$work/create.lua" "$base/api/v1/tokens/create" >/dev/null &
creator=$!
while [ "$(wc -l <"$work/secrets")" -lt "$in_use" ]; do sleep 1; done
kill "$creator"; wait "$creator" 2>/dev/null || true
created=$(wc -l <"$work/secrets")
[ "$created" = "$in_use" ] || { echo "created $created of $in_use tokens" >&2; exit 1; }
after_create=$(kib VmRSS)

# Each secret in turn, over and over; any refusal fails the run.
cat >"$work/present.lua" <<LUA
local secrets = {}
for s in io.lines("$work/secrets") do secrets[#secrets + 1] = s end
local n = 0
wrk.method = os.getenv("METHOD")
wrk.body = os.getenv("BODY")
request = function()
  n = n + 1
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. secrets[n % #secrets + 1],
    ["Content-Type"] = "application/json" }, nil)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %d %d\n", summary.requests / (summary.duration / 1e6),
    summary.errors.status, latency:percentile(99)))
end
LUA
# Long enough for every token to be presented at least once at 2,000 requests a second.
present_seconds=$(( in_use / 2000 + duration ))
present() { # method, url, body
  METHOD="$1" BODY="$3" taskset -c 1 wrk -t1 -c16 -d"${present_seconds}s" -s "$work/present.lua" "$2" \
    | awk '/^RESULT/ {print $2, $3, $4}'
}
read -r verify_rps verify_bad verify_p99 <<<"$(present GET "$base/auth/verify" "")"
[ $(( verify_rps * present_seconds )) -ge "$in_use" ] || echo "Only about $(( verify_rps * present_seconds )) of the $in_use tokens were presented." >&2
after_verify=$(kib VmRSS)
read -r whoami_rps whoami_bad whoami_p99 <<<"$(present POST "$base/api/v1/auth/whoami" "{}")"
after_whoami=$(kib VmRSS)
peak=$(kib VmHWM)

kept=$(( in_use < entries ? in_use : entries ))
per_entry() { awk -v a="$1" -v b="$2" -v n="$kept" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }'; }
echo "| moment | RSS |"
echo "|---|---|"
echo "| after the seed ($tokens tokens, $accounts accounts, ${seed_seconds} s to seed) | $(mib "$after_seed") |"
echo "| after creating $in_use tokens through the API | $(mib "$after_create") |"
echo "| after /auth/verify with each of them ($verify_rps requests/s, p99 $(ms "$verify_p99")) | $(mib "$after_verify") |"
echo "| after auth/whoami with each of them ($whoami_rps requests/s, p99 $(ms "$whoami_p99")) | $(mib "$after_whoami") |"
echo "| peak (VmHWM) | $(mib "$peak") |"
echo
echo "Bytes per cache entry ($kept kept): $(per_entry "$after_create" "$after_verify") after /auth/verify, $(per_entry "$after_create" "$after_whoami") with whoami's answer kept too."
[ "$verify_bad" = 0 ] && [ "$whoami_bad" = 0 ] || { echo "refused requests: $verify_bad, $whoami_bad" >&2; exit 1; }
awk -v p="$peak" 'BEGIN { exit !(p < 300 * 1024) }' || echo "Target missed: peak $(mib "$peak") is over 300 MB."
