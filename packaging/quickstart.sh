#!/usr/bin/env bash
# The README's two commands:
#   packaging/quickstart.sh run          set up, build, open the GUI on the demo project
#                                        (no display: a headless demo run in the terminal)
#   packaging/quickstart.sh test         set up, build, run every test
# and the second LibTorch configuration (README, Building):
#   packaging/quickstart.sh test-torch2  the same build and tests against PyPI's LibTorch 2.x
#                                        with CUDA (packaging/torch2-env.sh), in build-torch2/
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
bash packaging/install-deps.sh
case "$mode" in
  test-torch2)
    # PyPI's LibTorch is built with CUDA: its CMake configuration needs the CUDA toolkit
    # (nvcc, cuBLAS, ...), even to build and test on a machine without a GPU.
    if ! command -v nvcc >/dev/null && [ ! -x /usr/local/cuda/bin/nvcc ]; then
      echo "clipwb: test-torch2 needs the CUDA toolkit (nvcc under /usr/local/cuda or on PATH)" >&2
      exit 3
    fi
    prefix=$(bash packaging/torch2-env.sh)
    # Benchmarks are left out: they are measured with Debian's build (see Benchmarks).
    cmake -S . -B build-torch2 -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
          -DCLIPWB_BUILD_BENCH=OFF >/dev/null
    ;;
  *)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ;;
esac
# Runs every test of a build folder with every cross-check required (a missing prerequisite
# fails the test that needs it instead of skipping it: tests/support/CrossCheck.h).
run_tests() {
    export CLIPWB_REQUIRE_CROSSCHECKS=1
    # Upstream's source for the checkpoint interop check.
    CLIPWB_UPSTREAM_SRC=$(bash packaging/upstream-src.sh)
    export CLIPWB_UPSTREAM_SRC
    # TensorBoard's own reader for test_tensorboard_readback (a venv under ~/.cache/clipwb).
    bash packaging/tensorboard-env.sh >/dev/null
    cd "$1"
    rm -f Testing/skipped-crosschecks.txt
    local status=0
    ctest --output-on-failure -j2 || status=$?
    if [ -s Testing/skipped-crosschecks.txt ]; then
      echo "clipwb: cross-checks not run:" >&2
      sed 's/^/  /' Testing/skipped-crosschecks.txt >&2
    fi
    return "$status"
}

case "$mode" in
  run)
    # Only what the demo needs: the two executables, not the tests (most of a fresh build).
    cmake --build build -j"$(nproc)" --target clipwb clipwb-cli
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      exec build/bin/clipwb --demo
    else
      echo "clipwb: no display; running the headless demo (build/bin/clipwb-cli demo)" >&2
      exec build/bin/clipwb-cli demo --out "${CLIPWB_DEMO_DIR:-$HOME/clipwb-demo}"
    fi
    ;;
  test)
    cmake --build build -j"$(nproc)"
    run_tests build
    ;;
  test-torch2)
    # The wheel's python (torch importable) for test_trainer_ddp's torchrun launch: a torchrun
    # must be of the same PyTorch as the LibTorch (its store's protocol).
    bash packaging/torch2-env.sh --python >/dev/null
    cmake --build build-torch2 -j"$(nproc)"
    run_tests build-torch2
    ;;
  *)
    echo "usage: $0 run|test|test-torch2" >&2
    exit 2
    ;;
esac
