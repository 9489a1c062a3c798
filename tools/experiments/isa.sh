# Sourced by the experiment scripts: which instruction-set build of src/kernels/csrc/conv-isa.cc to
# compile, and its flags (binding.gyp's). ISA=avx2 or ISA=avx512 chooses; by default the best this
# CPU runs, as the native addon picks.
if [[ -z "${ISA:-}" ]]; then
  if grep -qw avx512f /proc/cpuinfo; then ISA=avx512; else ISA=avx2; fi
fi
case "$ISA" in
  avx512) isa_flags=(-mavx512f -mavx512vl -mfma -mavx2) ;;
  avx2) isa_flags=(-mavx2 -mfma) ;;
  *) echo "ISA must be avx2 or avx512, not $ISA" >&2; exit 2 ;;
esac

# build_harness <tool> <dir>: builds tools/experiments/<tool>.cc against this ISA's kernels as <dir>/<tool>.
build_harness() {
  local src=src/kernels/csrc
  g++ -std=gnu++17 -O3 -ffp-contract=fast -fno-exceptions "${isa_flags[@]}" -DATROUS_ISA_NS="$ISA" -I$src -c $src/conv-isa.cc -o "$2/isa.o"
  g++ -std=gnu++17 -O2 -I$src -DATROUS_TOOL_ISA="$ISA" "tools/experiments/$1.cc" "$2/isa.o" -o "$2/$1" -lpthread
}

# harness <tool>: build_harness into a fresh directory $out, removed when the script exits.
harness() {
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  build_harness "$1" "$out"
}
