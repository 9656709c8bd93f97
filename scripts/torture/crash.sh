#!/usr/bin/env bash
# Crash safety: four writers create and revoke tokens through the API while the server is
# killed with SIGKILL at a random moment, ROUNDS times (default 3). After each crash: SQLite's
# `PRAGMA integrity_check` must say ok; the restarted server must accept every token whose
# creation was answered 200 and refuse every token whose revocation was answered 200; and no
# token may exist without its audit record. Run through `bash scripts/torture.sh crash`.
set -euo pipefail
source "$(dirname "$0")/../bench/common.sh"
source "$(dirname "$0")/writers.sh"
rounds="${ROUNDS:-3}"
prepare_database crash
failed=0
for round in $(seq 1 "$rounds"); do
  port="$(free_port)"
  STEWARD_TRUSTED_PROXIES=127.0.0.1 start_server "$db" "$port"
  server="${pids[-1]}"
  base="http://127.0.0.1:$port"
  start_writers "$base"
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.1f", 2 + (r % 30) / 10 }')"
  kill -9 "$server"
  wait "$server" 2>/dev/null || true
  stop_writers
  echo "round $round: killed the server with SIGKILL after $(cat "$work"/statuses-* | grep -c '^200$') acknowledged writes so far"
  if [[ "$db" != postgres* ]]; then
    integrity="$(sql 'PRAGMA integrity_check')"
    echo "  SQLite integrity_check: $integrity"
    [ "$integrity" = ok ] || failed=1
  fi
  port="$(free_port)"
  STEWARD_TRUSTED_PROXIES=127.0.0.1 start_server "$db" "$port"
  out="$(check_acknowledged "http://127.0.0.1:$port")" || failed=1
  echo "  $out"
  out="$(check_complete sql)" || failed=1
  echo "  $out"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done
[ "$failed" = 0 ] && echo "PASS: nothing acknowledged was lost in $rounds crashes" || echo "FAIL"
exit "$failed"
