#!/usr/bin/env bash
# Compiles cuda/*.cu to the PTX that the CUDA backend loads, and checks it.
#
#   bash cuda/build-ptx.sh [--if-nvcc] [OUTPUT_DIR]
#
# OUTPUT_DIR defaults to src/main/resources/io/github/convnet4j/cuda, the PTX kept in the
# repository for machines without nvcc. With --if-nvcc (how the Maven build calls it) a missing
# nvcc is not an error: the kept PTX is used.
#
# Why PTX and why .version 8.0: JCuda 12.6 serves CUDA 12.x installations, and a CUDA 12.0
# driver JIT-compiles PTX up to ISA 8.0; a CUDA 13 driver accepts every older ISA too. nvcc 13
# stamps its PTX ".version 9.0" even when the code uses nothing newer, so the stamp is lowered to
# 8.0 and ptxas then proves that the code assembles under ISA 8.0 for the oldest (sm_75) and the
# newest targets we claim (sm_90). Any instruction that needs a later ISA makes this script fail.
# Target compute_75 (Turing) is the oldest that CUDA 13's nvcc still emits.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
NVCC=${NVCC:-nvcc}
if [ "${1:-}" = "--if-nvcc" ]; then
  shift
  if ! command -v "$NVCC" >/dev/null 2>&1; then
    echo "build-ptx: no nvcc on the PATH; packaging the PTX kept in src/main/resources"
    exit 0
  fi
fi
out=${1:-$here/../src/main/resources/io/github/convnet4j/cuda}
mkdir -p "$out"
PTXAS=${PTXAS:-$(dirname "$(command -v "$NVCC")")/ptxas}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cu in "$here"/*.cu; do
  name=$(basename "$cu" .cu)
  "$NVCC" -ptx -arch=compute_75 -O3 -o "$tmp/$name.ptx" "$cu"
  sed -i -E 's/^\.version [0-9]+\.[0-9]+$/.version 8.0/' "$tmp/$name.ptx"
  grep -q '^\.version 8\.0$' "$tmp/$name.ptx" || { echo "build-ptx: no .version line in $name.ptx" >&2; exit 1; }
  for sm in sm_75 sm_90; do
    "$PTXAS" -arch=$sm -o "$tmp/$name.$sm.cubin" "$tmp/$name.ptx"
  done
  # Keep the file stable across runs: drop nvcc's build-identification comments.
  grep -v '^//' "$tmp/$name.ptx" > "$out/$name.ptx"
  echo "build-ptx: $out/$name.ptx (ISA 8.0, assembles for sm_75 and sm_90)"
done
