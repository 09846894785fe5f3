#!/usr/bin/env bash
# API fuzzing: schemathesis (PyPI) generates requests from the served OpenAPI document — valid ones,
# edge cases and invalid ones — and sends them signed in as six kinds of user. Fails on any 5xx and
# on any documented response that does not match its schema.
#
#   reliability/fuzz.sh            # the long run: 100 examples per operation per user (~15,000 requests)
#   reliability/fuzz.sh 5          # the short run CI does
#
# Figures: reliability/results/fuzz.json; reports per user under $WORK (printed).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
PORT="${FUZZ_PORT:-8094}"
[ -x .venv-fuzz/bin/st ] || { python3 -m venv .venv-fuzz && .venv-fuzz/bin/pip install -q -r reliability/requirements.txt; }

BIN="$(swift build --show-bin-path)/civicgrid"
[ -x "$BIN" ] || swift build
WORK="$(mktemp -d)"
DATABASE_PATH="$WORK/fuzz.sqlite" UPLOAD_DIR="$WORK/uploads" LOG_LEVEL=warning "$BIN" demo --port "$PORT" --cases 200 --people-per-grid 10 >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.5
done

status=0
for user in admin qu-zx sq01-zx wg001 bm-cg1 13907311001; do
  TOKEN=$(curl -fs "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"demo1234\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  echo "=== fuzzing as $user ($N examples per operation)"
  # Signing out (DELETE /auth/token) would end the run's own session; signing in is throttled by design.
  .venv-fuzz/bin/st run "http://127.0.0.1:$PORT/openapi.json" \
    -H "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,response_schema_conformance \
    --exclude-path /api/v1/auth/token \
    --phases examples,coverage,fuzzing -n "$N" --seed 20261122 --workers 1 \
    --suppress-health-check all --generation-allow-x00 false \
    --report ndjson --report-ndjson-path "$WORK/$user.ndjson" --output-truncate true \
    > "$WORK/$user.log" 2>&1 || { status=1; tail -60 "$WORK/$user.log"; }
  tail -5 "$WORK/$user.log"
done
mkdir -p reliability/results
python3 reliability/fuzz_figures.py "$WORK" "$N" > reliability/results/fuzz-$N.json
cat reliability/results/fuzz-$N.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["total"].get("requests", 0) > 0 else "no request was sent")' reliability/results/fuzz-$N.json
if grep -q '"status": 5' "$WORK"/*.ndjson 2>/dev/null; then echo "5xx seen"; fi
echo "reports: $WORK"
exit $status
