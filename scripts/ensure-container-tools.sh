#!/usr/bin/env bash
# The container tests build the Dockerfile and run the image with podman
# (tests/e2e/test_container_image.py) and validate compose.yaml's proxy config with caddy
# (tests/e2e/test_container_files.py); they skip without them. As root with apt-get (CI), install
# Debian's podman, runc (crun refuses hybrid cgroup hierarchies like this machine's), mmdebstrap
# and caddy; otherwise do nothing.
#
# The Dockerfile starts FROM python:3.11-slim. Where no image registry is reachable (this machine
# reaches only PyPI, npm and Debian), build a stand-in from Debian's own packages instead: a
# minbase Debian 12 with Debian's Python 3.11 (python3, python3-venv), imported as
# $ORDERGRAPH_STANDIN_IMAGE. The test passes it as the PYTHON_IMAGE build argument. Idempotent.
set -euo pipefail

STANDIN="${ORDERGRAPH_STANDIN_IMAGE:-localhost/ordergraph-python-standin:3.11-bookworm}"
OFFICIAL="python:3.11-slim"

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
missing=()
for tool in podman runc mmdebstrap caddy; do
  command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} for the container tests (apt-get)…" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" ca-certificates >/dev/null
fi

if podman image exists "${OFFICIAL}" || podman image exists "${STANDIN}"; then
  exit 0
fi
if timeout 60 podman pull -q "docker.io/library/${OFFICIAL}" >/dev/null 2>&1; then
  exit 0
fi

echo "no image registry reachable: building ${STANDIN} from Debian packages (mmdebstrap)…" >&2
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,ca-certificates \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  bookworm "${work}/rootfs.tar" http://deb.debian.org/debian
podman import --quiet --change 'CMD ["python3"]' "${work}/rootfs.tar" "${STANDIN}" >/dev/null
echo "built ${STANDIN}" >&2
