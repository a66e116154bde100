#!/usr/bin/env bash
# clipwb's CUDA path on a lent GPU machine, in one go (about 6-9 minutes): configure the
# core-only build (CLIPWB_CORE_ONLY: no Qt, OpenCV, LMDB or zlib) against the machine's PyTorch,
# build gpu_checks and bench_synthetic_train only, run gpu_checks (the model-level checks of
# test_cuda: tests/gpu/CudaChecks.h), then ViT-B-16 + RoBERTa-wwm-ext-base
# (random weights, synthetic batches) at batch 128 with amp (fp16) and bf16, with and without
# gradient checkpointing: pairs/s, ms per step, peak GPU memory. Then, in the same run on the
# same GPU, upstream's own train() (tests/bench/cuda/upstream_train_cuda.py) with amp at the same
# sizes, and the ratios clipwb / upstream (bf16 is compared with upstream's amp: upstream has no
# bf16).
#
#   tests/bench/cuda/run.sh                          # on the GPU machine, from anywhere
#   CLIPWB_BENCH_DEVICE=cpu tests/bench/cuda/run.sh  # smoke test without a GPU (Tiny models)
#
# Environment: CLIPWB_TORCH_PREFIX (default: python3 -c 'import torch;print(torch.utils.cmake_prefix_path)'),
# CLIPWB_NLOHMANN_INCLUDE_DIR (a folder holding nlohmann/json.hpp when the machine has no
# nlohmann_json package; shared/include and .cuda-deps/include are tried too), CLIPWB_CN_CLIP_DIR
# (a folder holding the cn_clip package when it is not installed; .cuda-deps is tried too:
# tests/bench/cuda/prepare-deps.sh fills .cuda-deps on a machine with internet), BUILD_DIR
# (default build-cuda), CLIPWB_BENCH_BIN (a bench_synthetic_train already built: skips the build),
# BATCH (default 128), PYTHON (default python3), OUT (every result is written there as it comes,
# so a command cut short still returns what it finished).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
start=$(date +%s)
device=${CLIPWB_BENCH_DEVICE:-cuda}
build=${BUILD_DIR:-build-cuda}
python=${PYTHON:-python3}
mkdir -p "$build"
results=${OUT:-$build}
mkdir -p "$results"
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

if [ -n "${CLIPWB_BENCH_BIN:-}" ]; then
    log "using the prebuilt $CLIPWB_BENCH_BIN (CLIPWB_BENCH_BIN: no configure, no build)"
else
    generator=()
    command -v ninja > /dev/null && generator=(-G Ninja)
    log "configuring $build"
    if ! cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCLIPWB_CORE_ONLY=ON \
        -DCMAKE_PREFIX_PATH="$prefix" ${nlohmann:+-DCLIPWB_NLOHMANN_INCLUDE_DIR="$nlohmann"} \
        > "$build/configure.log" 2>&1; then
        tail -40 "$build/configure.log"
        cp "$build/configure.log" "$results/" 2> /dev/null || true
        log "configure failed (log: $build/configure.log)"
        exit 1
    fi
    grep -E "clipwb: Torch" "$build/configure.log"
    log "building gpu_checks and bench_synthetic_train"
    if ! cmake --build "$build" --target gpu_checks bench_synthetic_train -j "$(nproc)" > "$build/build.log" 2>&1; then
        grep -E "error|Error" "$build/build.log" | head -30
        tail -20 "$build/build.log"
        cp "$build/configure.log" "$build/build.log" "$results/" 2> /dev/null || true
        log "build failed (log: $build/build.log)"
        exit 1
    fi
    log "built"
fi

checks_status=0
checks=$(dirname "${CLIPWB_BENCH_BIN:-$build/bench/bench_synthetic_train}")/gpu_checks
if [ -x "$checks" ]; then
    log "running $checks --device $device"
    timeout -k 10 180 "$checks" --device "$device" 2>&1 | tee "$results/gpu_checks.txt"
    checks_status=${PIPESTATUS[0]}
    [ "$checks_status" -ne 124 ] && [ "$checks_status" -ne 137 ] || log "gpu_checks timed out (180 s)"
else
    log "gpu_checks NOT run: $checks was not built"
fi

