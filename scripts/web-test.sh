#!/usr/bin/env bash
# Installs the admin UI's locked dependencies (npm ci), type-checks, runs the Vitest suite and
# builds web/dist, with .br/.gz siblings of its text files (web/scripts/precompress.mjs).   scripts/web-test.sh --build-only   skips the checks (make demo).
set -euo pipefail
cd "$(dirname "$0")/../web"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --engine-strict --no-audit --no-fund --loglevel=error
fi
if [[ "${1:-}" != "--build-only" ]]; then
  npm run --silent typecheck
  npm test --silent
fi
npx vite build --logLevel warn
node scripts/precompress.mjs
