#!/usr/bin/env bash
# Builds one instruction set's kernels (ISA=avx2 or avx512; by default the best this CPU runs, see
# isa.sh) of this checkout and of <revision> (under another namespace) into one program and times
# them interleaved on a case: tools/experiments/conv-ab.sh a37788d context2d-d8
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=${1:?usage: conv-ab.sh <revision> <case> [reps]}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
git archive "$rev" src/kernels/csrc | tar -x -C "$out"
. tools/experiments/isa.sh
flags=(-std=gnu++17 -O3 -ffp-contract=fast -fno-exceptions "${isa_flags[@]}")
g++ "${flags[@]}" -DATROUS_ISA_NS=old -I"$out/src/kernels/csrc" -c "$out/src/kernels/csrc/conv-isa.cc" -o "$out/old.o"
g++ "${flags[@]}" -DATROUS_ISA_NS="$ISA" -Isrc/kernels/csrc -c src/kernels/csrc/conv-isa.cc -o "$out/new.o"
# The revision's conv_run: claims of each thread's own share (task-claims.h), or one shared counter.
old_api=()
[ -f "$out/src/kernels/csrc/task-claims.h" ] && old_api=(-DATROUS_OLD_CLAIMS)
g++ -std=gnu++17 -O2 -Isrc/kernels/csrc -DATROUS_TOOL_ISA="$ISA" "${old_api[@]}" tools/experiments/conv-ab.cc "$out/old.o" "$out/new.o" -o "$out/conv-ab"
"$out/conv-ab" "${2:-context2d-d8}" "${3:-21}"
