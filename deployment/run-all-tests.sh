#!/usr/bin/env bash
# Runs every test of streamstack: formatting, lints, the Lambda bootstraps built for x86_64 and
# arm64 and run on a local Lambda Runtime API, unit/integration tests, the cfn-lint and checkov
# gate on the rendered templates, the deploy engine against the moto emulator, and the Flink
# jobs (JUnit unit tests, then end to end on the emulator with the real Kinesis connector, the
# Rust producer and the real fare-endpoint bootstrap).
# Installs the pinned Python validators/emulator into .venv first (idempotent).
# Needs: rustup targets x86_64/aarch64-unknown-linux-musl, musl-tools, gcc-aarch64-linux-gnu,
# qemu-user-static, a JDK 17 and Maven (`cargo xtask check-deps` prints what is missing;
# .ci/run installs them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

venv="${STREAMSTACK_VENV:-$root/.venv}"
req="$root/deployment/requirements-test.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing pinned test tools into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi
export STREAMSTACK_VENV="$venv"

if [ -z "${RUSTC_WRAPPER:-}" ] && command -v sccache >/dev/null 2>&1; then
  export RUSTC_WRAPPER=sccache
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo xtask build-functions (static musl bootstraps, x86_64 + arm64, the Flink jars, reproducible)"
cargo xtask build-functions
# The test build embeds those zips, as a release CLI does (build.rs copies them).
target="${CARGO_TARGET_DIR:-$root/target}"
export STREAMSTACK_ASSETS_DIR="$target/streamstack-assets"
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test (unit, integration, golden files, fuzzed parsers, cfn-lint + checkov gate, emulator)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
echo "==> mvn verify (Flink jobs: JUnit unit tests, then end to end on the emulator)"
# The end-to-end tests run the shipped binaries: the EC2 producer and the fare endpoint's
# bootstrap exactly as zipped, and xtask's local API Gateway front for the endpoint.
mvn -B -f "$root/assets/flink-jobs/pom.xml" verify \
  -Dstreamstack.repo="$root" \
  -Dstreamstack.venv="$venv" \
  -Dstreamstack.producer="$STREAMSTACK_ASSETS_DIR/producer-x86_64/streamstack-producer" \
  -Dstreamstack.fareBootstrap="$STREAMSTACK_ASSETS_DIR/fare-endpoint-function-x86_64/bootstrap" \
  -Dstreamstack.xtask="$target/debug/xtask" \
  -Dstreamstack.cli="$target/debug/streamstack" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' | tee -a "$log"
# (Debian's Maven writes colour resets even in batch mode: stripped, so that the closing line
# below stands alone on its line.)
echo
# One closing line for the whole run: cargo prints one per test binary (the last often a
# doc-test binary with nothing in it); Surefire and Failsafe print a "Tests run:" total per
# module and plugin (the per-class lines carry "Time elapsed" and are not counted again).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     /Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$/ {
       line = $0; sub(/.*Tests run: /, "", line); split(line, n, /[^0-9]+/)
       p += n[1] - n[2] - n[3] - n[4]; f += n[2] + n[3] }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
