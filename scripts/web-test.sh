#!/usr/bin/env bash
# Installs the admin UI's locked dependencies, type-checks, runs the Vitest suite and builds
# web/dist. With E2E_BASE_URL (plus E2E_ADMIN_TOKEN, E2E_VIEWER_TOKEN) set, also runs the
# browser end-to-end test against that running server.
set -euo pipefail
cd "$(dirname "$0")/../web"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --engine-strict --no-audit --no-fund
fi
npm run typecheck
npm test
npx vite build
if [[ -n "${E2E_BASE_URL:-}" ]]; then
  npm run e2e
fi
