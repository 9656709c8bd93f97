#!/usr/bin/env bash
# Starts the built server for the Playwright run: a fresh SQLite database in a temporary
# directory, one administrator, the site files from this checkout. Used by end2end's config.
set -euo pipefail
port="${1:-3197}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${STEWARD_SERVER_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/server}"
work="$(mktemp -d)"
export LEPTOS_SITE_ROOT="$root/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_OUTPUT_NAME=steward
export LEPTOS_SITE_ADDR="127.0.0.1:$port" STEWARD_PUBLIC_URL="http://127.0.0.1:$port"
export STEWARD_DATABASE_URL="sqlite://$work/steward.db" STEWARD_USAGE_FLUSH_SECS=1
# The whole suite signs in from one address, far more often than a person would.
export STEWARD_SIGN_IN_LIMIT_PER_MINUTE=1000
# The tests send X-Forwarded-For as a reverse proxy on this host would (report-only guards).
export STEWARD_TRUSTED_PROXIES=127.0.0.1
export STEWARD_SECRET_KEY="the end-to-end suite's own server key, not a real one"
# An identity token issuer the trust tests start on this machine (end2end/tests/oidc-issuer.ts)
# presents a certificate from a CA made here, which the server trusts for issuers only.
oidc="$root/target/e2e-oidc"
mkdir -p "$oidc"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=Steward end-to-end issuers' CA" -keyout "$oidc/ca.key" -out "$oidc/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$oidc/issuer.key" -out "$oidc/issuer.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > "$oidc/issuer.ext"
openssl x509 -req -days 2 -in "$oidc/issuer.csr" -CA "$oidc/ca.pem" -CAkey "$oidc/ca.key" \
  -CAcreateserial -extfile "$oidc/issuer.ext" -out "$oidc/issuer.pem" 2>/dev/null
export STEWARD_OIDC_CA_FILE="$oidc/ca.pem" STEWARD_OIDC_ALLOW_NETWORKS=127.0.0.1
printf '%s' "correct horse battery staple" | "$bin" admin create --org acme --email admin@acme.test --name "Ada Admin" --password-stdin
exec "$bin" serve
