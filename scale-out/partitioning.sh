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
PGPORT="${PGPORT:-5433}"
scripts/pg-start
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
as_pg "psql -h 127.0.0.1 -p $PGPORT -U postgres -qc 'DROP DATABASE IF EXISTS civicgrid_partitions'"
as_pg "psql -h 127.0.0.1 -p $PGPORT -U postgres -qc 'CREATE DATABASE civicgrid_partitions OWNER civicgrid'"
URL="postgres://civicgrid:civicgrid@127.0.0.1:$PGPORT/civicgrid_partitions"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
DATABASE_URL="$URL?tlsmode=disable" UPLOAD_DIR="$WORK/uploads" LOG_LEVEL=warning "$BIN" generate --cases "$CASES" --months 12 >/dev/null
psql "$URL" -v ON_ERROR_STOP=1 -q -f scale-out/partitioning.sql
python3 scale-out/partition_plans.py "$URL"
