#!/usr/bin/env bash
# clipwb's CUDA training throughput on a lent GPU machine, in one go (about 5-8 minutes):
# configure the core-only build (CLIPWB_CORE_ONLY: no Qt, OpenCV, LMDB or zlib) against the
# machine's PyTorch, build bench_synthetic_train only, and run ViT-B-16 + RoBERTa-wwm-ext-base
# (random weights, synthetic batches) at batch 128 with amp (fp16) and bf16, with and without
# gradient checkpointing: pairs/s, ms per step, peak GPU memory.
#
#   tests/bench/cuda/run.sh                          # on the GPU machine, from anywhere
#   CLIPWB_BENCH_DEVICE=cpu tests/bench/cuda/run.sh  # smoke test without a GPU (Tiny models)
#
# Environment: CLIPWB_TORCH_PREFIX (default: python3 -c 'import torch;print(torch.utils.cmake_prefix_path)'),
# CLIPWB_NLOHMANN_INCLUDE_DIR (a folder holding nlohmann/json.hpp when the machine has no
# nlohmann_json package; shared/include and .cuda-deps/include are tried too), BUILD_DIR
# (default build-cuda), BATCH (default 128), OUT (the figures are copied there).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
start=$(date +%s)
device=${CLIPWB_BENCH_DEVICE:-cuda}
build=${BUILD_DIR:-build-cuda}
python=${PYTHON:-python3}
mkdir -p "$build"
log() { echo "[$(($(date +%s) - start)) s] $*"; }

log "machine: $(nproc) cores; $(cmake --version | head -1); $(${CXX:-c++} --version | head -1)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
if ! command -v nvcc > /dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH=/usr/local/cuda/bin:$PATH # LibTorch's CMake config looks for the CUDA toolkit
fi
log "nvcc: $(command -v nvcc || echo none); ninja: $(command -v ninja || echo none)"
prefix=${CLIPWB_TORCH_PREFIX:-$($python -c 'import torch;print(torch.utils.cmake_prefix_path)' 2> /dev/null)}
$python -c 'import torch;print("torch", torch.__version__, "CUDA", torch.version.cuda, "available", torch.cuda.is_available())' 2> /dev/null || true
log "Torch CMake prefix: ${prefix:-not found}"

nlohmann=
for dir in "${CLIPWB_NLOHMANN_INCLUDE_DIR:-}" shared/include .cuda-deps/include /usr/include /usr/local/include; do
    if [ -n "$dir" ] && [ -f "$dir/nlohmann/json.hpp" ]; then
        nlohmann=$(cd "$dir" && pwd)
        break
    fi
done
log "nlohmann/json.hpp: ${nlohmann:-only through a CMake package}"

generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
log "configuring $build"
if ! cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCLIPWB_CORE_ONLY=ON \
    -DCMAKE_PREFIX_PATH="$prefix" ${nlohmann:+-DCLIPWB_NLOHMANN_INCLUDE_DIR="$nlohmann"} \
    > "$build/configure.log" 2>&1; then
    tail -40 "$build/configure.log"
    log "configure failed (log: $build/configure.log)"
    exit 1
fi
grep -E "clipwb: Torch" "$build/configure.log"
log "building bench_synthetic_train"
if ! cmake --build "$build" --target bench_synthetic_train -j "$(nproc)" > "$build/build.log" 2>&1; then
    grep -E "error|Error" "$build/build.log" | head -30
    tail -20 "$build/build.log"
    log "build failed (log: $build/build.log)"
    exit 1
fi
log "built"

bench=("$build/bench/bench_synthetic_train")
if [ "$device" = cpu ]; then
    args=(--device cpu --batch "${BATCH:-8}" --steps 2 --warmup 1 --precision fp32,bf16 --grad-checkpointing off,on)
else
    args=(--device "$device" --vision-model ViT-B-16 --text-model RoBERTa-wwm-ext-base-chinese
          --batch "${BATCH:-128}" --steps 15 --warmup 5 --precision amp,bf16 --grad-checkpointing off,on)
fi
log "running ${bench[*]} ${args[*]}"
timeout 360 "${bench[@]}" "${args[@]}" 2>&1 | tee "$build/synthetic_train.txt"
status=${PIPESTATUS[0]}
if [ -n "${OUT:-}" ]; then
    cp "$build/synthetic_train.txt" "$build/configure.log" "$OUT/" 2> /dev/null || true
fi
log "done (exit status $status)"
exit "$status"
