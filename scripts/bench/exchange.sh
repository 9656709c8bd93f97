#!/usr/bin/env bash
# Keyless exchanges per second (RFC 8693, ES256, the issuer's keys cached) with Steward on one
# core (`taskset -c 0`): the criterion benchmark `server/benches/exchange.rs`, one exchange at a
# time and 16 at a time, on SQLite, or on PostgreSQL when STEWARD_DATABASE_URL names a server (a fresh database
# beside it). Exchanges at the same moment share one durable write transaction. Target: at
# least 2,000 a second.
# Run through `bash scripts/bench.sh exchange`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/steward-target}"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$root"
# Built first on every core, then run on the first core only (the process, and so also the
# threads SQLite's connections run on): Steward on one core, as the target says.
cargo bench -q -p server --bench exchange --no-run 2>/dev/null
out="$(taskset -c 0 cargo bench -q -p server --bench exchange 2>/dev/null)"
echo "| exchanges | time per exchange | exchanges per second |"
echo "|---|---|---|"
# Criterion prints the name, then `time: [low estimate high]` with a unit after each figure.
echo "$out" | awk '
  /^exchanging/ { name = $0; sub(/ +time:.*/, "", name) }
  /time:/ {
    for (i = 1; i <= NF; i++) if ($i ~ /^\[/) { v = $(i + 2); u = $(i + 3); break }
    scale["ns"] = 1e-9; scale["µs"] = 1e-6; scale["us"] = 1e-6; scale["ms"] = 1e-3; scale["s"] = 1
    if (name == "") name = prev
    printf "| %s | %s %s | %d |\n", name, v, u, 1 / (v * scale[u])
    name = ""
  }
  { prev = $0 }'
