#!/usr/bin/env bash
# Sign-in: what one argon2id sign-in costs (wrk, one connection, correct password), and what a
# flood of bad sign-ins does to everyone else: token verification (`auth/whoami`, 16
# connections) measured alone and again while 16 more connections send sign-ins for unknown
# people, each from a different forwarded address (the per-address limit never applies, so
# every one would need a hash). Target: verification keeps 80% of its throughput, and the
# server's memory stays bounded (its peak resident size is reported).
# Run through `bash scripts/bench.sh sign-in`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_release
fresh_database sign_in
seed_database 100 400
port="$(free_port)"
SIGN_IN_LIMIT=10000 STEWARD_TRUSTED_PROXIES=127.0.0.1 start_server "$db" "$port"
server_pid="${pids[-1]}"
base="http://127.0.0.1:$port"

cat >"$work/sign-in.lua" <<LUA
dofile("$work/report.lua")
wrk.headers["Origin"] = "$base"
wrk.body = '{"email": "bench@example.test", "password": "$seed_password"}'
LUA
cat >"$work/flood.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = "$base"
local n = 0
request = function()
  n = n + 1
  local ip = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = ip, ["Content-Type"] = "application/json", ["Origin"] = "$base" },
    string.format('{"email": "nobody-%d@example.test", "password": "wrong password %d"}', n, n))
end
done = function(summary, latency, requests)
  io.write(string.format("FLOOD %d %d\n", summary.requests, summary.errors.status))
end
LUA
rss() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }

read -r signin_rps signin_p50 _ signin_p99 bad _ < <(measure 1 "$base/api/v1/auth/login" "" "" "$work/sign-in.lua")
[ "$bad" = 0 ] || { echo "error: sign-in answered $bad non-2xx" >&2; exit 1; }
read -r alone_rps alone_p50 _ alone_p99 _ _ < <(measure 16 "$base/api/v1/auth/whoami" "$reader" "{}")
rss_before=$(rss)
# The flood starts first and outlasts the measurement; memory is sampled while it runs.
taskset -c 1 wrk -t1 -c16 -d"$((duration + 4))s" -s "$work/flood.lua" "$base/api/v1/auth/login" >"$work/flood.out" &
flood=$!
sleep 1
peak=$rss_before
( for _ in $(seq 1 $((duration * 5))); do rss; sleep 0.2; done ) >"$work/rss" &
read -r flood_rps flood_p50 _ flood_p99 bad _ < <(measure 16 "$base/api/v1/auth/whoami" "$reader" "{}")
wait "$flood"
peak=$(sort -n "$work/rss" | tail -1)
read -r _ flood_requests flood_refused < <(grep '^FLOOD' "$work/flood.out")
sleep 2
rss_after=$(rss)

echo "| measurement | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
echo "| POST auth/login, correct password, 1 connection | $signin_rps | $(ms "$signin_p50") | $(ms "$signin_p99") |"
echo "| POST auth/whoami, 16 connections, alone | $alone_rps | $(ms "$alone_p50") | $(ms "$alone_p99") |"
echo "| POST auth/whoami, 16 connections, during the flood | $flood_rps | $(ms "$flood_p50") | $(ms "$flood_p99") |"
echo
ratio=$(awk -v a="$flood_rps" -v b="$alone_rps" 'BEGIN { printf "%.0f", 100 * a / b }')
echo "Verification during the flood: $ratio% of its throughput alone (target ≥ 80%)."
echo "The flood sent $flood_requests sign-ins; $flood_refused were answered non-2xx (busy 503 or 401)."
echo "Server resident memory: $((rss_before / 1024)) MiB before, $((peak / 1024)) MiB at the peak, $((rss_after / 1024)) MiB after."
[ "$ratio" -ge 80 ]
