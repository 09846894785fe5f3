#!/usr/bin/env bash
# Registry import benchmark: 1M people from CSV through `civicgrid import` (the same validation and
# all-or-nothing commit as the import page) into a fresh SQLite database, reporting rows/s and peak
# memory, against a baseline measured in the same run on the same machine: Python's sqlite3 module
# inserting the same rows, unvalidated and unencrypted, into a table of the same shape and indexes.
#   benchmarks/registry-import.sh [ROWS]        (default 1000000; needs a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
BIN="$(swift build -c "${BENCH_BUILD:-release}" --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build -c "${BENCH_BUILD:-release}" --product civicgrid
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export DATABASE_PATH="$WORK/bench.sqlite" UPLOAD_DIR="$WORK/uploads"

"$BIN" demo --no-serve --cases 0 --people-per-grid 0 >/dev/null 2>&1   # the demo city's 232 grids, no people
python3 - "$ROWS" "$WORK/people.csv" "$DATABASE_PATH" <<'PY'
import random, sqlite3, sys
rows, out, db = int(sys.argv[1]), sys.argv[2], sys.argv[3]
grids = [r[0] for r in sqlite3.connect(db).execute("SELECT code FROM areas WHERE level = 'grid' ORDER BY code")]
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2, 1]
rng = random.Random(42)
seen = set()
with open(out, "w", encoding="utf-8") as f:
    f.write("网格编码,姓名,身份证号,联系电话,人口类型,户号,与户主关系,楼栋,房号,工作单位或就业情况,标签\n")
    n = 0
    while n < rows:
        body = "%s%04d%02d%02d%03d" % (rng.choice(["430204", "430202", "430203", "430211", "430281"]),
                                        rng.randint(1930, 2024), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 999))
        if body in seen: continue
        seen.add(body)
        idn = body + "10X98765432"[sum(int(d) * w for d, w in zip(body, W)) % 11]
        grid = grids[(n // 3) % len(grids)]  # households of three, side by side in one grid
        phone = "139%08d" % rng.randint(0, 99999999) if rng.random() < 0.8 else ""
        f.write(f"{grid},{rng.choice('王李张刘陈杨黄赵吴周')}{rng.choice('秀英建华国强丽芳军伟')},{idn},{phone},户籍人口,{grid[-3:]}-{n // 3:06d},,,,,\n")
        n += 1
PY

measure() { /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>&1 || { cat "$WORK/out"; exit 1; }; cat "$WORK/time"; }
read -r OURS_S OURS_KB < <(measure "$BIN" import --kind people --area 430204 --file "$WORK/people.csv")
grep -o "imported.*" "$WORK/out" || true

# Baseline: the same rows, plain, through Python's sqlite3 (executemany in one transaction).
python3 - "$WORK/people.csv" "$WORK/baseline.sqlite" >"$WORK/baseline" <<'PY'
import csv, sqlite3, sys, time, uuid
db = sqlite3.connect(sys.argv[2])
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA cache_size = -262144")  # the same page cache the importer gives its connection
db.execute("""CREATE TABLE people (id BLOB PRIMARY KEY, grid TEXT, household TEXT, name TEXT, id_number TEXT UNIQUE, id_tail TEXT,
              phone TEXT, phone_tail TEXT, kind TEXT, relation TEXT, employment TEXT, tags TEXT)""")
for c in ("grid", "household", "name", "id_tail", "phone", "phone_tail"):
    db.execute(f"CREATE INDEX people_{c} ON people({c})")
start = time.time()
with open(sys.argv[1], encoding="utf-8") as f:
    r = csv.reader(f); next(r)
    rows = [(uuid.uuid4().bytes, g, hh, n, i, i[-4:], p, p[-4:], k, rel, e, t) for g, n, i, p, k, hh, rel, b, h, e, t in r]
with db:
    db.executemany("INSERT INTO people VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
print(len(rows), time.time() - start)
PY
read -r BASE_ROWS BASE_S < "$WORK/baseline"

python3 - "$ROWS" "$OURS_S" "$OURS_KB" "$BASE_S" <<'PY'
import subprocess, sys
rows, ours_s, ours_kb, base_s = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
ours, base = rows / ours_s, rows / base_s
subprocess.run(["benchmarks/record.py", "registry-import", f"registry import, {rows:,} people (SQLite)",
                f"{ours:,.0f} rows/s, peak RSS {ours_kb / 1024:,.0f} MB (validate, seal, index, households, revisions; all or nothing)",
                f"plain sqlite3 executemany, unvalidated, in clear: {base:,.0f} rows/s", f"{ours / base:.2f}", "≥ 50,000 rows/s, RSS ≤ 300 MB",
                "yes" if ours >= 50000 and ours_kb <= 300 * 1024 else "no"], check=True)
PY
