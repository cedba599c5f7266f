#!/usr/bin/env bash
# End-to-end smoke test of the real app window: a whole inspection, synced to a real server.
#
# Builds the ui, the debug app, the terminal CLI and the server; starts fieldtrail-server on 127.0.0.1 (a free
# port) and sets it up as scripts/run.sh does: a demo authority, the app's terminal registered, officers
# 15080001 张三 (PIN 482913) and 15080002 李四 (PIN 739251) enrolled, two inspections seeded. Generates a photo
# (ImageMagick) and a WAV recording (sox), starts Xvfb (when there is no $DISPLAY) and tauri-driver, and drives
# the app with webdriverio (ui/e2e/inspection.e2e.mjs): unlock, create, both officers present, verify, checklist,
# evidence, the party signs, interference, lock, amend, timeline, sync. Then a second terminal, registered with the
# server, pulls the case and must see it locked with both presentations, the signature, the interference, the
# amendment and the three evidence files (photo, audio, signature), and the server must hold their bytes.
# Saves the main screens under docs/screenshots/. The app sees no CJK or Mongolian system font (a fontconfig of
# DejaVu only): every screen is drawn with the fonts it bundles, as on a bare machine (LANG-1).
#
# Idempotent: every run uses new temporary data directories; every process it starts is stopped on exit.
# Environment: CARGO_TARGET_DIR (default: target), TAURI_DRIVER_PORT (default 4444),
# SKIP_BUILD=1 to reuse the existing ui/dist and binaries, E2E_BENCH=1 for the full-size responsiveness figures.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
APP="$TARGET_DIR/debug/fieldtrail-app"
TERMINAL="$TARGET_DIR/debug/fieldtrail-terminal"
SERVER_BIN="$TARGET_DIR/debug/fieldtrail-server"
PORT="${TAURI_DRIVER_PORT:-4444}"
NATIVE_PORT="$((PORT + 1))"
SHOTS="$ROOT/docs/screenshots"

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'app-smoke: %s\n' "$*" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fieldtrail-smoke.XXXXXX")"
DATA="$WORK/data"
XVFB_PID=""
DRIVER_PID=""
SERVER_PID=""

