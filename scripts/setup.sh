#!/usr/bin/env bash
# Installs what FieldTrail needs on a Debian machine: the apt packages for Tauri (and, with --tests, for the
# tests), and the ui's npm packages. Safe to run again: it installs only what is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

packages=(libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev libayatana-appindicator3-dev
  librsvg2-dev xvfb webkit2gtk-driver pkg-config)
if [[ "${1:-}" == "--tests" && -f scripts/apt-test-packages.txt ]]; then
  mapfile -t extra < <(grep -v '^\s*#' scripts/apt-test-packages.txt | sed '/^\s*$/d')
  packages+=("${extra[@]}")
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> apt: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo is missing: install Rust 1.95 or newer (rustup)" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: npm is missing: apt-get install -y nodejs npm (Node 20.19 or newer)" >&2; exit 1; }

echo "==> npm: ui packages"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)
