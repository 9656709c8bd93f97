#!/usr/bin/env bash
# The long performance runs. Each part prints Markdown tables for docs/benchmarks.md:
#   bash scripts/bench.sh                     # every part, on SQLite
#   bash scripts/bench.sh reads writes        # some parts
#   STEWARD_DATABASE_URL=postgres://user:pass@host/any bash scripts/bench.sh
# With a PostgreSQL URL each part makes (and afterwards drops) a fresh database of its own on
# that server, so the user needs CREATEDB. Parts: verification (token checks against
# /healthz), reads (lists with 50,000 accounts), writes (token creation and revocation),
# sign-in (argon2 cost, and a flood's effect on verification), browser (the wasm's size),
# revocation (PostgreSQL only: how soon a revocation through one replica reaches a busy other),
# exchange (keyless exchanges per second on one core, SQLite), mix (verification among token and
# binding changes), memory (RSS with 1,000,000 tokens stored and 100,000 in use), compare (two
# builds of the verification server side by side: BEFORE=… AFTER=…, not part of the default run).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
parts=("$@")
if [ ${#parts[@]} -eq 0 ]; then
  parts=(verification reads writes sign-in browser exchange)
  [[ "${STEWARD_DATABASE_URL:-}" == postgres* ]] && parts+=(revocation)
fi
for part in "${parts[@]}"; do
  [ -f "$here/bench/$part.sh" ] || { echo "unknown part '$part' (see scripts/bench/)" >&2; exit 2; }
done
for part in "${parts[@]}"; do
  printf '\n## %s\n\n' "$part"
  bash "$here/bench/$part.sh"
done
