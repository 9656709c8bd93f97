#!/usr/bin/env bash
# A write-heavy mix: 90% `GET /auth/verify` with one token, 10% changes that can alter what
# credentials mean (tokens created and revoked, custom roles granted to and revoked from the
# token's own account, which changes its organization's access version), at CONNECTIONS (64)
# connections on a seeded database (10,000 accounts, 40,000 tokens). Compared in one run with
# `GET /healthz` (the ceiling) and `/auth/verify` alone. Every answer must be 2xx.
# Target: verification in the mix at least 0.6x the ceiling.
# Run through `bash scripts/bench.sh mix`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
connections="${CONNECTIONS:-64}"
roles=100
build_release
fresh_database mix
seed_database 10000 40000
port="$(free_port)"
start_server "$db" "$port"
base="http://127.0.0.1:$port"
for r in $(seq 0 $((roles - 1))); do
  curl -sf "$base/api/v1/roles/create" -H "Authorization: Bearer $writer" -H 'content-type: application/json' \
    -d "{\"name\": \"mix-role-$r\", \"permissions\": [\"tokens:introspect\"]}" >/dev/null
done

cat >"$work/mix.lua" <<LUA
dofile("$work/report.lua")
local n = 0
local created, bindings = {}, {}
local verify = { ["Authorization"] = "Bearer $reader" }
local write = { ["Authorization"] = "Bearer $writer", ["Content-Type"] = "application/json" }
request = function()
  n = n + 1
  if n % 10 ~= 0 then return wrk.format("GET", "/auth/verify", verify, nil) end
  local change = (n / 10) % 4
  if change == 0 then
    return wrk.format("POST", "/api/v1/tokens/create", write, string.format(
      '{"service_account_id": "$busy", "name": "mix-%d", "scopes": ["read"], "expires_in_days": 1}', n))
  elseif change == 1 and #created > 0 then
    return wrk.format("POST", "/api/v1/tokens/revoke", write, string.format('{"id": "%s"}', table.remove(created, 1)))
  elseif change == 2 then
    return wrk.format("POST", "/api/v1/bindings/grant", write, string.format(
      '{"subject": {"type": "service_account", "id": "$busy"}, "role": "mix-role-%d"}', math.floor(n / 40) % $roles))
  elseif change == 3 and #bindings > 0 then
    return wrk.format("POST", "/api/v1/bindings/revoke", write, string.format('{"id": "%s"}', table.remove(bindings, 1)))
  end
  return wrk.format("GET", "/auth/verify", verify, nil)
end
response = function(status, headers, body)
  local token = body:match('"id":"(tok_[^"]+)"')
  if token then created[#created + 1] = token end
  local binding = body:match('"binding":{"id":"(bnd_[^"]+)"')
  if binding then bindings[#bindings + 1] = binding end
end
LUA

row() { # name, "rps p50 p95 p99 non2xx errors", share of verification
  read -r rps p50 _ p99 bad errors <<<"$2"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$connections" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$bad"
  [ "$bad" = 0 ] && [ "$errors" = 0 ] || { echo "$1: $bad non-2xx answers, $errors socket errors" >&2; exit 1; }
}
ceiling="$(METHOD=GET measure "$connections" "$base/healthz" "" "")"
alone="$(METHOD=GET measure "$connections" "$base/auth/verify" "$reader" "")"
mixed="$(measure "$connections" "$base/auth/verify" "" "" "$work/mix.lua")"
echo "| request | connections | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
row "GET /healthz (ceiling)" "$ceiling"
row "GET /auth/verify alone" "$alone"
row "the mix: 90% /auth/verify, 10% token and binding changes" "$mixed"
echo
awk -v c="$(cut -d' ' -f1 <<<"$ceiling")" -v a="$(cut -d' ' -f1 <<<"$alone")" -v m="$(cut -d' ' -f1 <<<"$mixed")" 'BEGIN {
  printf "Verification in the mix: %.0f requests/s, %.2fx the ceiling (target 0.6x); alone %.2fx.\n", 0.9 * m, 0.9 * m / c, a / c }'
