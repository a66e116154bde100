#!/usr/bin/env bash
# ctest deb_package: makes the Debian package with CPack (as `cd build && cpack
# -G DEB` does) into a temporary folder and checks it: the file list, the
# control fields, desktop-file-validate, appstreamcli validate --no-net,
# lintian without errors, and that the installed programs run from a
# temporary root (dpkg -x) without the source or build tree: clipwb-cli
# --version and a tokenizer call (embedded vocab), and a screenshot of the
# GUI started through the installed desktop entry's Exec line.
# usage: test-deb.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "deb_package: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb="$work/out/clipwb_${version}_amd64.deb"
[ -f "$deb" ] || fail "no $deb (made: $(ls "$work/out"))"
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"

# ---- file list: exactly these files ----
expected=(
  ./usr/bin/clipwb
  ./usr/bin/clipwb-cli
  ./usr/share/applications/io.github.clipwb.clipwb.desktop
  ./usr/share/metainfo/io.github.clipwb.clipwb.metainfo.xml
  ./usr/share/icons/hicolor/scalable/apps/clipwb.svg
  ./usr/share/man/man1/clipwb.1.gz
  ./usr/share/man/man1/clipwb-cli.1.gz
  ./usr/share/doc/clipwb/copyright
  ./usr/share/doc/clipwb/changelog.gz
  ./usr/share/doc/clipwb/README.md
)
for size in 16 24 32 48 64 128 256 512; do
  expected+=("./usr/share/icons/hicolor/${size}x${size}/apps/clipwb.png")
done
[ -f "$(dirname "$0")/../README.zh-CN.md" ] && expected+=(./usr/share/doc/clipwb/README.zh-CN.md)
dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | sort >"$work/files"
printf '%s\n' "${expected[@]}" | sort >"$work/expected"
if ! diff -u "$work/expected" "$work/files"; then
  fail "file list differs from the expected one (- expected, + in the package)"
fi

# ---- control: dependencies from shlibdeps ----
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libtorch libqt6widgets6 libqt6core6 libopencv-imgcodecs liblmdb0 libqcustomplot qt6-qpa-plugins libc6; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib"
done

# ---- the package's metadata files validate ----
root="$work/root"
dpkg-deb -x "$deb" "$root"
desktop-file-validate "$root/usr/share/applications/io.github.clipwb.clipwb.desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net "$root/usr/share/metainfo/io.github.clipwb.clipwb.metainfo.xml" ||
  fail "appstreamcli validate --no-net"

# ---- lintian: no errors and no warnings (none is kept; informational tags are printed) ----
lintian --tag-display-limit 0 --fail-on error,warning "$deb" >"$work/lintian.txt" 2>&1 || {
  cat "$work/lintian.txt"
  fail "lintian reports errors or warnings"
}
sed 's/^/lintian: /' "$work/lintian.txt"

# ---- the installed programs run, from the temporary root, without the build or source tree ----
cd "$work"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
export XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME"
out=$("$root/usr/bin/clipwb-cli" --version)
[ "$out" = "clipwb-cli $version" ] || fail "clipwb-cli --version printed '$out'"
ids=$(echo '"一只可爱的猫"' | "$root/usr/bin/clipwb-cli" tokenize --context-length 8)
grep -q '101' <<<"$ids" || fail "installed clipwb-cli tokenize printed '$ids'"
exec_line=$(sed -n 's/^Exec=//p' "$root/usr/share/applications/io.github.clipwb.clipwb.desktop" | head -1)
program=${exec_line%% *}
[ -x "$root/usr/bin/$program" ] || fail "the desktop entry's Exec=$exec_line is not an installed program"
# The field codes (%f, %U, ...) a launcher would expand are dropped.
args=$(sed 's/%[a-zA-Z]//g' <<<"${exec_line#"$program"}")
# shellcheck disable=SC2086
QT_QPA_PLATFORM=offscreen PATH="$root/usr/bin:$PATH" timeout 120 \
  "$program" $args --screenshot "$work/shot.png" || fail "$exec_line --screenshot failed"
[ "$(head -c 8 "$work/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "no PNG screenshot"
echo "installed clipwb (Exec=$exec_line) drew a $(du -k "$work/shot.png" | cut -f1) KiB screenshot"
# The Chinese translation travels inside the program: its --help in Chinese, chosen by the locale.
help_zh=$(QT_QPA_PLATFORM=offscreen LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$root/usr/bin/clipwb" --help 2>&1 || true)
grep -q "微调工作台" <<<"$help_zh" || fail "the installed clipwb --help is not in Chinese under LANG=zh_CN.UTF-8: $help_zh"
if [ -n "${CLIPWB_DEB_SCREENSHOT:-}" ]; then cp "$work/shot.png" "$CLIPWB_DEB_SCREENSHOT"; fi

# ---- apt resolves every dependency (as root, e.g. in CI) ----
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  apt-get install --simulate --no-install-recommends "$deb" >"$work/apt.txt" 2>&1 || {
    cat "$work/apt.txt"
    fail "apt-get cannot install the package's dependencies"
  }
  echo "apt-get install --simulate: $(grep -c '^Inst' "$work/apt.txt") package(s) to install"
fi
echo "deb_package: OK"
