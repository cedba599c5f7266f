#!/usr/bin/env bash
# Runs FieldTrail on this machine: the sync server on its embedded SQLite store (127.0.0.1:8787, data in
# .fieldtrail/server), then the officer's app pointed at it (terminal data in .fieldtrail/terminal). The first
# run sets up a demo issuing authority, registers the app's terminal and provisions it with the authority's key,
# enrols two demo officers (their PINs are printed), imports the demo item catalogue (scripts/demo/catalogue.json)
# and seeds two demo inspections.
# Without a display the app runs under Xvfb. Ctrl-C stops both.
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
ADMIN=("$BIN/fieldtrail-server" --data "$STATE/server" admin --by demo)
if [[ ! -f "$STATE/server/authority.key" ]]; then
  echo "==> demo issuing authority"
  "${ADMIN[@]}" init-authority --name "内蒙古自治区司法厅（演示）"
fi
DEVICE_ID=$("${TERMINAL[@]}" device | awk '/^device id/ {print $3}')
DEVICE_KEY=$("${TERMINAL[@]}" device | awk '/^public key/ {print $3}')
if ! "${ADMIN[@]}" devices | grep -q "^$DEVICE_ID "; then
  echo "==> registering this terminal ($DEVICE_ID)"
  "${ADMIN[@]}" register-device --device "$DEVICE_ID" --public-key "$DEVICE_KEY" --agency "巴彦淖尔市市场监督管理局"
fi
# SEC-8: the terminal trusts only the authority key its administrator provisions (again on every run: a
# terminal.db from before provisioning existed trusts nothing until then).
"${TERMINAL[@]}" trust add-authority "$("${ADMIN[@]}" authority | awk '/^public key/ {print $3}')" \
  --name "$("${ADMIN[@]}" authority | sed -n 's/^authority *//p')" >/dev/null
enrol() { # number name photo pin
  local package="$STATE/$1.ftenrol" code
  code=$("${ADMIN[@]}" issue --number "$1" --name "$2" --agency "巴彦淖尔市市场监督管理局" \
    --category 食品安全 --category 市场监管 --region 1508 --valid-from 2026-01-01 --valid-to 2030-12-31 \
    --photo "$3" --out "$package" | awk '/^enrolment code:/ {print $3}')
  "${TERMINAL[@]}" officer enrol --package "$package" --code "$code" --pin "$4"
  rm -f "$package"
}
if [[ -z "$("${TERMINAL[@]}" officer list)" ]]; then
  echo "==> enrolling two demo officers"
  enrol 15080001 张三 scripts/demo/officer-1.png 482913
  enrol 15080002 李四 scripts/demo/officer-2.png 739251
fi
echo "   demo officers: 15080001 张三, PIN 482913; 15080002 李四, PIN 739251"
if [[ -z "$("${TERMINAL[@]}" catalogue list)" ]]; then
  echo "==> importing the demo item catalogue (执法事项清单)"
  "${TERMINAL[@]}" catalogue import scripts/demo/catalogue.json
fi

if [[ -z "$("${TERMINAL[@]}" inspection list)" ]]; then
  # Both belong to the terminal's agency: the server refuses a case that names another (SEC-1).
  echo "==> seeding two demo inspections"
  "${TERMINAL[@]}" inspection new --item SCJG-JC-001 --region 150802 \
    --agency "巴彦淖尔市市场监督管理局" --party-name "临河区某超市" \
    --officer "15080001:张三" --officer "15080002:李四" \
    --latitude 40.7574 --longitude 107.3877 --address "临河区新华街" >/dev/null
  "${TERMINAL[@]}" inspection new --kind inspection --item-code AJ-0203 --item-name "非煤矿山安全检查" \
    --category 市场监管 --region 150821 \
    --agency "巴彦淖尔市市场监督管理局" --party-name "某石料厂" --officer "15080003:王五" --officer "15080004:赵六" \
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
