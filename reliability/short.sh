#!/usr/bin/env bash
# The short reliability run CI does after the suites (a few minutes): fuzzing with a handful of
# examples per operation and user, three SIGKILLs on SQLite and three on PostgreSQL, and a backup
# of a demo database restored into an empty one with `civicgrid backup` / `civicgrid restore`.
# The long runs and their figures: reliability/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(swift build --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build

echo "--- fuzzing (short)"
reliability/fuzz.sh "${FUZZ_EXAMPLES:-2}"

echo "--- crash safety (short)"
python3 reliability/crash_safety.py --db sqlite --kills 3 --bin "$BIN"
if [ -n "${CRASH_DATABASE_URL:-}" ]; then
  python3 reliability/crash_safety.py --db postgres --kills 3 --bin "$BIN" --database-url "$CRASH_DATABASE_URL"
fi

echo "--- backup and restore with the CLI"
WORK="$(mktemp -d)"
DATABASE_PATH="$WORK/a.sqlite" UPLOAD_DIR="$WORK/up-a" "$BIN" demo --no-serve --cases 100 --people-per-grid 5 >/dev/null
DATABASE_PATH="$WORK/a.sqlite" UPLOAD_DIR="$WORK/up-a" "$BIN" backup --output "$WORK/backup.zip"
DATABASE_PATH="$WORK/b.sqlite" UPLOAD_DIR="$WORK/up-b" "$BIN" restore --input "$WORK/backup.zip"
DATABASE_PATH="$WORK/b.sqlite" UPLOAD_DIR="$WORK/up-b" "$BIN" verify-trail
if DATABASE_PATH="$WORK/b.sqlite" UPLOAD_DIR="$WORK/up-b" "$BIN" restore --input "$WORK/backup.zip" >/dev/null 2>&1; then
  echo "restore over a database with data was not refused"; exit 1
fi
rm -rf "$WORK"
echo "reliability short run: ok"
