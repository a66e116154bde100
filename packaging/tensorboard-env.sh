#!/usr/bin/env bash
# Makes (once) a small Python venv with TensorBoard from PyPI, for the test
# that reads clipwb's event files back with TensorBoard's own reader
# (test_tensorboard_readback), and prints the path of its python.
#   CLIPWB_TENSORBOARD_VENV   where the venv lives (~/.cache/clipwb/tensorboard-venv)
set -euo pipefail
venv=${CLIPWB_TENSORBOARD_VENV:-$HOME/.cache/clipwb/tensorboard-venv}
python=/usr/bin/python3
[ -x "$python" ] || python=python3
if ! "$venv/bin/python" -c "import tensorboard.backend.event_processing.event_accumulator" 2>/dev/null; then
  echo "clipwb: creating $venv (pip install tensorboard)" >&2
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "tensorboard>=2.14,<3" >&2
fi
echo "$venv/bin/python"
