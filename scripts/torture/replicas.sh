#!/usr/bin/env bash
# Two replicas on one PostgreSQL database under load, as a load balancer would run them: four
# writers create and revoke tokens, two through each replica. First the checks every replica
# must pass (a token revoked through one is refused by the other within a second; a session
# started on one works on the other); then replica A is killed with `kill -9` (B must keep
# answering and acknowledging writes) and started again; then PostgreSQL is stopped in
# `immediate` mode (both must answer 503 and recover by themselves). Every acknowledged write is
# then checked through A and again through B. Needs STEWARD_DATABASE_URL=postgres://… and
# pg_ctlcluster (root). Run through `bash scripts/torture.sh replicas`.
set -euo pipefail
source "$(dirname "$0")/../bench/common.sh"
source "$(dirname "$0")/writers.sh"
find_postgres_cluster replicas
prepare_database replicas
# Replicas share the sealing key, as they would in production.
export STEWARD_SECRET_KEY="replicas-torture-shared-key-0123456789abcdef"
port_a="$(free_port)" port_b="$(free_port)"
a="http://127.0.0.1:$port_a" b="http://127.0.0.1:$port_b"
# Behind a load balancer both answer to one public URL (the CSRF guard compares Origin with it).
export STEWARD_PUBLIC_URL="$a"
STEWARD_TRUSTED_PROXIES=127.0.0.1 start_server "$db" "$port_a"
pid_a="${pids[-1]}"
STEWARD_TRUSTED_PROXIES=127.0.0.1 start_server "$db" "$port_b"
failed=0
fail() { echo "  FAIL: $1"; failed=1; }

api() { # base, operation, body, [bearer]: prints the status and the body on one line
  curl -s -m 15 -w ' %{http_code}' -H "Authorization: Bearer ${4:-$writer}" -H 'Content-Type: application/json' \
    "$1/api/v1/$2" -d "$3"
}
status_of() { awk '{print $NF}' <<<"$1"; }
whoami() { # base, secret: prints the status
  curl -s -m 15 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    "$1/api/v1/auth/whoami" -d '{}'
}

echo "Checks before any load:"
account="$(head -1 "$work/accounts")"
made="$(api "$a" tokens/create "{\"service_account_id\": \"$account\", \"name\": \"across\", \"scopes\": [\"read\"]}")"
id="$(sed -n 's/.*"token":{"id":"\([^"]*\)".*/\1/p' <<<"$made")"
secret="$(sed -n 's/.*"secret":"\(stw_[^"]*\)".*/\1/p' <<<"$made")"
[ "$(whoami "$b" "$secret")" = 200 ] || fail "a token made through A does not work on B"
revoked_at=$(date +%s%N)
[ "$(status_of "$(api "$a" tokens/revoke "{\"id\": \"$id\"}")")" = 200 ] || fail "revoking through A"
refused=""
while [ $(($(date +%s%N) - revoked_at)) -lt 1000000000 ]; do
  [ "$(whoami "$b" "$secret")" = 401 ] && { refused=$((($(date +%s%N) - revoked_at) / 1000000)); break; }
done
[ -n "$refused" ] && echo "  a token revoked through A was refused by B $refused ms later" \
  || fail "B still accepted a token revoked through A after one second"

jar="$work/cookies"
login="$(curl -s -m 15 -c "$jar" -o /dev/null -w '%{http_code}' -H "Origin: $a" -H 'Content-Type: application/json' \
  "$a/api/v1/auth/login" -d "{\"email\": \"bench@example.test\", \"password\": \"$seed_password\"}")"
[ "$login" = 200 ] || fail "signing in on A answered $login"
on_b="$(curl -s -m 15 -b "$jar" -o /dev/null -w '%{http_code}' -H "Origin: $a" -H 'Content-Type: application/json' \
  "$b/api/v1/service-accounts/list" -d '{}')"
[ "$on_b" = 200 ] && echo "  a session started on A works on B" || fail "A's session answered $on_b on B"

probe() { # base: a list request's status and seconds
  curl -s -m 15 -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $writer" \
    -H 'Content-Type: application/json' "$1/api/v1/service-accounts/list" -d '{}'
}
acknowledged() { cat "$work"/created-* "$work"/revoked-* 2>/dev/null | wc -l; }

start_writers "$a" "$b"
sleep 2
kill -9 "$pid_a"
wait "$pid_a" 2>/dev/null || true
before=$(acknowledged)
for _ in 1 2 3 4 5; do probe "$b" >>"$work/b-alone"; sleep 0.5; done
during=$(($(acknowledged) - before))
echo "Replica A killed with -9: B answered a list request with (status, seconds):"
sed 's/^/  /' "$work/b-alone"
grep -qv '^200 ' "$work/b-alone" && fail "B answered something other than 200 while A was dead"
echo "  writes acknowledged through B while A was dead: $during"
[ "$during" -gt 0 ] || fail "no write was acknowledged while A was dead"
STEWARD_TRUSTED_PROXIES=127.0.0.1 start_server "$db" "$port_a"
echo "  A started again"
sleep 2

pg_ctlcluster "$version" "$cluster" stop -m immediate
stopped=$(date +%s)
for _ in 1 2; do probe "$a" >>"$work/during"; probe "$b" >>"$work/during"; done
pg_ctlcluster "$version" "$cluster" start
until pg_isready -q -h 127.0.0.1; do sleep 0.2; done
restarted=$(date +%s)
echo "PostgreSQL down for $((restarted - stopped)) s; both replicas answered (status, seconds):"
sed 's/^/  /' "$work/during"
grep -qv '^503 ' "$work/during" && fail "something other than 503 while the database was gone"
for replica in "$a" "$b"; do
  recovered=""
  for _ in $(seq 1 60); do
    read -r status _ < <(probe "$replica")
    [ "$status" = 200 ] && { recovered=$(date +%s); break; }
    sleep 0.5
  done
  [ -n "$recovered" ] && echo "  $replica recovered by itself $((recovered - restarted)) s after PostgreSQL was back" \
    || fail "$replica not recovered 30 s after PostgreSQL was back"
done
sleep 2
stop_writers

statuses="$(cat "$work"/statuses-* | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
echo "the writers' answers: $statuses(000: no answer, the connection cut or the replica dead)"
cat "$work"/statuses-* | grep -q '^500$' && fail "a writer got 500"
for replica in "$a" "$b"; do
  echo "every acknowledged write, checked through $replica:"
  out="$(check_acknowledged "$replica")" || failed=1
  echo "  $out"
done
out="$(check_complete sql)" || failed=1
echo "$out"
[ "$failed" = 0 ] && echo "PASS: revocation and sessions cross replicas, one replica's death and the database's outage lose nothing acknowledged" || echo "FAIL"
exit "$failed"
