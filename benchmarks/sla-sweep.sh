#!/usr/bin/env bash
# The minute's SLA sweep over OPEN open cases on PostgreSQL (`civicgrid bench-sweep`): OPEN open
# cases each with a running deadline, as many closed ones with met deadlines, PER_MINUTE deadlines
# falling due in each of 5 swept minutes; the sweep marks them, writes the negative list, the
# notifications and the rollups. Baseline, same run: reading every open deadline and comparing in memory.
#   benchmarks/sla-sweep.sh [OPEN] [PER_MINUTE]      (defaults 1000000, 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
OPEN="${1:-1000000}"; PER_MINUTE="${2:-1000}"
BIN="$(swift build -c "${BENCH_BUILD:-release}" --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build -c "${BENCH_BUILD:-release}" --product civicgrid
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
export DATABASE_URL="$(scripts/pg-fresh-db civicgrid_sweep)" UPLOAD_DIR="$WORK/uploads" LOG_LEVEL=warning
"$BIN" bench-sweep --open "$OPEN" --history "$OPEN" --per-minute "$PER_MINUTE" | tee "$WORK/out.txt"
python3 - "$WORK/out.txt" <<'PY'
import re, subprocess, sys
t = open(sys.argv[1]).read()
m = re.search(r"RESULT open=(\d+) perMinute=(\d+) p50=([\d.]+) worst=([\d.]+) naive=([\d.]+)", t)
n, k, p50, worst, naive = int(m[1]), int(m[2]), float(m[3]), float(m[4]), float(m[5])
subprocess.run(["benchmarks/record.py", "sla-sweep", f"SLA sweep, {n:,} open cases (+ {n:,} closed), {k:,} deadlines falling due per minute (PostgreSQL)",
                f"p50 {p50:,.0f} ms, worst {worst:,.0f} ms (marking, negative list, notifications, rollups)",
                f"reading every open deadline: {naive:,.0f} ms", f"{naive / p50:.1f}×", "≤ 1 s", "yes" if worst <= 1000 else "no"], check=True)
PY
