#!/usr/bin/env bash
# A TCN training step at <revision> against this checkout, alternated in one shell so this VM's
# drift lands on both: builds <revision> (dist and native addon) in a temporary worktree.
#   tools/experiments/tcn-step-ab.sh <revision> [threads] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=${1:?usage: tcn-step-ab.sh <revision> [threads] [rounds]}
threads=${2:-2}
rounds=${3:-3}
. tools/experiments/revision-worktree.sh
revision_worktree "$rev"
for _ in $(seq "$rounds"); do
  echo "$rev: $(cd "$dir" && node "$here/tools/experiments/tcn-step.mjs" "$threads")"
  echo "this checkout: $(node tools/experiments/tcn-step.mjs "$threads")"
done
