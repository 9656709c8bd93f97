#!/usr/bin/env bash
# Builds Steward (release) and starts it on SQLite. Installs what is missing first.
# The database file is steward.db in the current directory unless STEWARD_DATABASE_URL says
# otherwise. On the first start it prints a one-time link to create the first administrator.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/steward-target}"
export PATH="$HOME/.cargo/bin:$root/scripts/bin:$root/end2end/node_modules/.bin:$PATH"
bash "$root/scripts/setup.sh"
(cd "$root" && cargo leptos build --release --split)
# Brotli and gzip copies of the wasm, JS and CSS, sent instead of compressing on every request.
"$CARGO_TARGET_DIR/release/server" precompress --dir "$root/target/site/pkg"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$root/target/site}"
# The server's own key seals the secrets it must read back (a webhook's signing secret). Without
# one configured, keep a random one next to the database, readable only by this user.
if [ -z "${STEWARD_SECRET_KEY:-}" ]; then
  [ -f steward.key ] || (umask 077 && head -c 48 /dev/urandom | base64 > steward.key)
  STEWARD_SECRET_KEY="$(cat steward.key)"
  export STEWARD_SECRET_KEY
fi
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
echo "Open http://$LEPTOS_SITE_ADDR (or STEWARD_PUBLIC_URL) once it says it is running."
exec "$CARGO_TARGET_DIR/release/server" "$@"
