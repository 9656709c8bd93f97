#!/usr/bin/env bash
# Token verification under load: the release server from `server/examples/verify_server.rs`
# (an organization with 1,000 custom roles, 500 groups, 200 workspaces; a service account
# reached through 20 of the groups) measured with wrk on loopback, against GET /healthz as the
# ceiling for a request that does no work. The server runs on the first core and wrk on the
# second, so they do not fight over one; each figure is the median of ROUNDS runs. Prints two
# Markdown tables: requests/s, p50 and p99 per request, and the ratios the targets name.
# Run through `bash scripts/bench.sh verification` (ROUNDS, DURATION, CONNECTIONS to change it;
# STEWARD_CREDENTIAL_CACHE=off to measure without the credential cache).
set -euo pipefail
source "$(dirname "$0")/common.sh"
rounds="${ROUNDS:-3}"
connections="${CONNECTIONS:-1 16 64}"
(cd "$root" && cargo build --release -q -p server --example verify_server)
fresh_database verification
STEWARD_DATABASE_URL="$db" RUST_LOG=warn taskset -c 0 \
  "$CARGO_TARGET_DIR/release/examples/verify_server" >"$work/server.out" 2>"$work/server.err" &
pids+=($!)
for _ in $(seq 1 300); do grep -q '^READY' "$work/server.out" && break; sleep 0.2; done
read -r _ port token gateway guarded < <(grep '^READY' "$work/server.out")
base="http://127.0.0.1:$port"

bearer_scripts

# One wrk run pinned to the second core (the server has the first): "requests/s p50 p99".
measure_verification() { # connections, url, script, bearer, body
  local out
  out="$(BEARER="$4" BODY="${5:-"{}"}" taskset -c 1 wrk -t1 -c"$1" -d"${duration}s" --latency -s "$3" "$2")"
  if echo "$out" | grep -q "Non-2xx"; then echo "error: $2 answered non-2xx" >&2; echo "$out" >&2; exit 1; fi
  echo "$out" | awk '/Requests\/sec/ {r=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2} END {print r, p50, p99}'
}

# The requests, by key: name, url, script, bearer, body.
keys="healthz whoami verify verify_perm verify_guarded introspect"
declare -A name url script bearer body
name[healthz]="GET /healthz (ceiling)"; url[healthz]="$base/healthz"; script[healthz]=get.lua; bearer[healthz]="$token"
name[whoami]="POST auth/whoami"; url[whoami]="$base/api/v1/auth/whoami"; script[whoami]=post.lua; bearer[whoami]="$token"
name[verify]="GET /auth/verify"; url[verify]="$base/auth/verify"; script[verify]=get.lua; bearer[verify]="$token"
name[verify_perm]="GET /auth/verify?permission&workspace"; url[verify_perm]="$base/auth/verify?permission=app0:run&workspace=ws-0"; script[verify_perm]=get.lua; bearer[verify_perm]="$token"
name[verify_guarded]="GET /auth/verify, 100 networks and a rate limit"; url[verify_guarded]="$base/auth/verify"; script[verify_guarded]=get.lua; bearer[verify_guarded]="$guarded"
name[introspect]="POST tokens/introspect"; url[introspect]="$base/api/v1/tokens/introspect"; script[introspect]=post.lua; bearer[introspect]="$gateway"; body[introspect]="{\"token\": \"$token\"}"

# The rounds go through every request in turn (so a drift in the machine's speed touches all
# alike); each request's row is its run with the median throughput.
median() { sort -n -k1 "$1" | sed -n "$(( (rounds + 1) / 2 ))p"; }
ratio() { # name, numerator key, denominator key, connections
  awk -v a="$(median "$work/$2-$4" | cut -d' ' -f1)" -v b="$(median "$work/$3-$4" | cut -d' ' -f1)" \
    -v n="$1" -v c="$4" 'BEGIN { printf "| %s | %s | %.0f%% |\n", n, c, 100 * a / b }'
}

for c in $connections; do
  for _ in $(seq 1 "$rounds"); do
    for k in $keys; do
      measure_verification "$c" "${url[$k]}" "$work/${script[$k]}" "${bearer[$k]}" "${body[$k]:-}" >>"$work/$k-$c"
    done
  done
done

echo "| request | connections | requests/s | p50 | p99 |"
echo "|---|---|---|---|---|"
for c in $connections; do
  for k in $keys; do
    read -r rps p50 p99 < <(median "$work/$k-$c")
    printf '| %s | %s | %s | %s | %s |\n' "${name[$k]}" "$c" "$rps" "$p50" "$p99"
  done
done
echo
echo "| ratio | connections | value |"
echo "|---|---|---|"
for c in $connections; do
  ratio "verify / whoami (target ≥ 75%)" verify whoami "$c"
  ratio "introspect / whoami (target ≥ 75%)" introspect whoami "$c"
  ratio "verify with permission and workspace / verify (target ≥ 90%)" verify_perm verify "$c"
  ratio "verify with guards / verify (target ≥ 90%)" verify_guarded verify "$c"
  ratio "verify / healthz (target ≥ 80%)" verify healthz "$c"
  ratio "whoami / healthz (target ≥ 80%)" whoami healthz "$c"
  ratio "introspect / healthz (target ≥ 80%)" introspect healthz "$c"
done
