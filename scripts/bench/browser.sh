#!/usr/bin/env bash
# Browser: what the first page downloads from /pkg (the wasm, its JS glue, the CSS) in the
# release build, raw, gzip -9 and brotli -q 11 (Debian's brotli). Target: the first page's wasm
# under 300 KB brotli. Run through `bash scripts/bench.sh browser`; it leaves the release build
# in target/site, as `scripts/run.sh` would.
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v brotli >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq brotli >/dev/null; }
(cd "$root" && PATH="$root/end2end/node_modules/.bin:$PATH" cargo leptos build --release >"$work/build.log" 2>&1) \
  || { tail -30 "$work/build.log" >&2; exit 1; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1000 }'; }
echo "| file | raw | gzip -9 | brotli -q 11 |"
echo "|---|---|---|---|"
for f in "$root"/target/site/pkg/*.wasm "$root"/target/site/pkg/*.js "$root"/target/site/pkg/*.css; do
  printf '| %s | %s | %s | %s |\n' "$(basename "$f")" "$(kb "$(stat -c %s "$f")")" \
    "$(kb "$(gzip -9 -c "$f" | wc -c)")" "$(kb "$(brotli -q 11 -c "$f" | wc -c)")"
done
