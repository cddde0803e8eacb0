#!/usr/bin/env bash
# Installs what gongkai needs on a Debian machine, idempotently: liblmdb-dev (through
# pkg-config), libjemalloc-dev (the daemon's allocator), pkg-config itself, and the
# Python JSON Schema validator the tests use.
# Sourced by scripts/run, scripts/test and scripts/bench.
set -euo pipefail

# Swift lives in /opt/swift on this project's machines; make sure it is on PATH.
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null 2>&1 || { echo "error: the Swift toolchain (swift) is not on PATH" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
dpkg -s liblmdb-dev >/dev/null 2>&1 || missing+=(liblmdb-dev)
dpkg -s libjemalloc-dev >/dev/null 2>&1 || missing+=(libjemalloc-dev)
for extra in ${GONGKAI_EXTRA_PACKAGES:-}; do
  dpkg -s "$extra" >/dev/null 2>&1 || missing+=("$extra")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
pkg-config --exists lmdb || { echo "error: pkg-config cannot find lmdb after installing liblmdb-dev" >&2; exit 1; }
