#!/usr/bin/env bash
# Runs FieldTrail on this machine: the sync server on its embedded SQLite store (127.0.0.1:8787, data in
# .fieldtrail/server), then the officer's app pointed at it (terminal data in .fieldtrail/terminal). The first
# run seeds two demo inspections. Without a display the app runs under Xvfb. Ctrl-C stops both.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
LISTEN="${FIELDTRAIL_LISTEN:-127.0.0.1:8787}"
SERVER="http://$LISTEN"
STATE="$ROOT/.fieldtrail"

bash scripts/setup.sh
echo "==> building the ui, the server, the terminal CLI and the app"
(cd ui && npm run build --silent)
cargo build -p fieldtrail-server -p fieldtrail-terminal -p fieldtrail-app
BIN="$CARGO_TARGET_DIR/debug"

mkdir -p "$STATE"
"$BIN/fieldtrail-server" --data "$STATE/server" --listen "$LISTEN" &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fsS "$SERVER/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$SERVER/healthz" >/dev/null || { echo "run: the server did not start on $LISTEN" >&2; exit 1; }

TERMINAL=("$BIN/fieldtrail-terminal" --data "$STATE/terminal")
if [[ -z "$("${TERMINAL[@]}" inspection list)" ]]; then
  echo "==> seeding two demo inspections"
  "${TERMINAL[@]}" inspection new --item-code 330217A01000 --item-name "食品生产经营日常监督检查" \
    --agency "巴彦淖尔市市场监督管理局" --party-name "临河区某超市" --basis "中华人民共和国食品安全法:第八十七条" \
    --officer "15080001:张三" --officer "15080002:李四" --check "证照是否齐全" --check "冷藏温度是否达标" \
    --latitude 40.7574 --longitude 107.3877 --address "临河区新华街" >/dev/null
  "${TERMINAL[@]}" inspection new --kind inspection --item-code AJ-0203 --item-name "非煤矿山安全检查" \
    --agency "乌拉特前旗应急管理局" --party-name "某石料厂" --officer "15080003:王五" --officer "15080004:赵六" \
    --check "安全出口" --check "爆破作业记录" >/dev/null
  "${TERMINAL[@]}" sync --server "$SERVER"
fi

echo "==> FieldTrail app (server $SERVER)"
export FIELDTRAIL_DATA="$STATE/terminal" FIELDTRAIL_SERVER="$SERVER"
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  "$BIN/fieldtrail-app"
else
  echo "   no display: running the app under Xvfb"
  xvfb-run -a -s "-screen 0 1280x800x24" "$BIN/fieldtrail-app"
fi
