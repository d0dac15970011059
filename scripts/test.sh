#!/bin/sh
# test.sh: the whole test suite, as README.md's `npm test` runs it. Builds dist/
# (which typechecks), lints, then runs every test/**/*.test.ts with node:test.
# Node 20 finds no .ts files in a directory, so the list is explicit and an
# empty list is an error, never a silent pass.
set -eu
cd "$(dirname "$0")/.."
npx tsc -p .
npx tsc -p tsconfig.test.json
# Lint what exists (bench/ appears with the first benchmark).
lint_dirs=$(for d in src test bench scripts bin; do [ -d "$d" ] && echo "$d"; done)
# shellcheck disable=SC2086
npx biome check --diagnostic-level=error $lint_dirs
files=$(find test -name '*.test.ts' | sort)
if [ -n "${AFFIX_TEST_FILTER:-}" ]; then files=$(echo "$files" | grep -e "$AFFIX_TEST_FILTER" || true); fi
if [ -z "$files" ]; then
  echo "test.sh: no test files found under test/" >&2
  exit 1
fi
# shellcheck disable=SC2086
exec node --import tsx --test --test-force-exit --test-concurrency=2 --test-timeout=300000 $files
