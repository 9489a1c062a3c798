#!/usr/bin/env bash
# Builds tools/experiments/conv-profile.cc against the AVX2 kernels and profiles one case with
# perf (Debian's linux-perf; cpu-clock sampling, which works without hardware counters).
#   tools/experiments/conv-profile.sh context2d [reps]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
src=src/kernels/csrc
g++ -std=gnu++17 -O3 -ffp-contract=fast -fno-exceptions -mavx2 -mfma -DATROUS_ISA_NS=avx2 -I$src -c $src/conv-isa.cc -o "$out/isa.o"
g++ -std=gnu++17 -O2 -I$src tools/experiments/conv-profile.cc "$out/isa.o" -o "$out/conv-profile"
perf record -q -e cpu-clock -F 5000 -o "$out/perf.data" "$out/conv-profile" "${1:-context2d}" "${2:-40}"
perf report -i "$out/perf.data" --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -8
