#!/bin/sh
# Install the fonts the printed edition names (conventions.md §3), idempotently. Run as root.
#
# The Fandol faces (仿宋/楷体 stand-ins) ship only inside texlive-lang-chinese, whose dependencies
# pull in all of TeX Live; we download that one .deb and extract just the Fandol OTFs instead.
# Font binaries are never committed to the repository.
set -eu

FANDOL_DIR=/usr/local/share/fonts/fandol
APT_PACKAGES="fonts-noto-cjk fonts-lxgw-wenkai libharfbuzz-subset0 poppler-utils chromium libicu-dev"

if [ "$(id -u)" -ne 0 ]; then
    echo "install-fonts.sh: run as root" >&2
    exit 1
fi

missing=""
for pkg in $APT_PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
if [ -n "$missing" ]; then
    apt-get update
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

if [ -f "$FANDOL_DIR/FandolFang-Regular.otf" ] && [ -f "$FANDOL_DIR/FandolKai-Regular.otf" ]; then
    echo "Fandol fonts already in $FANDOL_DIR"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # apt drops privileges to _apt while downloading; let it write into the temp dir
    if id _apt >/dev/null 2>&1; then chown _apt "$work"; fi
    (cd "$work" && apt-get download texlive-lang-chinese) || {
        apt-get update
        (cd "$work" && apt-get download texlive-lang-chinese)
    }
    dpkg-deb -x "$work"/texlive-lang-chinese_*.deb "$work/root"
    mkdir -p "$FANDOL_DIR"
    # the text faces only (Song, Hei, Fang, Kai); FandolBraille is of no use here
    find "$work/root" -name 'Fandol*.otf' ! -name 'FandolBraille*' -exec cp {} "$FANDOL_DIR/" \;
    chmod 644 "$FANDOL_DIR"/*.otf
    echo "Installed into $FANDOL_DIR:"
    ls "$FANDOL_DIR"
fi

fc-cache -f "$FANDOL_DIR" >/dev/null
fc-list | grep -q "FandolFang" || { echo "FandolFang not visible to fontconfig" >&2; exit 1; }
echo "fonts ready"
