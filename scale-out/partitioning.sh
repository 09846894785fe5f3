#!/usr/bin/env bash
# Partitioning of cases by month and by top-level area (the districts under the city; a province
# would use its prefecture cities) on PostgreSQL, shown on generated data: builds the partitioned
# layout next to the live table in a scratch database, fills it from CASES generated cases, and
# prints the plans of the hot queries with the partitions each one reads (scale-out/README.md).
#   scale-out/partitioning.sh [CASES]      (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${1:-200000}"
BIN="$(swift build -c "${BENCH_BUILD:-debug}" --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build -c "${BENCH_BUILD:-debug}" --product civicgrid
APP_URL="$(scripts/pg-fresh-db civicgrid_partitions)"; URL="${APP_URL%\?*}"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
DATABASE_URL="$APP_URL" UPLOAD_DIR="$WORK/uploads" LOG_LEVEL=warning "$BIN" generate --cases "$CASES" --months 12 >/dev/null
psql "$URL" -v ON_ERROR_STOP=1 -q -f scale-out/partitioning.sql
python3 scale-out/partition_plans.py "$URL"
