#!/usr/bin/env bash
# Runs every test: unit tests, API integration tests on SQLite and (when PostgreSQL is
# installed) on PostgreSQL, then the Playwright tests in Debian's Chromium against the real
# server. Installs what is missing first. Exits non-zero on the first failing stage.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/steward-target}"
export PATH="$HOME/.cargo/bin:$root/scripts/bin:$root/end2end/node_modules/.bin:$PATH"
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

bash scripts/setup.sh --test

# PostgreSQL: start the machine's cluster, make a login role, and let each test create its own
# database. Old test databases from earlier runs are dropped so every run starts fresh.
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -z "${STEWARD_TEST_DATABASE_URL:-}" ]; then
  say "starting PostgreSQL"
  version="$(pg_lsclusters -h | awk 'NR==1 {print $1}')"
  cluster="$(pg_lsclusters -h | awk 'NR==1 {print $2}')"
  pg_ctlcluster "$version" "$cluster" start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  su postgres -c "psql -qAt" <<'SQL'
DO $$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'steward_test') THEN
    CREATE ROLE steward_test LOGIN CREATEDB PASSWORD 'steward_test';
  END IF;
END$$;
SQL
  for db in $(su postgres -c "psql -qAt -c \"SELECT datname FROM pg_database WHERE datname LIKE 'steward_test_%'\""); do
    su postgres -c "psql -qc 'DROP DATABASE IF EXISTS $db'"
  done
  export STEWARD_TEST_DATABASE_URL="postgres://steward_test:steward_test@127.0.0.1:5432/postgres"
fi
if [ -n "${STEWARD_TEST_DATABASE_URL:-}" ]; then
  export STEWARD_REQUIRE_POSTGRES=1
  say "PostgreSQL tests: on"
else
  say "PostgreSQL tests: off (no pg_ctlcluster and no STEWARD_TEST_DATABASE_URL)"
fi

# The reverse-proxy test needs nginx, the RFC 7662 and OpenAPI tests their Python clients;
# setup installed them, so a missing one is a failure.
export STEWARD_REQUIRE_NGINX=1
export STEWARD_REQUIRE_PYTHON_TOOLS=1
export STEWARD_PYTHON_VENV="${STEWARD_PYTHON_VENV:-$HOME/.cache/steward-python}"

say "unit and integration tests"
cargo test -p app --features ssr
cargo test -p server
# The criterion benchmark once, quickly (criterion's test mode), so it cannot stop compiling.
cargo test -p server --benches

say "building the app for the browser tests"
cargo leptos build --split

say "Playwright tests in Chromium"
cd end2end
npx playwright test
