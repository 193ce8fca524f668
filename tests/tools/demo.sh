#!/usr/bin/env bash
# `make demo`: runs playbooks/demo.yml against the local ARM emulator.
# The emulator runs in the background on the sample estate, in a temporary
# state dir, and is stopped however the playbook ends.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
export PATH="$repo_root/.venv/bin:$PATH"
export VIRTUAL_ENV="$repo_root/.venv"
export ANSIBLE_COLLECTIONS_PATH="$repo_root/.collections"
# The play runs on the implicit localhost; no inventory is needed or wanted.
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False

estate="tests/emulator/estates/sample.yml"

require_emulator() {
    if ! python -c 'import arm_emulator' 2>/dev/null || [[ ! -f "$estate" ]]; then
        echo "The ARM emulator (tests/emulator) or its sample estate is missing: run \`make setup\` in a complete checkout." >&2
        exit 1
    fi
}

state_dir=""

stop_emulator() {
    python -m arm_emulator stop --state-dir "$state_dir" || echo "warning: could not stop the emulator of $state_dir" >&2
    rm -rf "$state_dir"
}

main() {
    require_emulator
    state_dir="$(mktemp -d "${TMPDIR:-/tmp}/vmss-fleet-demo.XXXXXX")"
    trap stop_emulator EXIT
    # The ready line carries the emulator's (fake) client secret: keep it out of
    # the output, as any secret, and show only where the emulator listens.
    python -m arm_emulator serve --estate "$estate" --state-dir "$state_dir" --daemon >"$state_dir/ready.json"
    python -c 'import json, sys; print("ARM emulator listening at", json.load(open(sys.argv[1]))["endpoint"])' \
        "$state_dir/ready.json"
    # The same variables an AWX "Microsoft Azure Resource Manager" credential
    # sets, pointing at the emulator (plus the CA bundle that signs its TLS).
    # shellcheck disable=SC1091
    source "$state_dir/env.sh"
    ansible-playbook playbooks/demo.yml
}

main "$@"
