#!/usr/bin/env bash
# Starts django-helpdesk (PyPI) under gunicorn as the intake baseline, on a fresh database of the
# kind given, and prints "PID TOKEN QUEUE_ID" on its last line.
#   benchmarks/helpdesk/serve.sh PORT sqlite:////abs/path.sqlite | postgres://user:pass@host:port/db
# Workers: gunicorn's recommended 2 × cores + 1 sync workers.
set -euo pipefail
cd "$(dirname "$0")"
PORT="$1"; export HELPDESK_DB_URL="$2" DJANGO_SETTINGS_MODULE=settings
VENV="${HELPDESK_VENV:-$PWD/../../.build-bench/helpdesk-venv}"
if [ ! -x "$VENV/bin/gunicorn" ]; then
  python3 -m venv "$VENV" >/dev/null
  "$VENV/bin/pip" install -q -r requirements.txt >&2
fi
"$VENV/bin/python" -m django migrate -v0 >&2
read -r TOKEN QUEUE < <("$VENV/bin/python" setup_data.py)
"$VENV/bin/gunicorn" -w $(( 2 * $(nproc) + 1 )) -b "127.0.0.1:$PORT" --log-level warning wsgi:application >&2 &
PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/helpdesk/api/" && break; sleep 0.2; done
echo "$PID $TOKEN $QUEUE"