cleanup() {
  local status=$?
  # tauri-driver runs in its own session: stopping its group also stops WebKitWebDriver and the app.
  if [[ -n "$DRIVER_PID" ]]; then kill -TERM -- "-$DRIVER_PID" 2>/dev/null || true; fi
  if [[ -n "$XVFB_PID" ]]; then kill -TERM "$XVFB_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [[ $status -ne 0 && -f "$WORK/tauri-driver.log" ]]; then
    echo "--- tauri-driver log (last 40 lines) ---" >&2
    tail -n 40 "$WORK/tauri-driver.log" >&2 || true
  fi
  if [[ $status -ne 0 && -f "$WORK/server.log" ]]; then
    echo "--- fieldtrail-server log (last 20 lines) ---" >&2
    tail -n 20 "$WORK/server.log" >&2 || true
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
  log "app, terminal CLI and server: cargo build"
  cargo build -p fieldtrail-app -p fieldtrail-terminal -p fieldtrail-server -p fieldtrail-tests --bins
fi
[[ -f ui/dist/index.html ]] || die "ui/dist/index.html is missing; build the ui first"
[[ -x "$APP" ]] || die "$APP is missing"
[[ -x "$TERMINAL" ]] || die "$TERMINAL is missing"
[[ -x "$SERVER_BIN" ]] || die "$SERVER_BIN is missing"
# The binary embeds ui/dist when it is compiled: refuse to test an app built from another ui.
ENTRY="$(grep -o 'assets/index-[A-Za-z0-9_-]*\.js' ui/dist/index.html | head -n 1)"
grep -qaF "$ENTRY" "$APP" || die "$APP does not embed the current ui/dist ($ENTRY); rebuild it: cargo build -p fieldtrail-app"
log "e2e client: npm ci in ui/e2e"
(cd ui/e2e && npm ci --no-audit --no-fund)

# --- Server ----------------------------------------------------------------------------------------------------
log "starting fieldtrail-server on 127.0.0.1 (a free port)"
: >"$WORK/server.log"
"$SERVER_BIN" --data "$WORK/server" --listen 127.0.0.1:0 >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
SERVER=""
for _ in $(seq 1 100); do
  SERVER="$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$WORK/server.log" | head -n 1)"
  [[ -n "$SERVER" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(cat "$WORK/server.log")"
  sleep 0.1
done
[[ -n "$SERVER" ]] || die "the server did not say where it listens: $(cat "$WORK/server.log")"
curl -fsS "$SERVER/healthz" >/dev/null || die "the server at $SERVER is not healthy"
log "server at $SERVER"

# --- Seed: the same set-up as scripts/run.sh --------------------------------------------------------------------
AGENCY="巴彦淖尔市市场监督管理局"
ADMIN=("$SERVER_BIN" --data "$WORK/server" admin --by smoke)
register() { # data-dir
  local id key
  id=$("$TERMINAL" --data "$1" device | awk '/^device id/ {print $3}')
  key=$("$TERMINAL" --data "$1" device | awk '/^public key/ {print $3}')
  "${ADMIN[@]}" register-device --device "$id" --public-key "$key" --agency "$AGENCY" >/dev/null
}
enrol() { # number name photo pin
  local package="$WORK/$1.ftenrol" code
  code=$("${ADMIN[@]}" issue --number "$1" --name "$2" --agency "$AGENCY" \
    --category 食品安全 --category 市场监管 --region 1508 --valid-from 2026-01-01 --valid-to 2030-12-31 \
    --photo "$3" --out "$package" | awk '/^enrolment code:/ {print $3}')
  "$TERMINAL" --data "$DATA" officer enrol --package "$package" --code "$code" --pin "$4" >/dev/null
  rm -f "$package"
}
log "demo authority, terminal $DATA registered, two officers enrolled"
mkdir -p "$DATA"
"${ADMIN[@]}" init-authority --name "内蒙古自治区司法厅（演示）" >/dev/null
register "$DATA"
# SEC-8: the terminal trusts only the authority key its administrator provisions.
"$TERMINAL" --data "$DATA" trust add-authority "$("${ADMIN[@]}" authority | awk '/^public key/ {print $3}')" \
  --name "内蒙古自治区司法厅（演示）" >/dev/null
enrol 15080001 张三 scripts/demo/officer-1.png 482913
enrol 15080002 李四 scripts/demo/officer-2.png 739251
log "demo item catalogue (执法事项清单)"
"$TERMINAL" --data "$DATA" catalogue import scripts/demo/catalogue.json >/dev/null

PARTY_A="呼和浩特市青城食品有限公司"
PARTY_B="包头市鹿城建材商行"
log "seeding two inspections"
"$TERMINAL" --data "$DATA" inspection new \
  --kind inspection --item-code "330217A01000" --item-name "食品生产经营日常监督检查" \
  --category 食品安全 --region 150802 --party-name "$PARTY_A" --agency "$AGENCY" >/dev/null
ID_B="$("$TERMINAL" --data "$DATA" inspection new \
  --kind penalty --item-code "330217B02000" --item-name "建材产品质量监督检查" \
  --category 市场监管 --region 150802 --party-name "$PARTY_B" --agency "$AGENCY")"
"$TERMINAL" --data "$DATA" inspection edit "$ID_B" --status completed --result "责令改正" --end >/dev/null

# --- Media ------------------------------------------------------------------------------------------------------
log "generating a photo and an audio recording"
MEDIA="$WORK/media"
mkdir -p "$MEDIA"
convert -size 1280x960 gradient:'#3a6ea5'-'#e8d9b0' -fill '#2f4f2f' -draw "rectangle 120,520 1160,900" \
  -fill '#c0392b' -draw "rectangle 480,300 800,520" "$MEDIA/photo.jpg"
sox -n -r 16000 -c 1 -b 16 "$MEDIA/audio.wav" synth 3 sine 440 vol 0.3

# --- Tools ------------------------------------------------------------------------------------------------------
command -v WebKitWebDriver >/dev/null || die "WebKitWebDriver is missing: apt-get install -y webkit2gtk-driver"
if ! command -v tauri-driver >/dev/null; then
  log "installing tauri-driver"
  cargo install tauri-driver --locked
  export PATH="$HOME/.cargo/bin:$PATH"
fi
# LANG-1: the app must read on a machine with no CJK or Mongolian font, with only the fonts it brings. The app
# (through tauri-driver and WebKitWebDriver) sees a fontconfig that offers DejaVu alone, whatever this machine has
# installed, so the screenshots are what a bare machine shows; ui/e2e/fonts.e2e.mjs checks that it is so.
DEJAVU=/usr/share/fonts/truetype/dejavu
[[ -d "$DEJAVU" ]] || die "$DEJAVU is missing: apt-get install -y fonts-dejavu-core"
mkdir -p "$WORK/fontconfig/cache"
cat >"$WORK/fontconfig/fonts.conf" <<FONTS
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>$DEJAVU</dir>
  <cachedir>$WORK/fontconfig/cache</cachedir>
  <!-- fonts-dejavu-extra's maths face would otherwise be the best match for sans-serif. -->
  <selectfont><rejectfont><glob>*/DejaVuMathTeXGyre.ttf</glob></rejectfont></selectfont>
  <alias binding="same"><family>sans-serif</family><prefer><family>DejaVu Sans</family></prefer></alias>
  <alias binding="same"><family>serif</family><prefer><family>DejaVu Serif</family></prefer></alias>
  <alias binding="same"><family>monospace</family><prefer><family>DejaVu Sans Mono</family></prefer></alias>
</fontconfig>
FONTS
export FONTCONFIG_FILE="$WORK/fontconfig/fonts.conf"
[[ -z "$(fc-list :lang=zh)$(fc-list :lang=mn-cn)" ]] || die "the test fontconfig still offers a CJK or Mongolian font"
log "fonts: the app sees only $(fc-list : family | sort -u | tr '\n' ',' | sed 's/,$//')"
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
# The app inherits its environment from tauri-driver (through WebKitWebDriver): its data, the sync server, its
# position source (a FIXED position: there is no GPS here; a fake the app records as source "fixed"), and XDG
# directories of its own so that the webview's storage starts empty.
FIXED_POSITION="${FIELDTRAIL_FIXED_POSITION:-40.7574,107.3940,12}"
mkdir -p "$WORK/xdg/data" "$WORK/xdg/config" "$WORK/xdg/cache"
FIELDTRAIL_DATA="$DATA" FIELDTRAIL_SERVER="$SERVER" FIELDTRAIL_FIXED_POSITION="$FIXED_POSITION" \
  XDG_DATA_HOME="$WORK/xdg/data" XDG_CONFIG_HOME="$WORK/xdg/config" XDG_CACHE_HOME="$WORK/xdg/cache" \
  setsid tauri-driver --port "$PORT" --native-port "$NATIVE_PORT" >"$WORK/tauri-driver.log" 2>&1 &
DRIVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/status" >/dev/null 2>&1 && break
  kill -0 "$DRIVER_PID" 2>/dev/null || die "tauri-driver exited: $(cat "$WORK/tauri-driver.log")"
  sleep 0.1
done

# The responsiveness spec imports a generated video: 200 MiB (the figure in docs/benchmarks.md) with E2E_BENCH=1,
# else a small one (still sent in pieces) so that the spec runs on every smoke test and cannot rot.
# The start-up spec seeds the tablet with 10,000 inspections with E2E_BENCH=1 (issue 10, item 8), else 120.
if [[ "${E2E_BENCH:-0}" == 1 ]]; then BENCH_VIDEO_MIB=200; STARTUP_INSPECTIONS=10000; else BENCH_VIDEO_MIB=6; STARTUP_INSPECTIONS=120; fi
SEED_BIN="$TARGET_DIR/debug/seed-inspections"
[[ -x "$SEED_BIN" ]] || die "$SEED_BIN is missing; build it: cargo build -p fieldtrail-tests --bins"
log "e2e: every spec in ui/e2e (a whole inspection first)"
# Specs that need a second terminal or the server (conflicts, shares) get the CLI, the server and a work directory.
(cd ui/e2e && FIELDTRAIL_APP="$APP" E2E_TERMINAL="$TERMINAL" E2E_SERVER="$SERVER" E2E_SERVER_BIN="$SERVER_BIN" \
  E2E_SERVER_DATA="$WORK/server" E2E_DATA="$DATA" E2E_WORK="$WORK" E2E_AGENCY="$AGENCY" E2E_FIXED_POSITION="$FIXED_POSITION" \
  E2E_MEDIA="$MEDIA" E2E_SCREENSHOTS="$SHOTS" E2E_RESULT="$WORK/result.json" E2E_PARTIES="$PARTY_A|$PARTY_B" \
  E2E_BENCH_VIDEO_MIB="$BENCH_VIDEO_MIB" E2E_STARTUP_INSPECTIONS="$STARTUP_INSPECTIONS" E2E_SEED="$SEED_BIN" E2E_FAILURE_DIR="${E2E_FAILURE_DIR:-${TMPDIR:-/tmp}}" TAURI_DRIVER_PORT="$PORT" \
  npm run --silent e2e)

# --- The case on the server -------------------------------------------------------------------------------------
ID="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).id)' "$WORK/result.json")"
log "checking inspection $ID on the server through a second, freshly registered terminal"
CHECK="$WORK/check"
mkdir -p "$CHECK"
register "$CHECK"
"$TERMINAL" --data "$CHECK" sync --server "$SERVER" >/dev/null
"$TERMINAL" --data "$CHECK" inspection show "$ID" --json >"$WORK/case.json"
"$TERMINAL" --data "$CHECK" evidence list "$ID" >"$WORK/evidence.txt"
node - "$WORK/case.json" <<'NODE'
const view = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'))
const i = view.inspection ?? view
const problems = []
if (i.status !== 'locked') problems.push(`status ${i.status}`)
if (i.party?.name !== '临河区惠民食品超市') problems.push(`party ${i.party?.name}`)
if (i.item_code !== 'SCJG-JC-001' || i.category !== '食品安全' || i.legal_basis?.[0]?.article !== '第一百一十条')
  problems.push(`item from the catalogue: ${i.item_code} ${i.category} ${JSON.stringify(i.legal_basis)}`)
const presenters = new Set((i.presentations ?? []).map((p) => p.certificate_number))
if (!presenters.has('15080001') || !presenters.has('15080002')) problems.push(`presented: ${[...presenters]}`)
if (!(i.checklist ?? []).every((c) => c.result === 'pass')) problems.push('checklist not all pass')
if (i.result !== '责令改正：补齐冷藏柜温度记录') problems.push(`result ${i.result}`)
const amendment = (i.amendments ?? [])[0]
if ((i.amendments ?? []).length !== 1 || !amendment.before.includes('未发现违法行为') || amendment.by !== '15080001')
  problems.push(`amendments ${JSON.stringify(i.amendments)}`)
if (!i.party_signature?.signed || !/^[0-9a-f]{64}$/.test(i.party_signature.evidence ?? ''))
  problems.push(`party signature ${JSON.stringify(i.party_signature)}`)
if ((i.interferences ?? []).length !== 1 || i.interferences[0].recorded_by !== '15080001')
  problems.push(`interferences ${JSON.stringify(i.interferences)}`)
// REC-1: the start position travelled with the case (the app ran with the fixed, fake position source).
if (i.position?.state !== 'fix' || i.position.source !== 'fixed') problems.push(`position ${JSON.stringify(i.position)}`)
if (problems.length) { console.error(`the server's copy is wrong: ${problems.join('; ')}`); process.exit(1) }
console.log(`server copy: ${i.item_name} / ${i.party.name} / ${i.status} / presented by ${[...presenters].join(', ')}`)
NODE
HASHES=$(grep -oE '\b[0-9a-f]{64}\b' "$WORK/evidence.txt" | sort -u)
[[ $(wc -l <<<"$HASHES") -eq 3 ]] || die "expected three evidence items (photo, audio, party's signature) on the server's copy, got: $(cat "$WORK/evidence.txt")"
# REC-2: each capture on the server's copy carries its position, and its signature (covering it) verifies.
[[ $(grep -c '(fixed)\].*  signed  ' "$WORK/evidence.txt") -eq 3 ]] \
  || die "expected three signed evidence items with the fixed position, got: $(cat "$WORK/evidence.txt")"
for sha in $HASHES; do
  stored=$(sqlite3 "file:$WORK/server/server.db?mode=ro" "SELECT count(*) FROM blobs WHERE sha256 = '$sha'")
  [[ "$stored" == 1 ]] || die "the server does not hold evidence $sha"
done
echo "server holds the three evidence files: $(tr '\n' ' ' <<<"$HASHES")"
log "app smoke test passed; screenshots in docs/screenshots/"
