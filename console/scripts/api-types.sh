#!/bin/sh
# Generate src/api/schema.d.ts from the gateway's OpenAPI document, read off the code.
#   scripts/api-types.sh           write it
#   scripts/api-types.sh --check   fail when the committed file differs (stale types)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/../.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here/.." && "$python" -m services.gateway.openapi_doc) > "$tmp/openapi.json"
(cd "$here" && npx --no-install openapi-typescript "$tmp/openapi.json" -o "$tmp/schema.d.ts" >/dev/null)
if [ "${1:-}" = "--check" ]; then
  if ! diff -u "$here/src/api/schema.d.ts" "$tmp/schema.d.ts"; then
    echo "console/src/api/schema.d.ts is stale against the gateway's OpenAPI: run make console-api" >&2
    exit 1
  fi
  echo "console API types match the gateway's OpenAPI"
else
  cp "$tmp/schema.d.ts" "$here/src/api/schema.d.ts"
fi
