#!/usr/bin/env bash
# Installs the Debian 12 packages clipwb needs to build, run and test, when
# they are missing. Needs root (or sudo) only when something is missing.
set -euo pipefail
packages=(
  cmake ninja-build g++ ccache pkg-config
  qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6
  libtorch-dev libgloo-dev libopenblas0-pthread liblmdb-dev libopencv-dev libjpeg-dev nlohmann-json3-dev
  # tests: upstream cross-checks (Debian's /usr/bin/python3 with torch, numpy, PIL,
  # lmdb; six for upstream's tokenizer module; pip only to download upstream's
  # source, packaging/upstream-src.sh) and GUI screenshots
  python3-torch python3-torchvision python3-numpy python3-pil python3-lmdb python3-six python3-pip
  xvfb xauth imagemagick
  fonts-noto-cjk
  # translations (Qt Linguist: lupdate/lrelease, Qt's own zh_CN strings)
  qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n
  # the Debian package and its test (cpack -G DEB, shlibdeps, man pages, validators)
  dpkg-dev help2man desktop-file-utils appstream lintian
  # the TensorBoard readback test's venv (packaging/tensorboard-env.sh)
  python3-venv
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "clipwb: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
