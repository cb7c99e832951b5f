#!/usr/bin/env bash
# The standard-clients tier (tests/clients/) runs the Node.js graphql-ws client and the
# graphql-http audit with the machine's node, and skips them without it. As root with apt-get
# (CI), install Debian's nodejs and npm; otherwise do nothing. tests/clients/node's packages are
# installed by the tests themselves (npm ci into its gitignored node_modules).
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing nodejs and npm for the standard-clients tests (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
exit 0
