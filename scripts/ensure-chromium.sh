#!/usr/bin/env bash
# The browser test (tests/e2e/test_tracking_page_browser.py) drives /usr/bin/chromium headless and
# skips without it. As root with apt-get (CI), install Debian's chromium; otherwise do nothing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser test (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # fonts-liberation is only a Recommends of chromium; without a font the page renders as boxes.
  apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi
exit 0
