#!/bin/sh
# What the browser tests need from the system (make test only, not make build): Debian's
# chromium (driven by Playwright, never `playwright install`), Java for the Nu HTML Checker
# (vnu-jar) and npm to install axe-core and vnu-jar into ./node_modules from package-lock.json.
# Quiet and quick when everything is there. apt-get runs only as root.
set -eu
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
# a Node.js from elsewhere (with its own npm) counts: Debian's npm would conflict with it
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "gazette: test tools missing ($missing ); run once as root: sh tools/install-browser-deps.sh" >&2
        exit 1
    fi
    # another apt-get may hold the lock for a while: wait for it rather than fail
    tries=0
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    until DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 $missing; do
        tries=$((tries + 1))
        [ "$tries" -lt 2 ] || exit 1
        apt-get update
    done
fi
