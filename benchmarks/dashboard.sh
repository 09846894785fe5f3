#!/usr/bin/env bash
# The command center's board at province scale: `civicgrid generate` adds CASES synthetic cases
# (default 10,000,000, over 12 months) to the demo city in a PostgreSQL database of their own, then
# `civicgrid bench-dashboard` times the district board as `/dashboard/board` serves it (figures from
# the rollups, lists from indexed queries, the fragment rendered) against the same figures counted
# from the cases table by full scans, in the same process on the same database. Goal: p95 ≤ 50 ms.
#   benchmarks/dashboard.sh [CASES]      (needs PostgreSQL: scripts/pg-start; a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${1:-10000000}"
PGPORT="${PGPORT:-5433}"
BIN="$(swift build -c "${BENCH_BUILD:-release}" --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build -c "${BENCH_BUILD:-release}" --product civicgrid
export DATABASE_URL="$(scripts/pg-fresh-db civicgrid_bench)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export UPLOAD_DIR="$WORK/uploads"
/usr/bin/time -f "generate: %e s, peak RSS %M KB" "$BIN" generate --cases "$CASES" --months 12
"$BIN" bench-dashboard --runs "${RUNS:-200}" --naive-runs "${NAIVE_RUNS:-5}" | tee "$WORK/out"
python3 - "$WORK/out" <<'PY'
import json, subprocess, sys
line = [l for l in open(sys.argv[1]) if l.startswith("{")][-1]
d = json.loads(line)
subprocess.run(["benchmarks/record.py", "dashboard", f"district board, {d['cases']:,} cases (PostgreSQL)",
                f"p95 {d['board_p95_ms']:.1f} ms (p50 {d['board_p50_ms']:.1f}), from the rollups, rendered",
                f"same figures counted from cases: p95 {d['naive_p95_ms']:,.0f} ms", f"{d['ratio_p95']:,.0f}×", "p95 ≤ 50 ms",
                "yes" if d['board_p95_ms'] <= 50 else "no"], check=True)
PY
