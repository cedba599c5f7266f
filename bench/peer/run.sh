#!/usr/bin/env bash
# Peer benchmark: automerge's published sync server (@automerge/automerge-repo-sync-server) on 127.0.0.1,
# measured with the shapes of tests/benches/sync.rs. Not part of CI. Figures: docs/benchmarks.md ("## Sync").
#
#   bench/peer/run.sh
#   PEER_DOCS=1000 PEER_EDITS=5 PEER_IDLE_DOCS=1000,10000 PEER_QUIET_MS=1000 PEER_PHASE_TIMEOUT_S=600 bench/peer/run.sh
#
# Installs with `npm ci`, starts the server on a free port with a fresh data directory, runs bench.mjs
# (which talks to the server only through a counting proxy on 127.0.0.1), and stops the server on exit.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --yes --no-audit --no-fund --loglevel=error >/dev/null

# A free port: ask the kernel for one on 127.0.0.1.
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ft-peer-server-XXXXXX")
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The server listens on all interfaces (it takes no host setting); the benchmark reaches it on 127.0.0.1 only.
# Started from $WORK so that its `express.static("public")` and data directory are throwaway.
(cd "$WORK" && exec env PORT="$PORT" DATA_DIR="$WORK/data" \
  node "$OLDPWD/node_modules/@automerge/automerge-repo-sync-server/src/index.js" >"$WORK/server.log" 2>&1) &
SERVER_PID=$!

for _ in $(seq 1 100); do
  if grep -q "Listening on port" "$WORK/server.log" 2>/dev/null; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/server.log" >&2; echo "server did not start" >&2; exit 1; fi
  sleep 0.1
done
grep -q "Listening on port" "$WORK/server.log" || { echo "server did not start within 10 s" >&2; exit 1; }

echo "automerge-repo-sync-server $(node -p 'require("./node_modules/@automerge/automerge-repo-sync-server/package.json").version')," \
  "automerge-repo $(node -p 'require("./node_modules/@automerge/automerge-repo/package.json").version')," \
  "automerge $(node -p 'require("./node_modules/@automerge/automerge/package.json").version'), node $(node --version)"

PEER_PORT="$PORT" PEER_DATA_DIR="$WORK/data" PEER_RESULTS="${PEER_RESULTS:-$WORK/results.json}" \
  timeout "${PEER_TOTAL_TIMEOUT_S:-1800}" node bench.mjs
