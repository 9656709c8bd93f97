# Shared by the benchmark parts in this folder (sourced, not run).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/steward-target}"
export PATH="$HOME/.cargo/bin:$PATH"
duration="${DURATION:-5}"
command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq wrk >/dev/null; }
work="$(mktemp -d)"
pids=()
dropped_databases=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for db in "${dropped_databases[@]}"; do psql -q "${STEWARD_DATABASE_URL%/*}/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Sets $db to a database nobody else uses: a file in the work folder, or a new PostgreSQL
# database named `steward_bench_<name>` next to the one STEWARD_DATABASE_URL names (dropped at
# the end). Called directly, not in `$(…)`, so the database to drop is remembered.
fresh_database() { # name
  if [[ "${STEWARD_DATABASE_URL:-}" == postgres* ]]; then
    local server="${STEWARD_DATABASE_URL%/*}" name="steward_bench_$1"
    psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
    dropped_databases+=("$name")
    db="$server/$name"
  else
    db="sqlite://$work/$1.db"
  fi
}

# One query against the database in $db (the script's own, from fresh_database); prints rows.
sql() { if [[ "$db" == postgres* ]]; then psql -qAt "$db" -c "$1"; else sqlite3 "${db#sqlite://}" "$1"; fi; }

# Fills $db with `server seed` (accounts, tokens) and sets $reader (a read-only token), $writer
# (a token that may create tokens) and $busy (the account holding 50 tokens). The administrator
# is bench@example.test with the password in $seed_password.
seed_password='benchmark password'
seed_database() { # accounts, tokens
  local seeded
  seeded="$(printf '%s' "$seed_password" | LEPTOS_OUTPUT_NAME=steward STEWARD_DATABASE_URL="$db" \
    "$CARGO_TARGET_DIR/release/server" seed --accounts "$1" --tokens "$2" --password-stdin)"
  reader="$(awk '/^READER_TOKEN/ {print $2}' <<<"$seeded")"
  writer="$(awk '/^WRITER_TOKEN/ {print $2}' <<<"$seeded")"
  busy="$(awk '/^BUSY_ACCOUNT/ {print $2}' <<<"$seeded")"
}

# Builds the release server as scripts/run.sh does, together with the site it serves, so the
# binary left in $CARGO_TARGET_DIR/release is the one run.sh would start. A plain
# `cargo build -p server` there replaced it with a binary built without cargo-leptos's settings
# for a site that was not rebuilt with it; the server now refuses to start when the files its
# pages load are missing, so the site must be built too.
build_release() {
  export PATH="$root/scripts/bin:$root/end2end/node_modules/.bin:$PATH"
  bash "$root/scripts/setup.sh" >"$work/setup.log" 2>&1 || { tail -30 "$work/setup.log" >&2; exit 1; }
  (cd "$root" && cargo leptos build --release --split >"$work/build.log" 2>&1) \
    || { tail -30 "$work/build.log" >&2; exit 1; }
}

# A free loopback port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts the release server on the first core against a database; waits for /healthz.
start_server() { # database url, port
  LEPTOS_OUTPUT_NAME=steward LEPTOS_SITE_ROOT="$root/target/site" LEPTOS_SITE_ADDR="127.0.0.1:$2" \
    STEWARD_DATABASE_URL="$1" RUST_LOG=warn STEWARD_SIGN_IN_LIMIT_PER_MINUTE="${SIGN_IN_LIMIT:-10}" \
    taskset -c 0 "$CARGO_TARGET_DIR/release/server" serve >"$work/server-$2.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not start:" >&2; cat "$work/server-$2.log" >&2; return 1
}

# wrk's own summary, one line: requests/s p50 p95 p99 (microseconds) non-2xx socket-errors.
cat >"$work/report.lua" <<'LUA'
wrk.method = os.getenv("METHOD") or "POST"
wrk.headers["Content-Type"] = "application/json"
if os.getenv("BEARER") then wrk.headers["Authorization"] = "Bearer " .. os.getenv("BEARER") end
wrk.body = os.getenv("BODY")
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.0f %d %d %d %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(95), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
LUA

# One wrk run on the second core: prints "requests/s p50 p95 p99 non2xx errors".
measure() { # connections, url, bearer, body, [script], [seconds]
  BEARER="$3" BODY="$4" taskset -c 1 wrk -t1 -c"$1" -d"${6:-$duration}s" -s "${5:-$work/report.lua}" "$2" \
    | awk '/^RESULT/ {print $2, $3, $4, $5, $6, $7}'
}

# Microseconds as the tables show them.
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }

# Writes $work/post.lua (a JSON POST, BODY or `{}`) and $work/get.lua for wrk, both sending
# the Bearer token in BEARER.
bearer_scripts() {
  cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BEARER")
wrk.body = os.getenv("BODY") or "{}"
LUA
  cat >"$work/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BEARER")
LUA
}
