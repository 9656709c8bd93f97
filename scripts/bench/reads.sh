#!/usr/bin/env bash
# Reads at scale: `server seed` fills a fresh database with 50,000 service accounts and
# 200,000 tokens (ACCOUNTS, TOKENS to change it), then wrk asks the release server for the
# list pages people open and for the account that holds 50 tokens, at 1 and 16 connections.
# Prints requests/s, p50, p95 and p99 per request (target: p95 under 10 ms), and the query
# plans of the list's search and "Recently used" page. Run through `bash scripts/bench.sh reads`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
accounts="${ACCOUNTS:-50000}"
tokens="${TOKENS:-200000}"
build_release
fresh_database reads
started=$(date +%s)
seed_database "$accounts" "$tokens"
echo "Seeded $accounts accounts and $tokens tokens in $(( $(date +%s) - started )) s."
port="$(free_port)"
start_server "$db" "$port"
api="http://127.0.0.1:$port/api/v1"

names=("list: first page" "list: search 'deploy-01'" "list: role editor" "list: last page" "list: recently used" "get: account with 50 tokens")
paths=(service-accounts/list service-accounts/list service-accounts/list service-accounts/list service-accounts/list service-accounts/get)
bodies=('{}' '{"query": "deploy-01"}' '{"role": "editor"}' "{\"page\": $(( (accounts + 49) / 50 ))}" '{"sort": "-last_used"}' "{\"id\": \"$busy\"}")

echo
echo "| request | connections | requests/s | p50 | p95 | p99 |"
echo "|---|---|---|---|---|---|"
failed=0
for c in 1 16; do
  for i in "${!names[@]}"; do
    read -r rps p50 p95 p99 bad errors < <(measure "$c" "$api/${paths[$i]}" "$reader" "${bodies[$i]}")
    [ "$bad" = 0 ] && [ "$errors" = 0 ] || { echo "error: ${names[$i]} answered $bad non-2xx, $errors socket errors" >&2; failed=1; }
    printf '| %s | %s | %s | %s | %s | %s |\n' "${names[$i]}" "$c" "$rps" "$(ms "$p50")" "$(ms "$p95")" "$(ms "$p99")"
  done
done

# The plans behind the search, a role's count, "Recently used" and the last page (read from
# the end), in the shape the store writes them (`app/src/store/account_list.rs`).
echo
echo '```'
plans=(
  "SELECT COUNT(*) FROM service_accounts sa WHERE sa.organization_id = '@' AND sa.name LIKE '%deploy-01%' ESCAPE '\\'"
  "SELECT COUNT(*) FROM service_accounts sa WHERE sa.organization_id = '@' AND sa.role = 'editor'"
  "SELECT sa.id FROM service_accounts sa WHERE sa.organization_id = '@' ORDER BY sa.last_used_at DESC NULLS LAST, sa.name ASC LIMIT 50 OFFSET 0"
  "SELECT sa.id FROM service_accounts sa WHERE sa.organization_id = '@' ORDER BY sa.name DESC LIMIT 50 OFFSET 0"
)
if [[ "$db" == postgres* ]]; then
  org="$(psql -qAt "$db" -c "SELECT id FROM organizations")"
  for plan in "${plans[@]}"; do
    echo "${plan//@/…}"
    psql -qAt "$db" -c "EXPLAIN ANALYZE ${plan//@/$org}" | grep -v '^ *Planning\|^ *Execution' | sed 's/^/  /'
  done
else
  file="${db#sqlite://}"
  org="$(sqlite3 "$file" "SELECT id FROM organizations")"
  for plan in "${plans[@]}"; do
    echo "${plan//@/…}"
    sqlite3 "$file" "EXPLAIN QUERY PLAN ${plan//@/$org}" | grep -v '^QUERY PLAN' | sed 's/^/  /'
  done
fi
echo '```'
exit "$failed"
