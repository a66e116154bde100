#!/usr/bin/env bash
# Puts upstream Chinese-CLIP's own source (the cn_clip package, pinned version
# and sha256) where the cross-checks look for it, and prints that folder:
#   ${CLIPWB_UPSTREAM_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/clipwb/upstream-src}/cn_clip/...
# test_upstream_interop loads clipwb's checkpoints with upstream's model code
# from there (with Debian's /usr/bin/python3 and its torch). The wheel is only
# downloaded (pip download, no install) and unpacked; nothing is installed
# system-wide. Idempotent: a second run prints the folder and does nothing.
set -euo pipefail
version=1.6.0
sha256=1129e296d707a39450eb5e761903cfa3db89dd74a9ddfbd69f0d80c027046e75
dest=${CLIPWB_UPSTREAM_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/clipwb/upstream-src}
if [ -f "$dest/cn_clip/clip/model.py" ]; then
  echo "$dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "clipwb: fetching upstream Chinese-CLIP $version (cn_clip wheel) into $dest" >&2
/usr/bin/python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "cn_clip==$version" >&2
wheel=$(echo "$tmp"/cn_clip-"$version"-*.whl)
echo "$sha256  $wheel" | sha256sum --check --quiet - >&2
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.part"
/usr/bin/python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$wheel" "$dest.part"
rm -rf "$dest"
mv "$dest.part" "$dest"
echo "$dest"
