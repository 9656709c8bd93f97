#!/usr/bin/env bash
# Keyless exchanges per second (RFC 8693, ES256, the issuer's keys cached) on one core: the
# criterion benchmark `server/benches/exchange.rs`, on SQLite, its time per exchange turned
# into a rate. Target: at least 2,000 a second.
# Run through `bash scripts/bench.sh exchange`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/steward-target}"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$root"
out="$(cargo bench -q -p server --bench exchange 2>/dev/null)"
echo "$out" | grep -A1 "exchanging an identity token" >&2 || true
# Criterion prints `time: [low estimate high]` with a unit after each figure.
echo "$out" | awk '
  /time:/ {
    for (i = 1; i <= NF; i++) if ($i ~ /^\[/) { v = substr($i, 2); u = $(i + 1); v2 = $(i + 2); u2 = $(i + 3); break }
    scale["ns"] = 1e-9; scale["µs"] = 1e-6; scale["us"] = 1e-6; scale["ms"] = 1e-3; scale["s"] = 1
    secs = v2 * scale[u2]
    printf "| measure | value |\n|---|---|\n| time per exchange (estimate) | %s %s |\n| exchanges per second, one core | %d |\n| target | 2000 |\n", v2, u2, 1 / secs
    exit
  }'