bench=("${CLIPWB_BENCH_BIN:-$build/bench/bench_synthetic_train}")
if [ "$device" = cpu ]; then
    args=(--device cpu --batch "${BATCH:-8}" --steps 2 --warmup 1 --precision fp32,bf16 --grad-checkpointing off,on)
else
    args=(--device "$device" --vision-model ViT-B-16 --text-model RoBERTa-wwm-ext-base-chinese
          --batch "${BATCH:-128}" --steps 15 --warmup 5 --precision amp,bf16 --grad-checkpointing off,on)
fi
log "running ${bench[*]} ${args[*]}"
timeout -k 10 240 "${bench[@]}" "${args[@]}" 2>&1 | tee "$results/synthetic_train.txt"
status=${PIPESTATUS[0]}
[ "$status" -ne 124 ] && [ "$status" -ne 137 ] || log "bench_synthetic_train timed out (240 s)"

# ---- upstream's train() on the same device, same sizes ----
cn_clip=${CLIPWB_CN_CLIP_DIR:-}
if [ -z "$cn_clip" ] && [ -d .cuda-deps/cn_clip ]; then
    cn_clip=$(cd .cuda-deps && pwd)
fi
upstream=("$python" tests/bench/cuda/upstream_train_cuda.py ${cn_clip:+--cn-clip "$cn_clip"})
if [ "$device" = cpu ]; then
    upstream+=(--device cpu --vision-model resources/model_configs/Tiny-ViT.json
               --text-model resources/model_configs/Tiny-BERT.json --batch "${BATCH:-8}" --steps 2 --warmup 1
               --precision fp32 --grad-checkpointing off,on)
else
    upstream+=(--device "$device" --vision-model resources/model_configs/ViT-B-16.json
               --text-model resources/model_configs/RoBERTa-wwm-ext-base-chinese.json --batch "${BATCH:-128}"
               --steps 15 --warmup 5 --precision amp --grad-checkpointing off,on)
fi
if ${python} -c 'import torch, numpy' > /dev/null 2>&1 &&
    PYTHONPATH="${cn_clip}${PYTHONPATH:+:$PYTHONPATH}" ${python} -c 'import cn_clip' > /dev/null 2>&1; then
    log "running upstream's train(): ${upstream[*]}"
    timeout -k 10 240 "${upstream[@]}" 2> "$results/upstream_train.log" | tee "$results/upstream_train.txt"
    tail -3 "$results/upstream_train.log"
    log "clipwb / upstream (same device, same run):"
    ${python} - "$results/synthetic_train.txt" "$results/upstream_train.txt" << 'PY' | tee "$results/ratios.txt"
import json, sys
def lines(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out
ours, theirs = lines(sys.argv[1]), lines(sys.argv[2])
for o in ours:
    base = [t for t in theirs if t["grad_checkpointing"] == o["grad_checkpointing"] and "pairs_per_s" in t
            and (t["precision"] == o["precision"] or (o["precision"] == "bf16" and t["precision"] == "amp"))]
    if not base:
        print("  %-5s grad-checkpointing %-3s: %8.1f pairs/s, no upstream figure" % (
            o["precision"], "on" if o["grad_checkpointing"] else "off", o["pairs_per_s"]))
        continue
    b = base[0]
    print("  %-5s grad-checkpointing %-3s: clipwb %8.1f pairs/s, %.2f GiB peak | upstream %s %8.1f pairs/s, %.2f GiB | %.2fx" % (
        o["precision"], "on" if o["grad_checkpointing"] else "off", o["pairs_per_s"], o["peak_allocated_gib"],
        b["precision"], b["pairs_per_s"], b["peak_allocated_gib"], o["pairs_per_s"] / b["pairs_per_s"]))
PY
else
    log "upstream baseline NOT run: $python cannot import torch, numpy and cn_clip (set CLIPWB_CN_CLIP_DIR or run tests/bench/cuda/prepare-deps.sh where there is internet)"
fi
cp "$build/configure.log" "$results/" 2> /dev/null || true
log "done (gpu_checks exit status $checks_status, benchmark exit status $status)"
# 124/137 would read as the device command itself running past its limit: a step's own timeout is 3.
for code in checks_status status; do
    case ${!code} in 124 | 137) printf -v "$code" 3 ;; esac
done
[ "$checks_status" -eq 0 ] || exit "$checks_status"
exit "$status"
