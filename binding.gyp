# The native addon: conv-isa.cc compiled once per instruction set (a static library each, with that
# set's flags), linked into one module that picks the best set the CPU supports at run time.
{
  "target_defaults": {
    "cflags_cc": ["-std=gnu++17", "-O3", "-ffp-contract=fast", "-fno-exceptions"],
    "cflags_cc!": ["-fno-rtti", "-std=gnu++1y", "-std=gnu++14"],
    "include_dirs": ["src/kernels/csrc"]
  },
  "targets": [
    {
      "target_name": "atrous_avx512",
      "type": "static_library",
      "sources": ["src/kernels/csrc/conv-isa.cc"],
      "defines": ["ATROUS_ISA_NS=avx512"],
      "cflags_cc": ["-mavx512f", "-mavx512vl", "-mfma", "-mavx2", "-fPIC"]
    },
    {
      "target_name": "atrous_avx2",
      "type": "static_library",
      "sources": ["src/kernels/csrc/conv-isa.cc"],
      "defines": ["ATROUS_ISA_NS=avx2"],
      "cflags_cc": ["-mavx2", "-mfma", "-fPIC"]
    },
    {
      "target_name": "atrous_baseline",
      "type": "static_library",
      "sources": ["src/kernels/csrc/conv-isa.cc"],
      "defines": ["ATROUS_ISA_NS=baseline"],
      "cflags_cc": ["-fPIC"]
    },
    {
      "target_name": "atrous_native",
      "sources": ["src/kernels/native/addon.cc", "src/kernels/native/pointwise.cc"],
      "dependencies": ["atrous_avx512", "atrous_avx2", "atrous_baseline"]
    }
  ]
}
