#!/usr/bin/env bash
# Runs every test of streamstack: formatting, lints, unit/integration tests, the cfn-lint and
# checkov gate on the rendered templates, and the emulator-backed tests.
# Installs the pinned Python validators/emulator into .venv first (idempotent).
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
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test (unit, integration, golden files, fuzzed parsers, cfn-lint + checkov gate)"
cargo test --workspace --locked
