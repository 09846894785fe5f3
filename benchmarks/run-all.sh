#!/usr/bin/env bash
# Every benchmark, then the figures table in benchmarks/README.md rewritten from benchmarks/results/.
#   benchmarks/run-all.sh            full sizes (about 2 hours on 2 cores, most of it generating 10 M cases)
#   benchmarks/run-all.sh --smoke    tiny sizes in about 3 minutes, to keep the scripts working (CI);
#                                    results go to a scratch directory, the README is left alone
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --smoke ]; then
  export BENCH_RESULTS="$(mktemp -d)" BENCH_BUILD="${BENCH_BUILD:-debug}"  # the tests' build: figures meaningless, scripts exercised
  benchmarks/locate.sh 500 20000
  benchmarks/intake.sh sqlite 3s
  benchmarks/intake.sh postgres 3s
  benchmarks/sla-sweep.sh 20000 200
  benchmarks/dashboard.sh 20000
  benchmarks/registry-import.sh 2000
  benchmarks/mixed-load.sh 0.1
  echo "smoke run: every benchmark ran ($(ls "$BENCH_RESULTS" | wc -l) figures)"
  exit 0
fi
benchmarks/locate.sh
benchmarks/intake.sh sqlite 30s
benchmarks/intake.sh postgres 30s
benchmarks/sla-sweep.sh
benchmarks/registry-import.sh
benchmarks/mixed-load.sh 30
benchmarks/dashboard.sh
benchmarks/table.py
