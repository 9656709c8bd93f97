#!/usr/bin/env bash
# Browser: what a first visit downloads and how long it takes to become interactive, on the
# release build as `scripts/run.sh` makes it (pages split into lazily loaded wasm chunks,
# precompressed brotli and gzip copies). Headless Chromium (the tests' Playwright) visits the
# sign-in page, the service-account list of an organization with 1,000 accounts, and two pages
# of the rest-of-the-app bundle (Stale credentials, which lists that organization's unused
# accounts and tokens, and Your account, which shows almost nothing), each time with a fresh
# profile (nothing cached), BENCH_ROUNDS times (10). Target: the first page's wasm
# under 300 KB brotli. Run through `bash scripts/bench.sh browser`; it leaves the release build
# in target/site.
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v brotli >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq brotli >/dev/null; }
export PATH="$root/scripts/bin:$root/end2end/node_modules/.bin:$PATH"
(cd "$root" && cargo leptos build --release --split >"$work/build.log" 2>&1) \
  || { tail -30 "$work/build.log" >&2; exit 1; }
"$CARGO_TARGET_DIR/release/server" precompress --dir "$root/target/site/pkg" >"$work/precompress.log"

fresh_database browser
seed_database 1000 3000
port="$(free_port)"
start_server "$db" "$port"
(cd "$root/end2end" && BENCH_BASE_URL="http://127.0.0.1:$port" BENCH_ACCOUNTS=1000 \
  BENCH_PASSWORD="$seed_password" npx playwright test --config bench.config.ts >"$work/visits.log" 2>&1) \
  || { tail -40 "$work/visits.log" >&2; exit 1; }

python3 - "$work/visits.log" "$root/target/site/pkg" <<'PY'
import json, os, statistics, sys
visits = {}
for line in open(sys.argv[1]):
    if "VISIT " in line:
        v = json.loads(line.split("VISIT ", 1)[1])
        visits.setdefault(v["page"], []).append(v)
def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
print("| first visit (no cache) | wasm files | wasm raw | wasm sent (brotli) | interactive: median | p90 | slowest |")
print("|---|---|---|---|---|---|---|")
for page, runs in visits.items():
    files = runs[0]["files"]
    raw = sum(os.path.getsize(os.path.join(sys.argv[2], f["file"])) for f in files)
    sent = sum(f["bytes"] for f in files)
    encodings = {f["encoding"] for f in files}
    times = [r["interactiveMs"] for r in runs]
    print(f"| {page} | {len(files)} | {raw / 1000:.0f} KB | {sent / 1000:.0f} KB ({', '.join(sorted(encodings))}) "
          f"| {statistics.median(times):.0f} ms | {pct(times, 90):.0f} ms | {max(times):.0f} ms |")
print(f"\n{len(next(iter(visits.values())))} visits of each page.")
PY
echo
echo "Every /pkg file, raw and compressed (the copies \`server precompress\` wrote):"
echo
echo "| file | raw | gzip -9 | brotli -q 11 |"
echo "|---|---|---|---|"
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1000 }'; }
for f in "$root"/target/site/pkg/steward.wasm "$root"/target/site/pkg/*.js "$root"/target/site/pkg/*.css; do
  printf '| %s | %s | %s | %s |\n' "$(basename "$f")" "$(kb "$(stat -c %s "$f")")" \
    "$(kb "$(stat -c %s "$f.gz")")" "$(kb "$(stat -c %s "$f.br")")"
done
all_raw=0; all_br=0
for f in "$root"/target/site/pkg/*.wasm; do
  all_raw=$((all_raw + $(stat -c %s "$f"))); all_br=$((all_br + $(stat -c %s "$f.br")))
done
printf '| all %s wasm files | %s | | %s |\n' "$(ls "$root"/target/site/pkg/*.wasm | wc -l)" "$(kb $all_raw)" "$(kb $all_br)"
