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

# The play is read-only and the restart only planned: the emulator's request
# log says whether anything was written.
count_writes() {
    python - "$state_dir/ready.json" <<'PY'
import json, ssl, sys, urllib.request

ready = json.load(open(sys.argv[1]))
tls = ssl.create_default_context(cafile=ready["ca_bundle"])
with urllib.request.urlopen(ready["endpoint"] + "/_emulator/requests", context=tls) as answer:
    log = json.load(answer)["requests"]
writes = [r for r in log if r["method"] != "GET" and r["path"].startswith("/subscriptions/")]
print("The emulator answered %d requests; writes among them: %d" % (len(log), len(writes)))
PY
}

try_next() {
    cat <<'EOF'

Try next:
  open tests/output/demo-report/fleet-report.html in a browser
      the fleet report: one HTML file, nothing fetched (fleet-report.json next to it)
  ANSIBLE_COLLECTIONS_PATH=.collections .venv/bin/ansible-doc vmss.fleet.instance
      every option and return value of the action module (the same for each plugin)
  ANSIBLE_COLLECTIONS_PATH=.collections .venv/bin/ansible-playbook playbooks/demo.yml
      this tour of your own subscription, after `az login` and
      `export AZURE_SUBSCRIPTION_ID=...` (docs/real-azure.md); it changes nothing
  make test
      every gate: sanity, lint, docs, unit, emulator and integration tests
EOF
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
    DEMO_REPORT_DIR="$repo_root/tests/output/demo-report" ansible-playbook playbooks/demo.yml
    count_writes
    try_next
}

main "$@"
