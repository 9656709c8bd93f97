#!/usr/bin/env bash
# Revocation across replicas: two release servers (server/examples/verify_server.rs, the second
# joining the first's database) on one PostgreSQL; wrk keeps replica B busy (64 connections,
# /auth/verify with the benchmark token) while server/examples/revocation_probe.rs revokes
# ROUNDS tokens through replica A and times how long B takes to refuse each, terminating every
# listening connection from PostgreSQL's side halfway. Prints a Markdown table.
# Run through `STEWARD_DATABASE_URL=postgres://… bash scripts/bench.sh revocation` (PostgreSQL
# only: on SQLite there is one server process).
set -euo pipefail
source "$(dirname "$0")/common.sh"
[[ "${STEWARD_DATABASE_URL:-}" == postgres* ]] || { echo "revocation needs STEWARD_DATABASE_URL=postgres://…" >&2; exit 2; }
rounds="${ROUNDS:-200}"
(cd "$root" && cargo build --release -q -p server --example verify_server --example revocation_probe)
fresh_database revocation
STEWARD_DATABASE_URL="$db" RUST_LOG=warn taskset -c 0 \
  "$CARGO_TARGET_DIR/release/examples/verify_server" >"$work/a.out" 2>"$work/a.err" &
pids+=($!)
for _ in $(seq 1 300); do grep -q '^READY' "$work/a.out" && break; sleep 0.2; done
read -r _ port_a token _ _ < <(grep '^READY' "$work/a.out")
STEWARD_BENCH_JOIN=1 STEWARD_DATABASE_URL="$db" RUST_LOG=warn taskset -c 0 \
  "$CARGO_TARGET_DIR/release/examples/verify_server" >"$work/b.out" 2>"$work/b.err" &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^READY' "$work/b.out" && break; sleep 0.2; done
read -r _ port_b < <(grep '^READY' "$work/b.out")

cat >"$work/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BEARER")
LUA
# Load on B for longer than the probe can take; stopped when it is done.
BEARER="$token" taskset -c 1 wrk -t1 -c64 -d600s -s "$work/get.lua" "http://127.0.0.1:$port_b/auth/verify" \
  >"$work/wrk.out" 2>&1 &
wrk_pid=$!
pids+=($wrk_pid)
sleep 2
A_URL="http://127.0.0.1:$port_a" B_URL="http://127.0.0.1:$port_b" STEWARD_DATABASE_URL="$db" ROUNDS="$rounds" \
  taskset -c 1 "$CARGO_TARGET_DIR/release/examples/revocation_probe" >"$work/probe.out" 2>"$work/probe.err" \
  || { cat "$work/probe.err" >&2; exit 1; }
kill -INT "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" 2>/dev/null || true
value() { awk -v k="$1" '$1 == k {print $2}' "$work/probe.out"; }
echo "| revocations | B under load | revoke sent → B refuses: p50 / p99 / max | A answered → B refuses: p50 / p99 | one question to B: p50 | questions after A answered: p50 / max | stale answers | listeners terminated |"
echo "|---|---|---|---|---|---|---|---|"
printf '| %s | wrk, 64 connections, %s req/s | %s / %s / %s ms | %s / %s ms | %s ms | %s / %s | %s | halfway |\n' \
  "$(value rounds)" "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")" \
  "$(value p50)" "$(value p99)" "$(value max)" "$(value ack_p50)" "$(value ack_p99)" \
  "$(value question_p50)" "$(value tries_p50)" "$(value tries_max)" "$(value stale)"
