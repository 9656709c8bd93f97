#!/usr/bin/env bash
# Writes under concurrency: `server seed` fills a fresh database (10,000 accounts and 40,000
# tokens; ACCOUNTS, TOKENS to change it), then 16 wrk connections create tokens across 200 of
# the accounts for twice DURATION seconds, and then revoke them one by one for DURATION.
# Every answer must be 2xx and the server must never log "database is locked"; afterwards the
# database must hold exactly the tokens the run created, all revoked that it revoked.
# Run through `bash scripts/bench.sh writes`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
accounts="${ACCOUNTS:-10000}"
tokens="${TOKENS:-40000}"
clients="${CLIENTS:-16}"
build_release
fresh_database writes
seed_database "$accounts" "$tokens"
port="$(free_port)"
start_server "$db" "$port"
api="http://127.0.0.1:$port/api/v1"

sql "SELECT id FROM service_accounts ORDER BY name LIMIT 200" >"$work/accounts"
cat >"$work/create.lua" <<LUA
dofile("$work/report.lua")
local accounts = {}
for id in io.lines("$work/accounts") do accounts[#accounts + 1] = id end
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"service_account_id": "%s", "name": "load-%d", "scopes": ["read"], "expires_in_days": 30}',
    accounts[n % #accounts + 1], n))
end
LUA
cat >"$work/revoke.lua" <<LUA
dofile("$work/report.lua")
local ids = {}
for id in io.lines("$work/created") do ids[#ids + 1] = id end
local n = 0
request = function()
  n = n + 1
  -- Past the last one: a token that does not exist, which answers 404 and fails the run.
  return wrk.format(nil, nil, nil, string.format('{"id": "%s"}', ids[n] or "tok_none"))
end
LUA

report() { # name, "rps p50 p95 p99 non2xx errors"
  read -r rps p50 p95 p99 bad errors <<<"$2"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$clients" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$bad" "$errors"
  [ "$bad" = 0 ] && [ "$errors" = 0 ]
}
echo "| request | clients | requests/s | p50 | p99 | non-2xx | socket errors |"
echo "|---|---|---|---|---|---|---|"
failed=0
created_run="$(measure "$clients" "$api/tokens/create" "$writer" "" "$work/create.lua" $((duration * 2)))"
report "POST tokens/create" "$created_run" || failed=1
sql "SELECT id FROM tokens WHERE name LIKE 'load-%' ORDER BY created_at" >"$work/created"
revoked_run="$(measure "$clients" "$api/tokens/revoke" "$writer" "" "$work/revoke.lua")"
report "POST tokens/revoke" "$revoked_run" || failed=1

# What the database holds afterwards: every created token once, the revoked ones revoked.
created=$(wc -l <"$work/created")
live=$(sql "SELECT COUNT(*) FROM tokens WHERE name LIKE 'load-%' AND revoked_at IS NULL")
locked=$(grep -ci "database is locked" "$work/server-$port.log" || true)
errors=$(grep -c "ERROR" "$work/server-$port.log" || true)
echo
echo "Created $created tokens; $((created - live)) revoked, $live still live; \"database is locked\" logged $locked times; errors logged $errors times."
[ "$locked" = 0 ] && [ "$errors" = 0 ] || failed=1
exit "$failed"
