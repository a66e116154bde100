#!/usr/bin/env bash
# The second build configuration's LibTorch: PyPI's torch wheel (LibTorch 2.x built with CUDA) in
# a virtual environment of its own. Creates the environment when it is missing, then prints the
# CMake prefix of its LibTorch (what torch.utils.cmake_prefix_path says) on stdout:
#
#   cmake -S . -B build-torch2 -G Ninja -DCMAKE_PREFIX_PATH="$(bash packaging/torch2-env.sh)"
#
# `torch2-env.sh --python [PACKAGE...]` instead makes sure that `import torch` works in it (first
# with LibTorch as below plus torch's pure-Python requirements, else the full install) and that
# the given packages (say cn_clip) are installed, and prints the path of its python.
#
# Only the C++ side is needed to build and run the tests, so by default it installs the torch
# wheel without its Python dependencies and adds only the CUDA libraries that the machine's CUDA
# toolkit (/usr/local/cuda, found through ldconfig) lacks or has in too old a version: about
# 1 GB instead of the 3 GB of a full `pip install torch`. It checks with ldd that every library
# of LibTorch resolves, symbols included, and falls back to the full install when they do not.
#
# Environment: CLIPWB_TORCH2_VENV (default ~/.cache/clipwb/torch2-venv), CLIPWB_TORCH2_VERSION
# (default 2.15.0; the pip requirement is torch==VERSION), CLIPWB_TORCH2_FULL=1 (the full
# install: `import torch` works, the matching CUDA runtime comes along), PYTHON (default python3).
# Messages go to stderr; pip's download cache (~/.cache/pip) is reused between runs.
set -euo pipefail

venv=${CLIPWB_TORCH2_VENV:-$HOME/.cache/clipwb/torch2-venv}
version=${CLIPWB_TORCH2_VERSION:-2.15.0}
python=${PYTHON:-python3}
say() { echo "torch2-env: $*" >&2; }
# pip's output only when it fails (a --no-deps torch makes its resolver warn about what we leave out).
pip_install() {
    local log
    log=$(mktemp)
    if ! "$venv/bin/pip" install --disable-pip-version-check "$@" > "$log" 2>&1; then
        tail -20 "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

site_packages() {
    local dir
    for dir in "$venv"/lib/python3*/site-packages; do
        [ -d "$dir" ] && echo "$dir" && return 0
    done
    return 1
}

torch_dir() {
    local site
    site=$(site_packages) || return 1
    [ -f "$site/torch/share/cmake/Torch/TorchConfig.cmake" ] || return 1
    echo "$site/torch"
}

# The shared libraries of LibTorch that must load for the build's executables to run.
torch_libraries() {
    local lib=$1/lib f
    for f in libtorch.so libtorch_cpu.so libtorch_cuda.so libc10.so libc10_cuda.so libtorch_cuda_linalg.so; do
        [ -f "$lib/$f" ] && echo "$lib/$f"
    done
}

# Prints what does not resolve: "missing SONAME" or "symbol NAME" lines.
unresolved() {
    local f
    for f in $(torch_libraries "$1"); do
        ldd -r "$f" 2>&1 | awk '/=> not found/ {print "missing " $1}
                                /^undefined symbol:/ {print "symbol " $3}'
    done | sort -u
}

# The pip requirement for a library, pinned as the torch wheel pins it.
requirement_for() {
    local key=$1 metadata=$2 name=""
    case "$key" in
        libnccl* | nccl*) name=nvidia-nccl ;;
        libcudnn* | cudnn*) name=nvidia-cudnn ;;
        libcusparseLt* | cusparseLt*) name=nvidia-cusparselt ;;
        libnvshmem* | nvshmem*) name=nvidia-nvshmem ;;
        libcudart* | cuda[A-Z]*) echo "cuda-toolkit[cudart]" ;;
        libcublas* | cublas*) echo "cuda-toolkit[cublas]" ;;
        libcufft* | cufft*) echo "cuda-toolkit[cufft]" ;;
        libcufile* | cuFile*) echo "cuda-toolkit[cufile]" ;;
        libcupti* | cupti*) echo "cuda-toolkit[cupti]" ;;
        libcusolver* | cusolver*) echo "cuda-toolkit[cusolver]" ;;
        libcusparse* | cusparse*) echo "cuda-toolkit[cusparse]" ;;
        libnvJitLink* | nvJitLink*) echo "cuda-toolkit[nvjitlink]" ;;
        libnvrtc* | nvrtc*) echo "cuda-toolkit[nvrtc]" ;;
        *) echo "unknown" ;;
    esac
    if [ -n "$name" ]; then
        # "Requires-Dist: nvidia-nccl-cu13==2.30.7; platform_system == ..." -> nvidia-nccl-cu13==2.30.7
        grep -E "^Requires-Dist: $name(-cu[0-9]+)?==" "$metadata" | head -1 | sed -E 's/^Requires-Dist: ([^;]*).*/\1/'
    fi
}

