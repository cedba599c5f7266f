#!/usr/bin/env bash
# Sets up and runs every check and test of FieldTrail: formatting, lints, docs, generated-type drift, the ui's
# type check and unit tests, every Rust test (unit, property, end-to-end with real servers), and the real app
# window driven through WebDriver. Safe to run again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Outside the clone, so CI runs on the same machine start warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fieldtrail/target}"
export CARGO_TERM_COLOR=never
step() { printf '\n==> %s\n' "$*"; }

step "setup"
bash scripts/setup.sh --tests

step "ui: type check, unit tests, build"
(cd ui && npm run --silent typecheck && npm test --silent && npm run build --silent)

step "rust: format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "rust: tests"
cargo build --workspace --bins --locked
cargo test --workspace --locked

step "benchmarks, each in its smoke size (so none rots; figures come from cargo bench, docs/benchmarks.md)"
FIELDTRAIL_BENCH_SMOKE=1 cargo test --workspace --bench '*' --locked

step "generated ui types match the Rust types"
if ! git diff --exit-code -- ui/src/api/types || [[ -n "$(git ls-files --others --exclude-standard ui/src/api/types)" ]]; then
  echo "test: ui/src/api/types changed when regenerated from Rust: commit the regenerated files" >&2
  exit 1
fi

step "app: the real window through WebDriver"
SKIP_BUILD=1 bash scripts/app-smoke.sh
