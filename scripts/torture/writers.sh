# Shared by the torture parts (sourced after scripts/bench/common.sh): the database they write
# to, writers that create and revoke tokens through the API and write down only what the server
# acknowledged with 200, and the check that every acknowledged write is there afterwards.

# Builds the release server and makes a fresh database named after the part ($db, with $reader
# and $writer tokens) holding 20 accounts and 60 tokens; the writers' accounts go to a file.
prepare_database() { # part name
  build_release
  fresh_database "$1"
  seed_database 20 60
  sql "SELECT id FROM service_accounts ORDER BY name" >"$work/accounts"
}

# For the parts that stop PostgreSQL: sets $version and $cluster for pg_ctlcluster, or stops the
# script when STEWARD_DATABASE_URL does not name PostgreSQL.
find_postgres_cluster() { # part name
  [[ "${STEWARD_DATABASE_URL:-}" == postgres* ]] || { echo "$1 needs STEWARD_DATABASE_URL=postgres://…" >&2; exit 2; }
  version="$(pg_lsclusters -h | awk 'NR==1 {print $1}')"
  cluster="$(pg_lsclusters -h | awk 'NR==1 {print $2}')"
}

# One writer: creates tokens one after another; revokes every third one it created. Appends
# "id secret" to created-N and revoked-N for each 200; counts other statuses in statuses-N.
# A revocation sent but not answered 200 (cut, timed out) is in revoking-N: it may or may not
# have happened, and either is right.
writer_loop() { # number, base url, account id
  local n=0 body status id secret last_id="" last_secret=""
  while :; do
    n=$((n + 1))
    body="$(curl -s -m 5 -w '\n%{http_code}' -H "Authorization: Bearer $writer" -H 'Content-Type: application/json' \
      "$2/api/v1/tokens/create" -d "{\"service_account_id\": \"$3\", \"name\": \"w$1-$n\", \"scopes\": [\"read\"]}" || true)"
    status="${body##*$'\n'}"
    echo "$status" >>"$work/statuses-$1"
    # No answer (a dead replica refuses connections at once): pause rather than spin.
    [ "$status" = 000 ] && sleep 0.2
    if [ "$status" = 200 ]; then
      id="$(sed -n 's/.*"token":{"id":"\([^"]*\)".*/\1/p' <<<"$body")"
      secret="$(sed -n 's/.*"secret":"\(stw_[^"]*\)".*/\1/p' <<<"$body")"
      echo "$id $secret" >>"$work/created-$1"
      if [ $((n % 3)) = 0 ] && [ -n "$last_id" ]; then
        echo "$last_id" >>"$work/revoking-$1"
        status="$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $writer" \
          -H 'Content-Type: application/json' "$2/api/v1/tokens/revoke" -d "{\"id\": \"$last_id\"}" || true)"
        echo "$status" >>"$work/statuses-$1"
        [ "$status" = 200 ] && echo "$last_id $last_secret" >>"$work/revoked-$1"
      fi
      last_id="$id" last_secret="$secret"
    fi
  done
}

writers=()
start_writers() { # base url, [more base urls: the writers take turns among them]
  local i=0 bases=("$@")
  while read -r account; do
    i=$((i + 1))
    [ "$i" -le 4 ] || break
    writer_loop "$i" "${bases[$(((i - 1) % ${#bases[@]}))]}" "$account" &
    writers+=($!)
  done <"$work/accounts"
}
stop_writers() { kill "${writers[@]}" 2>/dev/null || true; wait "${writers[@]}" 2>/dev/null || true; writers=(); }

# Every acknowledged creation works (unless it was revoked) and every acknowledged revocation
# holds, asked of the server by each token itself; each check comes from its own forwarded
# address so the bad-token limit does not answer instead of the token check. Prints a summary.
check_acknowledged() { # base url
  local created revoked unsure good=0 lost=0 held=0 broken=0 unknown=0 n=0 status
  created="$(cat "$work"/created-* 2>/dev/null | sort -u)"
  revoked="$(cat "$work"/revoked-* 2>/dev/null | sort -u)"
  unsure="$(cat "$work"/revoking-* 2>/dev/null | sort -u)"
  while read -r id secret; do
    [ -n "$id" ] || continue
    n=$((n + 1))
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $secret" \
      -H "X-Forwarded-For: 10.9.$((n / 256 % 256)).$((n % 256))" -H 'Content-Type: application/json' "$1/api/v1/auth/whoami" -d '{}')"
    if grep -q "^$id " <<<"$revoked"; then
      [ "$status" = 401 ] && held=$((held + 1)) || { broken=$((broken + 1)); echo "revoked $id answered $status" >&2; }
    elif grep -qx "$id" <<<"$unsure"; then
      unknown=$((unknown + 1))
    else
      [ "$status" = 200 ] && good=$((good + 1)) || { lost=$((lost + 1)); echo "created $id answered $status" >&2; }
    fi
  done <<<"$created"
  echo "acknowledged: $(grep -c . <<<"$created" || true) creations, $(grep -c . <<<"$revoked" || true) revocations;" \
    "afterwards $good tokens work, $held revocations hold, $lost creations lost, $broken revocations undone" \
    "($unknown revocations were cut off before their answer: either outcome is right)"
  [ "$lost" = 0 ] && [ "$broken" = 0 ]
}

# Nothing half-written: every token the writers made has its creation audited, every revoked
# one its revocation (each write and its audit record share a transaction).
check_complete() { # sql function
  local unaudited
  unaudited="$($1 "SELECT COUNT(*) FROM tokens t WHERE t.name LIKE 'w%' AND (
      NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.target_id = t.id AND a.action = 'token.create')
      OR (t.revoked_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.target_id = t.id AND a.action = 'token.revoke')))")"
  echo "tokens in the database without their audit record: $unaudited"
  [ "$unaudited" = 0 ]
}
