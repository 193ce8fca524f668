#!/usr/bin/env bash
# Checks what a release would publish: builds the collection tarball, runs
# galaxy-importer on it (as Galaxy / Automation Hub do) and lists the
# dependencies ansible-builder would put in an execution environment.
# Uses its own venv under tests/output (see requirements-release.txt).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
venv="$repo_root/tests/output/release-venv"
build_dir="$repo_root/tests/output/build"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet -r tests/tools/requirements-release.txt
fi
export PATH="$venv/bin:$PATH"

rm -rf "$build_dir"
ansible-galaxy collection build --output-path "$build_dir"
tarball="$(ls "$build_dir"/vmss-fleet-*.tar.gz)"
echo "== $(basename "$tarball"): $(stat -c %s "$tarball") bytes, $(tar -tzf "$tarball" | grep -vc '/$') files"

echo "== galaxy-importer $tarball"
(cd "$build_dir" && python -m galaxy_importer.main "$tarball")

echo "== ansible-builder introspect --sanitize .collections"
ansible-builder introspect --sanitize "$repo_root/.collections"
