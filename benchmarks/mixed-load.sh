#!/usr/bin/env bash
# Server memory under a long mixed load: the release server on SQLite with the demo city (400 cases
# of history), wrk at 16 connections for MINUTES minutes sending a mix of what the platform's users
# do — 10 % new cases (intake), case lists and case pages, the big-screen board, the queue page,
# categories, the map layer, health checks — while the server's resident memory (VmRSS) is sampled
# every 10 seconds. Baseline, same run: the same server's RSS idle after start-up.
#   benchmarks/mixed-load.sh [MINUTES]      (default 30; CI runs 0.2)
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${1:-30}"; PORT="${BENCH_PORT:-8097}"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
BIN="$(swift build -c "${BENCH_BUILD:-release}" --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build -c "${BENCH_BUILD:-release}" --product civicgrid
WORK="$(mktemp -d)"
export DATABASE_PATH="$WORK/mixed.sqlite" UPLOAD_DIR="$WORK/uploads" LOG_LEVEL=warning
export CIVICGRID_SECRET="$(head -c 48 /dev/urandom | base64 -w0)" PUBLIC_URL="http://127.0.0.1"  # serve runs only on a real secret and address
"$BIN" demo --no-serve --cases 400 --people-per-grid 5 >/dev/null 2>&1
"$BIN" serve --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$BASE/health" >/dev/null 2>&1 && break; sleep 0.2; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
sleep 3; IDLE=$(rss)
TOKEN=$(curl -fs -H 'Content-Type: application/json' -d '{"username":"qu-zx","password":"demo1234"}' "$BASE/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
CATEGORY=$(curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/categories" | python3 -c 'import json,sys; print(next(c["id"] for c in json.load(sys.stdin) if c["code"] == "HJ01"))')
IDS=$(curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/cases?limit=50" | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("items", d) if isinstance(d, dict) else d; print(",".join("\"%s\"" % c["id"] for c in d[:50]))')
[ -n "$IDS" ] || { echo "no cases listed"; exit 1; }
cat > "$WORK/mixed.lua" <<LUA
local ids = {$IDS}
local auth = {["Authorization"] = "Bearer $TOKEN"}
local post = {["Authorization"] = "Bearer $TOKEN", ["Content-Type"] = "application/json"}
local body = '{"categoryID":"$CATEGORY","title":"混合负载：路灯不亮","description":"新桥路","channel":"wechatGroup","latitude":27.9242,"longitude":113.0599}'
local n = 0
request = function()
  n = n + 1
  local k = n % 10
  if k == 0 then return wrk.format("POST", "/api/v1/cases", post, body) end
  if k == 1 then return wrk.format("GET", "/api/v1/cases?status=reported", auth) end
  if k == 2 or k == 3 then return wrk.format("GET", "/api/v1/cases/" .. ids[(n % #ids) + 1], auth) end
  if k == 4 then return wrk.format("GET", "/dashboard/board", auth) end
  if k == 5 then return wrk.format("GET", "/cases", auth) end
  if k == 6 then return wrk.format("GET", "/api/v1/categories", auth) end
  if k == 7 then return wrk.format("GET", "/api/v1/map/layers/areas", auth) end
  return wrk.format("GET", "/health")
end
LUA
SECONDS_TOTAL=$(python3 -c "print(max(5, int(float('$MINUTES') * 60)))")
: > "$WORK/rss.txt"
( while kill -0 $SERVER 2>/dev/null; do echo "$(date +%s) $(rss)" >> "$WORK/rss.txt"; sleep 10; done ) &
SAMPLER=$!
wrk -t2 -c16 -d"${SECONDS_TOTAL}s" --latency -s "$WORK/mixed.lua" "$BASE" | tee "$WORK/wrk.txt"
echo "$(date +%s) $(rss)" >> "$WORK/rss.txt"
kill $SAMPLER 2>/dev/null || true
python3 - "$WORK" "$IDLE" "$MINUTES" <<'PY'
import re, subprocess, sys
work, idle, minutes = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
samples = [int(l.split()[1]) for l in open(f"{work}/rss.txt") if len(l.split()) == 2]
t = open(f"{work}/wrk.txt").read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
bad = int(bad.group(1)) if bad else 0
peak, last = max(samples), samples[-1]
# Flat: the second half of the run grows by less than 10 % over the first half's peak.
half = samples[: max(1, len(samples) // 2)]
growth = (last - max(half)) / max(half)
mb = lambda kb: kb / 1024
step = max(1, len(samples) // 6)
curve = ", ".join(f"{mb(samples[i]):.0f}" for i in range(0, len(samples), step)) + f", {mb(last):.0f}"
print(f"RSS every {step * 10} s (MB): {curve}")
print(f"RSS idle {mb(idle):.0f} MB, peak {mb(peak):.0f} MB, last {mb(last):.0f} MB, growth over the second half {growth * 100:+.1f} %; {rps:,.0f} req/s, {bad} not 2xx/3xx")
subprocess.run(["benchmarks/record.py", "mixed-load-rss", f"server RSS under {minutes:g} minutes of mixed load (SQLite, 16 connections)",
                f"peak {mb(peak):.0f} MB, last {mb(last):.0f} MB ({growth * 100:+.1f} % over the second half), {rps:,.0f} req/s, {bad} errors",
                f"idle after start {mb(idle):.0f} MB", f"{peak / idle:.2f}", "≤ 250 MB, flat",
                "yes" if mb(peak) <= 250 and growth < 0.10 and bad == 0 else "no", f"RSS every {step * 10} s (MB): {curve}"], check=True)
PY
