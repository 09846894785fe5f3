#!/usr/bin/env bash
# Case intake over HTTP under wrk: POST /api/v1/cases (JSON, bearer token: validate, locate the grid,
# route to the community, first deadlines, hash-chained timeline entry, rollups, live event — one
# transaction) at 32 connections for DURATION, against a trivial route of the same server in the same
# run (GET /health: one database round trip, no work). Release build; the demo city without history.
#   benchmarks/intake.sh [sqlite|postgres] [DURATION]      (defaults sqlite, 30s)
set -euo pipefail
cd "$(dirname "$0")/.."
KIND="${1:-sqlite}"; DURATION="${2:-30s}"; PORT="${BENCH_PORT:-8099}"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
BIN="$(swift build -c release --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build -c release --product civicgrid
WORK="$(mktemp -d)"
export UPLOAD_DIR="$WORK/uploads" LOG_LEVEL=warning
if [ "$KIND" = postgres ]; then
  PGPORT="${PGPORT:-5433}"
  scripts/pg-start
  as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
  as_pg "psql -h 127.0.0.1 -p $PGPORT -U postgres -qc 'DROP DATABASE IF EXISTS civicgrid_intake'"
  as_pg "psql -h 127.0.0.1 -p $PGPORT -U postgres -qc 'CREATE DATABASE civicgrid_intake OWNER civicgrid'"
  export DATABASE_URL="postgres://civicgrid:civicgrid@127.0.0.1:$PGPORT/civicgrid_intake?tlsmode=disable"
else
  export DATABASE_PATH="$WORK/intake.sqlite"
fi
"$BIN" demo --no-serve --cases 0 --people-per-grid 0 >/dev/null 2>&1
"$BIN" serve --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
BASE="http://127.0.0.1:$PORT"
TOKEN=$(curl -fs -H 'Content-Type: application/json' -d '{"username":"sq01-zx","password":"demo1234"}' "$BASE/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
CATEGORY=$(curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/categories" | python3 -c 'import json,sys; print(next(c["id"] for c in json.load(sys.stdin) if c["code"] == "HJ01"))')
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
-- a point inside 新桥社区第1网格: the intake locates the grid itself
wrk.body = '{"categoryID":"$CATEGORY","title":"压测：小区垃圾未清运","description":"新桥路 3 号","channel":"wechatGroup","latitude":27.9242,"longitude":113.0599}'
LUA
# A first request checks the body is accepted.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
  -d "{\"categoryID\":\"$CATEGORY\",\"title\":\"压测\",\"channel\":\"wechatGroup\",\"latitude\":27.9242,\"longitude\":113.0599}" "$BASE/api/v1/cases")
[ "$code" = 201 ] || { echo "intake answered $code"; cat "$WORK/server.log"; exit 1; }
echo "--- baseline: GET /health"
wrk -t2 -c32 -d"$DURATION" --latency "$BASE/health" | tee "$WORK/health.txt"
echo "--- intake: POST /api/v1/cases"
wrk -t2 -c32 -d"$DURATION" --latency -s "$WORK/post.lua" "$BASE/api/v1/cases" | tee "$WORK/intake.txt"
python3 - "$WORK/health.txt" "$WORK/intake.txt" "$KIND" <<'PY'
import re, sys
def read(path):
    t = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return rps, p99, int(bad.group(1)) if bad else 0
h, i = read(sys.argv[1]), read(sys.argv[2])
print()
print(f"| case intake over HTTP, {sys.argv[3]}, wrk 32 connections | ours {i[0]:,.0f} req/s, p99 {i[1]:.1f} ms, {i[2]} errors "
      f"| baseline GET /health {h[0]:,.0f} req/s, p99 {h[1]:.1f} ms | ratio {i[0] / h[0]:.2f} |")
PY
