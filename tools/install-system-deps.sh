#!/bin/sh
# What `make build`/`make test` need from the system: CJK fonts for the print edition,
# libharfbuzz-subset0 (WeasyPrint subsets fonts ~10 s faster with it), poppler-utils,
# chromium (the browser tests and the preview latency bench drive it through Playwright) and ICU
# (printed titles break between words with its dictionary; libicu-dev is the release-independent
# name that brings the runtime library libicuNN).
# Quiet and quick when everything is there; installs through tools/install-fonts.sh as root.
set -eu
ready=yes
for pkg in fonts-noto-cjk fonts-lxgw-wenkai libharfbuzz-subset0 poppler-utils chromium libicu-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || ready=no
done
fc-list 2>/dev/null | grep -q FandolFang || ready=no
[ "$ready" = yes ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    exec sh "$(dirname "$0")/install-fonts.sh"
fi
echo "gazette: system fonts/libraries are missing; run once as root: sh tools/install-fonts.sh" >&2
exit 1
