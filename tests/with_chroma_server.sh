#!/usr/bin/env bash
# Run a command against a fresh `chroma run` server on a free loopback port:
#   tests/with_chroma_server.sh python -m pytest -m server ...
# Starts the server, waits for its heartbeat, exports NEWSBOT_TEST_CHROMA_URL, runs the
# command, then stops the server by its pid (also when the command fails).
set -euo pipefail
BIN="$(cd "$(dirname "$0")/.." && pwd)/.venv/bin"
dir=$(mktemp -d -t newsbot-chroma-XXXXXX)
port=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ANONYMIZED_TELEMETRY=False "$BIN/chroma" run --path "$dir/db" --host 127.0.0.1 --port "$port" >"$dir/chroma.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 60); do
  if "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/api/v2/heartbeat', timeout=2)" 2>/dev/null; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || { echo "chroma run exited:"; cat "$dir/chroma.log"; exit 1; }
  sleep 1
done
echo "chroma server (pid $pid) on http://127.0.0.1:$port"
NEWSBOT_TEST_CHROMA_URL="http://127.0.0.1:$port" "$@"
