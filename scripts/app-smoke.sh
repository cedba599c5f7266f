#!/usr/bin/env bash
# End-to-end smoke test of the real app window.
#
# Builds the ui and the debug app, seeds a fresh data directory with two inspections through the terminal CLI,
# starts Xvfb (when there is no $DISPLAY) and tauri-driver, and drives the app with webdriverio (ui/e2e):
# the inspection list must show both parties. Saves docs/screenshots/inspection-list.png (1280×800) and
# inspection-list-portrait.png (800×1280).
#
# Idempotent: every run uses a new temporary data directory; every process it starts is stopped on exit.
# Environment: CARGO_TARGET_DIR (default: target), TAURI_DRIVER_PORT (default 4444),
# SKIP_BUILD=1 to reuse the existing ui/dist and binaries.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
APP="$TARGET_DIR/debug/fieldtrail-app"
TERMINAL="$TARGET_DIR/debug/fieldtrail-terminal"
PORT="${TAURI_DRIVER_PORT:-4444}"
NATIVE_PORT="$((PORT + 1))"
SCREENSHOT="$ROOT/docs/screenshots/inspection-list.png"

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'app-smoke: %s\n' "$*" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fieldtrail-smoke.XXXXXX")"
DATA="$WORK/data"
XVFB_PID=""
DRIVER_PID=""

cleanup() {
  local status=$?
  # tauri-driver runs in its own session: stopping its group also stops WebKitWebDriver and the app.
  if [[ -n "$DRIVER_PID" ]]; then kill -TERM -- "-$DRIVER_PID" 2>/dev/null || true; fi
  if [[ -n "$XVFB_PID" ]]; then kill -TERM "$XVFB_PID" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [[ $status -ne 0 && -f "$WORK/tauri-driver.log" ]]; then
    echo "--- tauri-driver log (last 40 lines) ---" >&2
    tail -n 40 "$WORK/tauri-driver.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Build -----------------------------------------------------------------------------------------------------
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "ui: npm ci && npm run build"
  (cd ui && npm ci --no-audit --no-fund && npm run build)
  log "app and terminal CLI: cargo build"
  cargo build -p fieldtrail-app -p fieldtrail-terminal
fi
[[ -f ui/dist/index.html ]] || die "ui/dist/index.html is missing; build the ui first"
[[ -x "$APP" ]] || die "$APP is missing"
[[ -x "$TERMINAL" ]] || die "$TERMINAL is missing"
log "e2e client: npm ci in ui/e2e"
(cd ui/e2e && npm ci --no-audit --no-fund)

# --- Seed -------------------------------------------------------------------------------------------------------
PARTY_A="呼和浩特市青城食品有限公司"
PARTY_B="包头市鹿城建材商行"
log "seeding $DATA"
mkdir -p "$DATA"
"$TERMINAL" --data "$DATA" inspection new \
  --kind inspection --item-code "330217A01000" --item-name "食品生产经营日常监督检查" \
  --party-name "$PARTY_A" --agency "呼和浩特市市场监督管理局" >/dev/null
ID_B="$("$TERMINAL" --data "$DATA" inspection new \
  --kind penalty --item-code "330217B02000" --item-name "建材产品质量监督检查" \
  --party-name "$PARTY_B" --agency "包头市市场监督管理局")"
"$TERMINAL" --data "$DATA" inspection edit "$ID_B" --status completed --result "责令改正" --end >/dev/null

# --- Tools ------------------------------------------------------------------------------------------------------
command -v WebKitWebDriver >/dev/null || die "WebKitWebDriver is missing: apt-get install -y webkit2gtk-driver"
if ! command -v tauri-driver >/dev/null; then
  log "installing tauri-driver"
  cargo install tauri-driver --locked
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if [[ -z "$(fc-list :lang=zh 2>/dev/null)" ]]; then
  log "no CJK font: installing fonts-noto-cjk"
  if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends fonts-noto-cjk
fi
if curl -fsS "http://127.0.0.1:$PORT/status" >/dev/null 2>&1; then
  die "port $PORT is busy (another tauri-driver?); set TAURI_DRIVER_PORT"
fi

# --- Display ----------------------------------------------------------------------------------------------------
if [[ -z "${DISPLAY:-}" ]]; then
  for n in $(seq 90 140); do
    [[ -e "/tmp/.X$n-lock" || -e "/tmp/.X11-unix/X$n" ]] || { DISPLAY_NUM=$n; break; }
  done
  [[ -n "${DISPLAY_NUM:-}" ]] || die "no free X display number"
  log "starting Xvfb :$DISPLAY_NUM"
  Xvfb ":$DISPLAY_NUM" -screen 0 1920x1440x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
  XVFB_PID=$!
  export DISPLAY=":$DISPLAY_NUM"
  for _ in $(seq 1 50); do [[ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ]] && break; sleep 0.1; done
  [[ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ]] || die "Xvfb did not start: $(cat "$WORK/xvfb.log")"
fi

# --- Drive ------------------------------------------------------------------------------------------------------
log "starting tauri-driver on 127.0.0.1:$PORT"
# The app inherits its environment from tauri-driver (through WebKitWebDriver): its data, an unreachable sync
# server (port 9, discard), and XDG directories of its own so that the webview's storage starts empty.
mkdir -p "$WORK/xdg/data" "$WORK/xdg/config" "$WORK/xdg/cache"
FIELDTRAIL_DATA="$DATA" FIELDTRAIL_SERVER="http://127.0.0.1:9" \
  XDG_DATA_HOME="$WORK/xdg/data" XDG_CONFIG_HOME="$WORK/xdg/config" XDG_CACHE_HOME="$WORK/xdg/cache" \
  setsid tauri-driver --port "$PORT" --native-port "$NATIVE_PORT" >"$WORK/tauri-driver.log" 2>&1 &
DRIVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/status" >/dev/null 2>&1 && break
  kill -0 "$DRIVER_PID" 2>/dev/null || die "tauri-driver exited: $(cat "$WORK/tauri-driver.log")"
  sleep 0.1
done

log "e2e: inspection list"
(cd ui/e2e && FIELDTRAIL_APP="$APP" E2E_PARTIES="$PARTY_A|$PARTY_B" E2E_SCREENSHOT="$SCREENSHOT" \
  TAURI_DRIVER_PORT="$PORT" npm run --silent e2e)
log "app smoke test passed; screenshots in docs/screenshots/"
