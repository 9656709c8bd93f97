#!/usr/bin/env bash
# Fuzzing: each cargo-fuzz target in fuzz/ (token parser, name and address rules, every API
# request body's decoder) runs for FUZZ_SECONDS (default 60) with libFuzzer. Needs the nightly
# toolchain; installs cargo-fuzz from crates.io when missing. Prints executions per target and
# any finding (a crashing input is kept in fuzz/artifacts/<target>/).
# Run through `bash scripts/torture.sh fuzz`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
seconds="${FUZZ_SECONDS:-60}"
rustup toolchain list | grep -q '^nightly' || { echo "fuzzing needs the nightly toolchain (rustup toolchain install nightly)" >&2; exit 2; }
if ! cargo fuzz --version >/dev/null 2>&1; then
  env CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=off cargo install cargo-fuzz --locked
fi
cd "$root/fuzz"
# No sanitizer: the code under test is safe Rust, and without one the build is much faster.
cargo +nightly fuzz build -O -s none >/dev/null
failed=0
echo "| target | seconds | executions | findings |"
echo "|---|---|---|---|"
for target in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$target"
  log="$(mktemp)"
  if cargo +nightly fuzz run -O -s none "$target" "corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    findings=0
  else
    findings="$(ls "artifacts/$target" 2>/dev/null | wc -l)"
    [ "$findings" -gt 0 ] || findings="run failed (see below)"
    failed=1
  fi
  runs="$(awk '/stat::number_of_executed_units/ {print $NF}' "$log" | tail -1)"
  echo "| $target | $seconds | ${runs:-?} | $findings |"
  [ "$failed" = 0 ] || tail -30 "$log" >&2
  rm -f "$log"
done
exit "$failed"
