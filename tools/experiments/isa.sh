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
