#!/usr/bin/env bash
# The whole test suite: on PostgreSQL when it is reachable (DATABASE_URL, else 127.0.0.1:5432), else on SQLite.
# With ZHIJIA_REQUIRE_SERVICES=1 (CI) PostgreSQL and Redis must be there: tests that need them fail, never skip.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

reachable() { "$PY" - "$1" <<'PY'
import socket, sys
from urllib.parse import urlparse
u = urlparse(sys.argv[1])
try:
    socket.create_connection((u.hostname or "127.0.0.1", u.port or 0), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

if [ -z "${DATABASE_URL:-}" ] && reachable "postgres://127.0.0.1:5432"; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/zhijia"
fi
if [ -z "${REDIS_URL:-}" ] && reachable "redis://127.0.0.1:6379"; then
  export REDIS_URL="redis://127.0.0.1:6379/0"
fi
if [ -n "${DATABASE_URL:-}" ]; then
  echo "== tests on PostgreSQL (${DATABASE_URL%%\?*})"
else
  echo "== tests on SQLite (PostgreSQL not reachable at 127.0.0.1:5432)"
fi
echo "== Redis: ${REDIS_URL:-not configured}"

"$PY" -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
