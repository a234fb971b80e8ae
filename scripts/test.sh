#!/usr/bin/env bash
# npm test: install what the tests need, then run every test file with node's test runner.
#   --no-install   skip npm/Debian installation (fast local loop)
#   any other args are test files or folders to run instead of the whole suite
set -euo pipefail
cd "$(dirname "$0")/.."

install=1
targets=()
for a in "$@"; do
  case "$a" in
    --no-install) install=0 ;;
    *) targets+=("$a") ;;
  esac
done

if [ "$install" = 1 ]; then
  bash scripts/install-deps.sh
fi

if [ ${#targets[@]} -eq 0 ]; then targets=(test); fi
mapfile -t files < <(for t in "${targets[@]}"; do
  if [ -d "$t" ]; then find "$t" -name '*.test.ts' | sort; else echo "$t"; fi
done)
if [ ${#files[@]} -eq 0 ]; then echo "no test files under: ${targets[*]}" >&2; exit 1; fi

# Type errors fail the suite too: the schema-derived types are part of the contract.
if [ "${QAQPA_SKIP_TYPECHECK:-0}" != 1 ] && [ ${#targets[@]} -eq 1 ] && [ "${targets[0]}" = test ]; then
  npx --no-install tsc -p tsconfig.json --noEmit
fi

exec node --import tsx --test --test-reporter=spec "${files[@]}"
