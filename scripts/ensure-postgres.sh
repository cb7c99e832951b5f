#!/usr/bin/env bash
# The test suite starts its own PostgreSQL cluster from the server binaries; make sure they exist.
# With TEST_DATABASE_URL set, the suite uses that server instead and needs no binaries.
set -euo pipefail
if [ -n "${TEST_DATABASE_URL:-}" ]; then exit 0; fi
if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing PostgreSQL server binaries (apt-get)…" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  exit 0
fi
echo "PostgreSQL server binaries not found: install PostgreSQL (15+) or set TEST_DATABASE_URL" >&2
exit 1
