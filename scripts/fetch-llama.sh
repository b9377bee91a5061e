#!/usr/bin/env bash
# Fetches llama.cpp for the worker's GGUF engine: Debian bookworm has no llama.cpp package, so
# this takes the prebuilt CPU libraries of the npm package @node-llama-cpp/linux-x64 and, for
# the matching headers and tokenizer test vocabularies, node-llama-cpp's git bundle of the same
# llama.cpp release. Both come from the npm registry with `npm pack` at pinned versions (never
# `npm install node-llama-cpp`, whose postinstall downloads more). Nothing of llama.cpp is
# committed; CMake (cmake/Llama.cmake) extracts the headers from the bundle into the build tree.
#
# Result, in .deps/llama-<version>/ (or $NPUFLEET_LLAMA_DIR): lib/*.so and gitRelease.bundle.
# Idempotent: does nothing when that directory is complete. Skipped when a system llama.cpp is
# installed (pkg-config llama) or NPUFLEET_LLAMA=OFF.
set -euo pipefail

VERSION=3.21.1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=${NPUFLEET_LLAMA_DIR:-$ROOT/.deps/llama-$VERSION}

[[ "${NPUFLEET_LLAMA:-ON}" == "OFF" ]] && exit 0
if pkg-config --exists llama 2>/dev/null; then exit 0; fi
[[ -f "$DEST/.complete" ]] && exit 0
if [[ "$(uname -m)" != "x86_64" ]]; then
  echo "fetch-llama: no prebuilt llama.cpp for $(uname -m); install llama.cpp (pkg-config llama)" \
       "or configure with -DNPUFLEET_LLAMA=OFF" >&2
  exit 1
fi
command -v npm >/dev/null || { echo "fetch-llama: npm is needed (Node 20)" >&2; exit 1; }

echo "fetch-llama: fetching llama.cpp of node-llama-cpp $VERSION from the npm registry"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && timeout 600 npm pack --silent "@node-llama-cpp/linux-x64@$VERSION" \
    "node-llama-cpp@$VERSION" >/dev/null)
mkdir -p "$work/libs" "$work/src"
tar -xzf "$work/node-llama-cpp-linux-x64-$VERSION.tgz" -C "$work/libs" \
    --wildcards 'package/bins/linux-x64/*.so' 'package/LICENSE'
tar -xzf "$work/node-llama-cpp-$VERSION.tgz" -C "$work/src" \
    'package/llama/gitRelease.bundle' 'package/llama/llama.cpp.info.json'

rm -rf "$DEST"
mkdir -p "$DEST/lib"
cp "$work"/libs/package/bins/linux-x64/*.so "$DEST/lib/"
cp "$work/libs/package/LICENSE" "$DEST/LICENSE"
cp "$work/src/package/llama/gitRelease.bundle" "$work/src/package/llama/llama.cpp.info.json" "$DEST/"
touch "$DEST/.complete"
echo "fetch-llama: llama.cpp in $DEST"
