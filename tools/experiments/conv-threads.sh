#!/usr/bin/env bash
# Builds tools/experiments/conv-threads.cc against one instruction set's kernels (ISA=avx2 or
# avx512; by default the best this CPU runs, see isa.sh) and times cases at one and two threads.
#   tools/experiments/conv-threads.sh "strided2d context2d" [reps]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/experiments/isa.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
src=src/kernels/csrc
g++ -std=gnu++17 -O3 -ffp-contract=fast -fno-exceptions "${isa_flags[@]}" -DATROUS_ISA_NS="$ISA" -I$src -c $src/conv-isa.cc -o "$out/isa.o"
g++ -std=gnu++17 -O2 -I$src -DATROUS_TOOL_ISA="$ISA" tools/experiments/conv-threads.cc "$out/isa.o" -o "$out/conv-threads" -lpthread
for c in ${1:-context2d}; do "$out/conv-threads" "$c" "${2:-60}"; done
