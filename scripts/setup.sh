#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Steward needs on a fresh Debian machine.
# Safe to run again: each step checks first and does nothing when the tool is already there.
# Nothing is downloaded from anywhere but the package registries (crates.io, npm, Debian).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
want_test_tools=false
[ "${1:-}" = "--test" ] && want_test_tools=true
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# The wasm target for the browser half of the app.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Downloading only waits on the network, so the app's own crates and the npm packages (wasm-opt
# from binaryen for release builds, Playwright's libraries, axe-core for the browser tests'
# accessibility check) come down while the tools below compile, so on a fresh machine the
# waiting is hidden (docs/benchmarks.md, First run). Both are no-ops once done.
background=()
host="$(rustc -vV | sed -n 's/^host: //p')"
(cd "$root" && cargo fetch --locked --quiet --target "$host" --target wasm32-unknown-unknown) &
background+=($!)
if ! [ -x "$root/end2end/node_modules/.bin/wasm-opt" ] || ! [ -d "$root/end2end/node_modules/@playwright/test" ] \
  || ! [ -d "$root/end2end/node_modules/@axe-core/playwright" ]; then
  say "installing end2end npm packages (binaryen's wasm-opt, Playwright, axe-core), in the background"
  (cd "$root/end2end" && npm ci --no-audit --no-fund --silent) &
  background+=($!)
fi

# The build tools only orchestrate the build, so their own speed hardly matters: compiling them
# unoptimised, with no link-time optimisation, makes the install several times shorter and the
# build steps they run no slower (docs/benchmarks.md, First run). These settings apply to
# `cargo install` only.
tool_build=(env CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=off
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true)

# cargo-leptos: 0.3.11 needs a newer rustc than stable 1.95, so use nightly when the machine has
# it and fall back to 0.3.10 on stable (see docs/development.md).
if ! command -v cargo-leptos >/dev/null 2>&1; then
  if rustup toolchain list | grep -q '^nightly'; then
    say "installing cargo-leptos 0.3.11 with nightly (about 4 minutes)"
    "${tool_build[@]}" cargo +nightly install cargo-leptos --locked --version 0.3.11
  else
    say "installing cargo-leptos 0.3.10 (about 4 minutes)"
    "${tool_build[@]}" cargo install cargo-leptos --locked --version 0.3.10
  fi
fi

# wasm-bindgen's CLI must match the library version in Cargo.lock exactly.
wbg="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  say "installing wasm-bindgen-cli $wbg"
  "${tool_build[@]}" cargo install wasm-bindgen-cli --version "$wbg" --force
fi

if $want_test_tools; then
  # Debian's Chromium (Playwright's own browser download cannot work here), nginx (the
  # reverse-proxy test runs the documented auth_request configuration), curl and jq (the
  # documentation's examples are run as written), sqlite3 (the documented backup command) and
  # openssl (the browser tests' identity token issuer gets its certificate from it).
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v curl >/dev/null || missing+=(curl)
  command -v jq >/dev/null || missing+=(jq)
  command -v sqlite3 >/dev/null || missing+=(sqlite3)
  command -v openssl >/dev/null || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian's ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

if $want_test_tools; then
  # Python clients the project did not write (Authlib for RFC 7662 introspection, Schemathesis
  # for the OpenAPI document), pinned in scripts/python-requirements.txt, in a virtual
  # environment outside the checkout. Installed again only when that file changes.
  venv="${STEWARD_PYTHON_VENV:-$HOME/.cache/steward-python}"
  if ! cmp -s "$root/scripts/python-requirements.txt" "$venv/requirements.installed" 2>/dev/null; then
    say "installing the Python test tools into $venv"
    python3 -m venv "$venv" 2>/dev/null || {
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$venv"
    }
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/scripts/python-requirements.txt"
    cp "$root/scripts/python-requirements.txt" "$venv/requirements.installed"
  fi
fi

# The downloads started at the top: a failed one fails the set-up.
for pid in "${background[@]}"; do
  wait "$pid"
done
