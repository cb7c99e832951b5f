#!/usr/bin/env bash
# CI, step one: what a newcomer does first. On this clean clone, `make run` (nothing else
# installed), wait until /healthz answers, run the README's first example with the token
# `make run` printed, then stop the server. Prints the time from `make run` to the first answer.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${PORT:-18000}"
log="$(mktemp)"
started=$(date +%s.%N)
# its own session, so the whole tree (make, ordergraph serve) stops together
setsid env PORT="$port" HOST=127.0.0.1 make run >"$log" 2>&1 &
group=$!
stop() {
  kill -TERM -- "-$group" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$group" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL -- "-$group" 2>/dev/null || true
}
trap 'stop; rm -f "$log"' EXIT

echo "make run (PORT=$port)…" >&2
for _ in $(seq 1 600); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=2)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$group" 2>/dev/null; then
    echo "make run exited before the server answered:" >&2; cat "$log" >&2; exit 1
  fi
  sleep 0.5
done
answered=$(date +%s.%N)
python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=2)" || {
  echo "make run did not answer on /healthz within 5 minutes:" >&2; cat "$log" >&2; exit 1; }
python3 -c "print(f'make run: first answer on /healthz after {$answered - $started:.1f} s')" >&2

TOKEN="$(sed -n 's/^export TOKEN=//p' "$log" | tail -n 1)"
[ -n "$TOKEN" ] || { echo "make run printed no 'export TOKEN=' line:" >&2; cat "$log" >&2; exit 1; }
export TOKEN

# The README's first runnable example, exactly as written but for the port.
example="$(python3 - <<'PY'
from tests.support.readme import readme_examples
first = next(e for e in readme_examples() if e.skip_reason is None)
print(first.code, end="")
PY
)"
answer="$(bash -euo pipefail -c "${example//127.0.0.1:8000/127.0.0.1:$port}")"
echo "README's first example answered: ${answer:0:200}" >&2
case "$answer" in
  *'"errors"'*|'') echo "the README's first example failed" >&2; exit 1 ;;
  *'"data"'*) ;;
  *) echo "the README's first example gave no data" >&2; exit 1 ;;
esac
