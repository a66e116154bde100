#!/usr/bin/env bash
# CPU training speed at three sizes against upstream on two PyTorch builds
# (tests/bench/bench_train_sizes.py). The PyPI venv (torch 2.x with `import
# torch`, torchvision, upstream's cn_clip, lmdb) is made or checked first by
# packaging/torch2-env.sh --python. Arguments go to bench_train_sizes.py, e.g.
#
#   nice -n 10 tests/bench/cpu_train/run.sh --sizes mid,base --rounds 3 --json /tmp/speed.jsonl
#
# Needs build/bin/clipwb-cli (or --clipwb-cli PATH) and Debian's python3-torch.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(cd "$here/../../.." && pwd)"
python="$(bash "$source_dir/packaging/torch2-env.sh" --python cn_clip lmdb torchvision | tail -n 1)"
"$python" -c 'import torch, torchvision, cn_clip, lmdb' ||
    { echo "run.sh: $python cannot import torch, torchvision, cn_clip and lmdb" >&2; exit 1; }
exec /usr/bin/python3 "$here/../bench_train_sizes.py" --torch2-python "$python" "$@"
