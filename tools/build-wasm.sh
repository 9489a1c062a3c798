#!/usr/bin/env bash
# Builds the WebAssembly kernels from the C++ source the native addon uses:
#   src/kernels/csrc/conv-wasm.cc → src/kernels/wasm/conv-simd128.wasm  (SIMD128)
#                                 → src/kernels/wasm/conv-relaxed.wasm  (relaxed SIMD multiply-add)
# Needs clang, lld and llvm-objdump 14 (Debian: apt-get install clang-14 lld-14 llvm-14, then put
# /usr/lib/llvm-14/bin first on PATH, as .ci/run does; tested with 14.0.6).
# The output is committed and must be byte-identical on every rebuild (CI rebuilds and diffs it),
# so: no debug info, names or producers section (--strip-all), and no path or time enters the
# compile. The relaxed build needs a fix-up after linking: see tools/wasm-postlink.mjs.
#
# Memory: imported (JavaScript creates it), shared (worker threads run tasks on the same memory,
# which needs -matomics -mbulk-memory), up to 4 GiB. Each instance's stack is placed by JavaScript
# through the exported __stack_pointer (hence -mmutable-globals); the 8 KiB linked stack is unused.
set -euo pipefail
cd "$(dirname "$0")/.."

CXX=${CXX_WASM:-clang++}
export LLVM_OBJDUMP=${LLVM_OBJDUMP:-llvm-objdump}
out=src/kernels/wasm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cflags=(--target=wasm32 -std=c++17 -O3 -ffreestanding -nostdlib -fno-exceptions -fno-rtti
  -msimd128 -matomics -mbulk-memory -mmutable-globals -Isrc/kernels/csrc)
ldflags=(-Wl,--no-entry,--import-memory,--shared-memory,--max-memory=4294967296
  -Wl,-z,stack-size=8192,--export=__heap_base,--export=__stack_pointer,--strip-all)

build() { # name, extra flags...
  local name=$1
  shift
  "$CXX" "${cflags[@]}" "$@" "${ldflags[@]}" -o "$tmp/$name.wasm" src/kernels/csrc/conv-wasm.cc
}

build simd128 -DATROUS_ISA_NS=wasm_simd128
build relaxed -DATROUS_ISA_NS=wasm_relaxed -DATROUS_WASM_RELAXED -mrelaxed-simd

(cd "$tmp" && node "$OLDPWD/tools/wasm-postlink.mjs" simd128.wasm "$OLDPWD/$out/conv-simd128.wasm")
(cd "$tmp" && node "$OLDPWD/tools/wasm-postlink.mjs" relaxed.wasm "$OLDPWD/$out/conv-relaxed.wasm" --relax)
echo "built $out/conv-simd128.wasm ($(wc -c <"$out/conv-simd128.wasm") bytes), $out/conv-relaxed.wasm ($(wc -c <"$out/conv-relaxed.wasm") bytes) with $("$CXX" --version | head -1)"
