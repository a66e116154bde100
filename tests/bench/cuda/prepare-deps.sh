#!/usr/bin/env bash
# Fills .cuda-deps/ (ignored by git, carried to a GPU machine that has no internet) with what
# tests/bench/cuda/run.sh needs there beyond a CUDA PyTorch: nlohmann/json.hpp for the core-only
# build and upstream's cn_clip package for the baseline (from the torch 2.x venv of
# packaging/torch2-env.sh, created if missing).
set -euo pipefail
cd "$(dirname "$0")/../../.."
mkdir -p .cuda-deps/include/nlohmann
for header in /usr/include/nlohmann/json.hpp /usr/local/include/nlohmann/json.hpp; do
    if [ -f "$header" ]; then
        cp -r "$(dirname "$header")"/. .cuda-deps/include/nlohmann/
        break
    fi
done
python=$(bash packaging/torch2-env.sh --python cn_clip)
site=$("$python" -c 'import cn_clip, os; print(os.path.dirname(os.path.dirname(cn_clip.__file__)))')
rm -rf .cuda-deps/cn_clip
cp -r "$site/cn_clip" .cuda-deps/cn_clip
find .cuda-deps -name __pycache__ -prune -exec rm -rf {} +
du -sh .cuda-deps
