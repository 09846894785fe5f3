#!/usr/bin/env bash
# Case intake over HTTP under wrk: POST /api/v1/cases (JSON, bearer token: validate, locate the grid,
# route to the community, first deadlines, hash-chained timeline entry, rollups, live event — one
# transaction) at 32 connections for DURATION, against a trivial route of the same server in the same
# run (GET /health: one database round trip, no work). Release build; the demo city without history.
# Then, in the same run and on the same database kind: ticket creation of django-helpdesk (PyPI,
# its REST API with a DRF token, gunicorn with 2 × cores + 1 workers), and on PostgreSQL the
# database's own ceiling — pgbench at 32 clients, one single-row INSERT per transaction.
#   benchmarks/intake.sh [sqlite|postgres] [DURATION]      (defaults sqlite, 30s)
set -euo pipefail
cd "$(dirname "$0")/.."
KIND="${1:-sqlite}"; DURATION="${2:-30s}"; PORT="${BENCH_PORT:-8099}"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
BIN="$(swift build -c "${BENCH_BUILD:-release}" --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build -c "${BENCH_BUILD:-release}" --product civicgrid
WORK="$(mktemp -d)"
export UPLOAD_DIR="$WORK/uploads" LOG_LEVEL=warning
if [ "$KIND" = postgres ]; then
  PGPORT="${PGPORT:-5433}"
  export DATABASE_URL="$(scripts/pg-fresh-db civicgrid_intake)"
else
  export DATABASE_PATH="$WORK/intake.sqlite"
fi
export CIVICGRID_SECRET="$(head -c 48 /dev/urandom | base64 -w0)" PUBLIC_URL="http://127.0.0.1"  # serve runs only on a real secret and address
"$BIN" demo --no-serve --cases 0 --people-per-grid 0 >/dev/null 2>&1
"$BIN" serve --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
BASE="http://127.0.0.1:$PORT"
. benchmarks/intake-client.sh
intake_client "$BASE" "$WORK/post.lua"
# A first request checks the body is accepted.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
  -d "{\"categoryID\":\"$CATEGORY\",\"title\":\"压测\",\"channel\":\"wechatGroup\",\"latitude\":27.9242,\"longitude\":113.0599}" "$BASE/api/v1/cases")
[ "$code" = 201 ] || { echo "intake answered $code"; cat "$WORK/server.log"; exit 1; }
echo "--- baseline: GET /health"
wrk -t2 -c32 -d"$DURATION" --latency "$BASE/health" | tee "$WORK/health.txt"
echo "--- intake: POST /api/v1/cases"
wrk -t2 -c32 -d"$DURATION" --latency -s "$WORK/post.lua" "$BASE/api/v1/cases" | tee "$WORK/intake.txt"
kill $SERVER; wait $SERVER 2>/dev/null || true

echo "--- django-helpdesk: POST /helpdesk/api/tickets/"
HD_PORT=$((PORT + 1))
if [ "$KIND" = postgres ]; then
  HD_URL="$(scripts/pg-fresh-db helpdesk_bench)"; HD_URL="${HD_URL%\?*}"
else
  HD_URL="sqlite:///$WORK/helpdesk.sqlite"
fi
read -r HD_PID HD_TOKEN HD_QUEUE < <(benchmarks/helpdesk/serve.sh "$HD_PORT" "$HD_URL" | tail -n 1)
trap 'kill $SERVER $HD_PID 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
cat > "$WORK/helpdesk.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token $HD_TOKEN"
wrk.body = '{"queue":$HD_QUEUE,"title":"压测：小区垃圾未清运","description":"新桥路 3 号","submitter_email":"resident@example.org","priority":3}'
LUA
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: Token $HD_TOKEN" \
  -d "{\"queue\":$HD_QUEUE,\"title\":\"压测\",\"description\":\"x\",\"submitter_email\":\"a@example.org\",\"priority\":3}" "http://127.0.0.1:$HD_PORT/helpdesk/api/tickets/")
[ "$code" = 201 ] || { echo "django-helpdesk answered $code"; exit 1; }
wrk -t2 -c32 -d"$DURATION" --latency -s "$WORK/helpdesk.lua" "http://127.0.0.1:$HD_PORT/helpdesk/api/tickets/" | tee "$WORK/helpdesk.txt"
kill "$HD_PID"

: > "$WORK/pgbench.txt"
if [ "$KIND" = postgres ]; then
  echo "--- PostgreSQL ceiling: pgbench, single-row INSERT transactions, 32 clients"
  PGBENCH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pgbench"
  PGPASSWORD=civicgrid psql -h 127.0.0.1 -p "$PGPORT" -U civicgrid -d civicgrid_intake -qc \
    'DROP TABLE IF EXISTS bench_insert; CREATE TABLE bench_insert (id bigserial PRIMARY KEY, title text NOT NULL, at timestamptz NOT NULL DEFAULT now())'
  echo "INSERT INTO bench_insert (title) VALUES ('压测：小区垃圾未清运');" > "$WORK/insert.sql"
  PGPASSWORD=civicgrid "$PGBENCH" -h 127.0.0.1 -p "$PGPORT" -U civicgrid -n -c 32 -j 2 -T "${DURATION%s}" -f "$WORK/insert.sql" civicgrid_intake | tee "$WORK/pgbench.txt"
fi

python3 - "$WORK" "$KIND" <<'PY'
import re, subprocess, sys
work, kind = sys.argv[1], sys.argv[2]
def read(name):
    t = open(f"{work}/{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return rps, p99, int(bad.group(1)) if bad else 0
h, i, d = read("health"), read("intake"), read("helpdesk")
rec = lambda *a: subprocess.run(["benchmarks/record.py", *map(str, a)], check=True)
db = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[kind]
ratio = i[0] / h[0]
rec(f"intake-{kind}", f"case intake over HTTP, {db}, wrk 32 connections",
    f"{i[0]:,.0f} req/s, p99 {i[1]:.1f} ms, {i[2]} errors", f"GET /health {h[0]:,.0f} req/s, p99 {h[1]:.1f} ms",
    f"{ratio:.3f}", "≥ 0.35, p99 ≤ 20 ms", "yes" if ratio >= 0.35 and i[1] <= 20 and i[2] == 0 else "no")
rec(f"intake-{kind}-helpdesk", f"case intake vs django-helpdesk ticket creation, {db}",
    f"{i[0]:,.0f} req/s, p99 {i[1]:.1f} ms", f"django-helpdesk 2.6.1 {d[0]:,.0f} req/s, p99 {d[1]:.1f} ms, {d[2]} errors",
    f"{i[0] / d[0]:.1f}×", "≥ 10×", "yes" if i[0] / d[0] >= 10 else "no")
t = open(f"{work}/pgbench.txt").read()
m = re.search(r"tps = ([\d.]+)", t)
if m:
    tps = float(m.group(1))
    rec(f"intake-{kind}-pgbench", "case intake as a share of PostgreSQL's single-row INSERT ceiling",
        f"{i[0]:,.0f} intakes/s (batched writes)", f"pgbench 32 clients {tps:,.0f} tps", f"{i[0] / tps:.2f}", "(context)", "-")
PY