pin_toolkit() {
    # cuda-toolkit[a] cuda-toolkit[b] -> cuda-toolkit[a,b]==VERSION (torch's pin)
    local metadata=$1
    shift
    local extras pin
    extras=$(printf '%s\n' "$@" | sed -E 's/.*\[(.*)\]/\1/' | sort -u | paste -sd, -)
    pin=$(grep -E "^Requires-Dist: cuda-toolkit\[" "$metadata" | head -1 | sed -E 's/.*\]([^;]*).*/\1/')
    echo "cuda-toolkit[$extras]$pin"
}

install_missing() {
    local dir=$1 metadata missing requirement toolkit=() others=() unknown=0
    metadata=$(ls -d "$(site_packages)"/torch-*.dist-info)/METADATA
    missing=$(unresolved "$dir")
    [ -z "$missing" ] && return 0
    while read -r _ key; do
        requirement=$(requirement_for "$key" "$metadata")
        case "$requirement" in
            unknown | "") unknown=1 ;;
            cuda-toolkit*) toolkit+=("$requirement") ;;
            *) others+=("$requirement") ;;
        esac
    done <<< "$missing"
    [ "$unknown" = 1 ] && return 1
    local requirements=("${others[@]}")
    [ ${#toolkit[@]} -gt 0 ] && requirements+=("$(pin_toolkit "$metadata" "${toolkit[@]}")")
    mapfile -t requirements < <(printf "%s\n" "${requirements[@]}" | sort -u)
    say "$(grep -c ^missing <<< "$missing") libraries missing and $(grep -c ^symbol <<< "$missing") symbols undefined with the system's CUDA libraries"
    say "pip install ${requirements[*]}"
    pip_install "${requirements[@]}"
}

mode=prefix
extras=()
if [ "${1:-}" = --python ]; then
    mode=python
    shift
    extras=("$@")
elif [ $# -gt 0 ]; then
    echo "usage: $0 [--python [PACKAGE...]]" >&2
    exit 2
fi

if [ ! -x "$venv/bin/pip" ]; then
    say "creating $venv"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv" >&2
fi

if [ "$mode" = python ]; then
    if ! "$venv/bin/python" -c 'import torch' > /dev/null 2>&1 && [ "${CLIPWB_TORCH2_FULL:-0}" != 1 ]; then
        # The light way first: LibTorch as for the build (below), plus torch's pure-Python
        # requirements (not the CUDA wheels the system's toolkit already covers, nor triton).
        "$0" > /dev/null || true
        if metadata=$(ls -d "$(site_packages)"/torch-*.dist-info 2> /dev/null)/METADATA && [ -f "$metadata" ]; then
            mapfile -t pure < <(sed -nE 's/^Requires-Dist: ([^;]*)$/\1/p' "$metadata" | tr -d ' ')
            if [ ${#pure[@]} -gt 0 ]; then
                say "pip install torch's Python requirements: ${pure[*]}"
                pip_install "${pure[@]}" || true
            fi
        fi
    fi
    if ! "$venv/bin/python" -c 'import torch' > /dev/null 2>&1; then
        say "pip install torch==$version (with its Python and CUDA runtime dependencies, ~3 GB)"
        pip_install "torch==$version"
    fi
    for package in "${extras[@]}"; do
        if ! "$venv/bin/pip" show --quiet "$package" > /dev/null 2>&1; then
            say "pip install $package"
            pip_install "$package"
        fi
    done
    echo "$venv/bin/python"
    exit 0
fi

if dir=$(torch_dir) && [ -z "$(unresolved "$dir")" ]; then
    echo "$dir/share/cmake"
    exit 0
fi
if [ "${CLIPWB_TORCH2_FULL:-0}" = 1 ]; then
    say "pip install torch==$version (full: with the CUDA runtime wheels, ~3 GB)"
    pip_install "torch==$version"
elif ! torch_dir > /dev/null; then
    say "pip install --no-deps torch==$version (LibTorch only, ~540 MB)"
    pip_install --no-deps "torch==$version"
fi
dir=$(torch_dir) || {
    say "no LibTorch in $venv after pip install"
    exit 1
}

# Two rounds: a library brought in may itself need one the system lacks.
for _ in 1 2; do
    [ -z "$(unresolved "$dir")" ] && break
    install_missing "$dir" || break
done
if [ -n "$(unresolved "$dir")" ]; then
    say "still unresolved with the system's CUDA libraries:"
    unresolved "$dir" | head -5 >&2
    say "pip install torch==$version with all its dependencies"
    pip_install "torch==$version"
fi
if [ -n "$(unresolved "$dir")" ]; then
    say "LibTorch's libraries still do not resolve:"
    unresolved "$dir" >&2
    exit 1
fi
echo "$dir/share/cmake"
