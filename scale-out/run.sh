#!/usr/bin/env bash
# Two app instances behind haproxy (Debian package) on one PostgreSQL, and the checks that this is
# safe (scale-out/check.py): requests spread over both; a change made through one instance is seen
# at once by the other (role assignments, area names: the reference generation); a removed role stops
# working on both; and with both sweepers running every 2 seconds, each missed deadline is marked and
# put on the negative list exactly once (advisory lock).
#   scale-out/run.sh        (needs a build: uses the debug binary unless BENCH_BUILD=release)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v haproxy >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "haproxy is not installed: sudo apt-get install haproxy" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
fi
BIN="$(swift build -c "${BENCH_BUILD:-debug}" --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build -c "${BENCH_BUILD:-debug}" --product civicgrid
WORK="$(mktemp -d)"
export DATABASE_URL="$(scripts/pg-fresh-db civicgrid_scaleout)"
export UPLOAD_DIR="$WORK/uploads" LOG_LEVEL=warning SWEEP_INTERVAL_SECONDS=2
export CIVICGRID_SECRET="$(head -c 48 /dev/urandom | base64 -w0)" PUBLIC_URL="http://127.0.0.1"  # serve runs only on a real secret and address
"$BIN" demo --no-serve --cases 200 --people-per-grid 0 >/dev/null
PORT_A=8111; PORT_B=8112; LB_PORT=8110
"$BIN" serve --port $PORT_A >"$WORK/a.log" 2>&1 & A=$!
"$BIN" serve --port $PORT_B >"$WORK/b.log" 2>&1 & B=$!
sed "s/@LB_PORT@/$LB_PORT/; s/@PORT_A@/$PORT_A/; s/@PORT_B@/$PORT_B/" scale-out/haproxy.cfg.in > "$WORK/haproxy.cfg"
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 & H=$!
trap 'kill $A $B $H 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
for port in $PORT_A $PORT_B $LB_PORT; do
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
done
sleep 2  # haproxy's first health checks
python3 scale-out/check.py --lb "http://127.0.0.1:$LB_PORT" --a "http://127.0.0.1:$PORT_A" --b "http://127.0.0.1:$PORT_B" \
  --database-url "${DATABASE_URL%\?*}"
