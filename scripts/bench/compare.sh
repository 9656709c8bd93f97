#!/usr/bin/env bash
# What one change buys, measured in one run: two builds of `server/examples/verify_server.rs`
# (BEFORE and AFTER, paths to the binaries) run at once on the first core, each on a database
# of its own, and wrk on the second core alternates between them round after round, so a drift
# in the machine's speed touches both alike. Each request is reported as its share of the same
# build's `GET /healthz` in the same round; the medians per build come last.
# ROUNDS (5), DURATION (4 s) and CONNECTIONS (16) change the run; STEWARD_CREDENTIAL_CACHE=off
# and STEWARD_DATABASE_URL=postgres://… apply to both builds.
# Making the two binaries (the build at each commit, kept aside):
#   git switch --detach <before>; cargo build --release -p server --example verify_server
#   cp "$CARGO_TARGET_DIR/release/examples/verify_server" /tmp/before   # and so for after
# Run through `BEFORE=/tmp/before AFTER=/tmp/after bash scripts/bench.sh compare`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
: "${BEFORE:?BEFORE: the verify_server binary built before the change}"
: "${AFTER:?AFTER: the verify_server binary built with the change}"
rounds="${ROUNDS:-5}"
connections="${CONNECTIONS:-16}"
duration="${DURATION:-4}"

bearer_scripts

# Starts one build on the first core; sets base[$1], token[$1] and gateway[$1].
declare -A base token gateway
start_build() { # label, binary
  fresh_database "compare_$1"
  STEWARD_DATABASE_URL="$db" RUST_LOG=warn taskset -c 0 "$2" >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
  for _ in $(seq 1 300); do grep -q '^READY' "$work/$1.out" && break; sleep 0.2; done
  grep -q '^READY' "$work/$1.out" || { echo "$1 did not start:" >&2; cat "$work/$1.err" >&2; exit 1; }
  local port tok gw
  read -r _ port tok gw _ < <(grep '^READY' "$work/$1.out")
  base[$1]="http://127.0.0.1:$port"; token[$1]="$tok"; gateway[$1]="$gw"
}
start_build before "$BEFORE"
start_build after "$AFTER"

# Requests per second of one wrk run on the second core; any non-2xx answer stops the script.
rate() { # url, script, bearer, [body]
  local out
  out="$(BEARER="$3" BODY="${4:-"{}"}" taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" -s "$work/$2" "$1")"
  if echo "$out" | grep -q "Non-2xx"; then echo "error: $1 answered non-2xx" >&2; echo "$out" >&2; exit 1; fi
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}
share() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }

echo "| round | build | GET /healthz (requests/s) | POST auth/whoami | GET /auth/verify | POST tokens/introspect |"
echo "|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  for build in before after; do
    b="${base[$build]}"; t="${token[$build]}"
    ceiling="$(rate "$b/healthz" get.lua "$t")"
    whoami="$(share "$(rate "$b/api/v1/auth/whoami" post.lua "$t")" "$ceiling")"
    verify="$(share "$(rate "$b/auth/verify" get.lua "$t")" "$ceiling")"
    introspect="$(share "$(rate "$b/api/v1/tokens/introspect" post.lua "${gateway[$build]}" "{\"token\": \"$t\"}")" "$ceiling")"
    printf '| %s | %s | %.0f | %s%% | %s%% | %s%% |\n' "$round" "$build" "$ceiling" "$whoami" "$verify" "$introspect" \
      | tee -a "$work/rows"
  done
done

# The median share of each request per build, over the rounds.
echo
echo "| build | POST auth/whoami | GET /auth/verify | POST tokens/introspect |"
echo "|---|---|---|---|"
for build in before after; do
  medians=""
  for column in 5 6 7; do
    m="$(awk -F'|' -v b=" $build " -v c="$column" '$3 == b { gsub(/[ %]/, "", $c); print $c }' "$work/rows" \
      | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
    medians="$medians | $m%"
  done
  echo "| $build$medians |"
done
echo
echo "Shares of the same build's GET /healthz in the same round; $connections connections, $rounds rounds of ${duration} s."
