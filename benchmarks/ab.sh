#!/usr/bin/env bash
# A/B in one run: the same load against two builds — this checkout and an earlier commit (built in a
# worktree) — alternating A B A B on one machine, each against its own /health baseline, so a
# refactoring's cost shows as a change of ratio rather than of machine noise.
#   benchmarks/ab.sh <commit> [DURATION]     e.g. benchmarks/ab.sh 6f69f3b 20s
# Loads: case intake (POST /api/v1/cases, as benchmarks/intake.sh) and the case list page
# (GET /cases?tab=all, 30 rows with their links, as an operator). SQLite, release builds.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD="${1:?commit to compare with}"; DURATION="${2:-20s}"; PORT="${BENCH_PORT:-8097}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
TREE="${AB_WORKTREE:-/tmp/civicgrid-ab-$OLD}"
[ -d "$TREE" ] || git worktree add --detach "$TREE" "$OLD" >/dev/null
(cd "$TREE" && swift build -c release --product civicgrid >/dev/null)
swift build -c release --product civicgrid >/dev/null
A="$(cd "$TREE" && swift build -c release --show-bin-path)/civicgrid"
B="$(swift build -c release --show-bin-path)/civicgrid"
OUT="$(mktemp -d)"
. benchmarks/intake-client.sh
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$OUT"' EXIT

run() {  # run <label> <binary> <tree>
  local label="$1" bin="$2" tree="$3" work; work="$(mktemp -d)"
  ( cd "$tree"
    export DATABASE_PATH="$work/ab.sqlite" UPLOAD_DIR="$work/uploads" LOG_LEVEL=warning
    export CIVICGRID_SECRET="$(head -c 48 /dev/urandom | base64 -w0)" PUBLIC_URL="http://127.0.0.1"
    "$bin" demo --no-serve --cases 300 --people-per-grid 0 >/dev/null 2>&1
    "$bin" serve --port "$PORT" >"$work/server.log" 2>&1 & echo $! > "$work/pid" )
  local base="http://127.0.0.1:$PORT"
  for _ in $(seq 1 150); do curl -fs "$base/health" >/dev/null 2>&1 && break; sleep 0.2; done
  intake_client "$base" "$work/post.lua"
  cat > "$work/page.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
  wrk -t2 -c32 -d"$DURATION" "$base/health" > "$OUT/$label-health.txt"
  wrk -t2 -c32 -d"$DURATION" -s "$work/page.lua" "$base/cases?tab=all" > "$OUT/$label-page.txt"
  wrk -t2 -c32 -d"$DURATION" -s "$work/post.lua" "$base/api/v1/cases" > "$OUT/$label-intake.txt"
  kill "$(cat "$work/pid")"; wait 2>/dev/null || true; rm -rf "$work"
}

run A1 "$A" "$TREE"; run B1 "$B" "$PWD"; run A2 "$A" "$TREE"; run B2 "$B" "$PWD"
python3 - "$OUT" "$OLD" <<'PY'
import re, sys
out, old = sys.argv[1], sys.argv[2]
def rps(name):
    t = open(f"{out}/{name}.txt").read()
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    if bad: print(f"  {name}: {bad.group(1)} non-2xx responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
print(f"A = {old}, B = this checkout; each load as a share of the same server's GET /health")
for load in ("intake", "page"):
    for side in ("A", "B"):
        ratios = [rps(f"{side}{i}-{load}") / rps(f"{side}{i}-health") for i in (1, 2)]
        figures = ", ".join(f"{rps(f'{side}{i}-{load}'):,.0f} req/s ({r:.3f})" for i, r in zip((1, 2), ratios))
        print(f"{load:7s} {side}: {figures}; mean ratio {sum(ratios) / 2:.3f}")
PY
