#!/usr/bin/env bash
# `make setup`: headless Chromium (Debian's `chromium`) for the test that renders the fleet report page
# (tests/integration/test_fleet_report.py). Nothing to do when /usr/bin/chromium exists. Without root or
# apt-get, or when apt fails, it says so and setup goes on: that test then skips, naming the reason.
set -euo pipefail

chromium=/usr/bin/chromium
[[ -x "$chromium" ]] && exit 0

skipped="the fleet report's rendering tests will be skipped"
if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "== setup: Chromium is missing and cannot be installed here (needs root and apt-get: apt-get install chromium); $skipped"
    exit 0
fi

echo "== setup: installing Chromium (Debian package chromium) for the fleet report's rendering test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$log" 2>&1 \
        || [[ ! -x "$chromium" ]]; then
    echo "== setup: could not install Chromium; $skipped. apt said:"
    tail -n 5 "$log"
fi
