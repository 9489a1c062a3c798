#!/usr/bin/env bash
# Builds tools/experiments/conv-profile.cc against one instruction set's kernels (ISA=avx2 or
# avx512; by default the best this CPU runs, see isa.sh) and profiles one case with perf (Debian's
# linux-perf; cpu-clock sampling, which works without hardware counters).
#   tools/experiments/conv-profile.sh context2d [reps]
#   ISA=avx2 tools/experiments/conv-profile.sh aspp2d
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/experiments/isa.sh
harness conv-profile
perf record -q -e cpu-clock -F 5000 -o "$out/perf.data" "$out/conv-profile" "${1:-context2d}" "${2:-40}"
perf report -i "$out/perf.data" --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -8
