#!/usr/bin/env bash
# A TCN training step at <revision> against this checkout, alternated in one shell so this VM's
# drift lands on both: builds <revision> (dist and native addon) in a temporary worktree.
#   tools/experiments/tcn-step-ab.sh <revision> [threads] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=${1:?usage: tcn-step-ab.sh <revision> [threads] [rounds]}
threads=${2:-2}
rounds=${3:-3}
here=$PWD
dir=$(mktemp -d)
trap 'git worktree remove --force "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
git worktree add -f --detach "$dir" "$rev" >/dev/null
ln -s "$here/node_modules" "$dir/node_modules"
(cd "$dir" && npx tsc -p tsconfig.json && node scripts/build-native.mjs >/dev/null)
npx tsc -p tsconfig.json
for _ in $(seq "$rounds"); do
  echo "$rev: $(cd "$dir" && node "$here/tools/experiments/tcn-step.mjs" "$threads")"
  echo "this checkout: $(node tools/experiments/tcn-step.mjs "$threads")"
done
