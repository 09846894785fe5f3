#!/usr/bin/env bash
# Point → grid lookups over 10,000 grid polygons (an irregular tiling, 8 vertices each): the spatial index
# (uniform grid of buckets) in GridCore against testing every polygon (the baseline), in the same run, same process, same
# points; both must give identical answers. Needs a release build (built when missing).
#   benchmarks/locate.sh [POLYGONS] [POINTS]      (defaults 10000 and 2000000)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(swift build -c "${BENCH_BUILD:-release}" --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build -c "${BENCH_BUILD:-release}" --product civicgrid
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DATABASE_PATH="$WORK/bench.sqlite" UPLOAD_DIR="$WORK/uploads" "$BIN" bench-locate --polygons "${1:-10000}" --points "${2:-2000000}" --brute-points 5000 \
  | tee "$WORK/out"
index=$(sed -n 's/.*index_per_s=\([0-9]*\).*/\1/p' "$WORK/out"); brute=$(sed -n 's/.*brute_per_s=\([0-9]*\).*/\1/p' "$WORK/out")
POLYGONS="${1:-10000}" benchmarks/record.py locate "point → grid over $(python3 -c "print(f'{${1:-10000}:,}')") polygons" "$(python3 -c "print(f'{$index:,}')") lookups/s (bucket-grid index)" \
  "every polygon tested: $(python3 -c "print(f'{$brute:,}')") lookups/s" "$(python3 -c "print(round($index/$brute))")×" "≥ 1,000,000/s and ≥ 50×" \
  "$(python3 -c "print('yes' if $index >= 1000000 and $index / $brute >= 50 else 'no')")"
