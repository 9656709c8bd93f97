#!/usr/bin/env bash
# The reliability runs that take minutes, each ending in PASS or FAIL (exit status non-zero on
# any FAIL). docs/reliability.md records what they found.
#   bash scripts/torture.sh                 # every part that this machine can run
#   bash scripts/torture.sh crash           # kill -9 under writes, on SQLite
#   SOAK_SECONDS=600 bash scripts/torture.sh soak   # 10 minutes of mixed load
#   FUZZ_SECONDS=60 bash scripts/torture.sh fuzz    # each cargo-fuzz target (nightly)
#   STEWARD_DATABASE_URL=postgres://user:pass@127.0.0.1/postgres bash scripts/torture.sh crash outage replicas
# With a PostgreSQL URL, `crash` runs on a fresh database there; `outage` and `replicas` (two
# servers on one database, one killed) stop and start the machine's PostgreSQL cluster itself
# (pg_ctlcluster, as root), so run them on a test machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
parts=("$@")
if [ ${#parts[@]} -eq 0 ]; then
  parts=(crash soak fuzz)
  [[ "${STEWARD_DATABASE_URL:-}" == postgres* ]] && parts=(crash outage replicas soak)
fi
for part in "${parts[@]}"; do
  [ -f "$here/torture/$part.sh" ] || { echo "unknown part '$part' (see scripts/torture/)" >&2; exit 2; }
done
failed=0
for part in "${parts[@]}"; do
  printf '\n## %s\n\n' "$part"
  bash "$here/torture/$part.sh" || failed=1
done
exit "$failed"
