#!/usr/bin/env bash
# Builds tools/experiments/conv-threads.cc against one instruction set's kernels (ISA=avx2 or
# avx512; by default the best this CPU runs, see isa.sh) and times cases at one and two threads.
#   tools/experiments/conv-threads.sh "strided2d context2d" [reps]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/experiments/isa.sh
harness conv-threads
for c in ${1:-context2d}; do "$out/conv-threads" "$c" "${2:-60}"; done
