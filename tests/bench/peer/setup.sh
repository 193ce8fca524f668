#!/usr/bin/env bash
# Make the peer's venv, tests/output/peer-venv: the ansible community package (which carries
# azure.azcollection) and azure.azcollection's own Python requirements, pinned in requirements.txt.
# Idempotent: a stamp named after the hash of requirements.txt skips the install when nothing changed.
# Prints the azure.azcollection version the venv carries.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
venv="$repo/tests/output/peer-venv"
requirements="$here/requirements.txt"
python="${PEER_PYTHON:-$(command -v python3.11 || command -v python3)}"

stamp="$venv/.setup-$(sha256sum "$requirements" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "== peer: installing azure.azcollection's venv into ${venv#"$repo"/} (a few minutes the first time)"
    test -x "$venv/bin/python" || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$requirements"
    rm -f "$venv"/.setup-*
    touch "$stamp"
fi

manifest="$venv/lib/python3.11/site-packages/ansible_collections/azure/azcollection/MANIFEST.json"
version="$("$venv/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["collection_info"]["version"])' \
    "$manifest")"
echo "== peer: $("$venv/bin/ansible" --version | head -1), azure.azcollection $version"
