#!/usr/bin/env bash
# Forward-bench cases at <revision> against this checkout, alternated in one shell so this VM's
# drift lands on both: builds <revision> (dist and native addon) in a temporary worktree, then
# runs `node dist/bench/run.js --cases <cases> --runners <runners>` in each, <rounds> times.
#   tools/experiments/bench-ab.sh <revision> <cases> [runners] [rounds]
#   tools/experiments/bench-ab.sh HEAD bytenet1d,aspp2d atrous-native-2t 4
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=${1:?usage: bench-ab.sh <revision> <cases> [runners] [rounds]}
cases=${2:?usage: bench-ab.sh <revision> <cases> [runners] [rounds]}
runners=${3:-atrous-native}
rounds=${4:-3}
. tools/experiments/revision-worktree.sh
revision_worktree "$rev"
medians() { grep -E '^  (atrous|ort|tfjs)[^ ]* +[0-9a-z]+ +median' | awk '{print $1, $4, "ms"}' | paste -sd' ' -; }
for _ in $(seq "$rounds"); do
  echo "$rev: $(cd "$dir" && node dist/bench/run.js --cases "$cases" --runners "$runners" 2>&1 | medians)"
  echo "this checkout: $(node dist/bench/run.js --cases "$cases" --runners "$runners" 2>&1 | medians)"
done
