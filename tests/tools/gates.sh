#!/usr/bin/env bash
# Runs every gate of `make test` in order and stops at the first failure.
# Usage: tests/tools/gates.sh [sanity|lint|docs|pytest]...
# Expects `make setup` to have run (the Makefile does that first).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
export PATH="$repo_root/.venv/bin:$PATH"
export VIRTUAL_ENV="$repo_root/.venv"
export ANSIBLE_COLLECTIONS_PATH="$repo_root/.collections"
# Keep gate output free of noise from the machine's locale and ansible config.
export ANSIBLE_NOCOLOR=1 NO_COLOR=1 ANSIBLE_DEPRECATION_WARNINGS=0

banner() {
    printf '\n========== %s ==========\n' "$*"
}

run_gate() {
    local name="$1"
    shift
    local started=$SECONDS
    banner "GATE: $name"
    if "$@"; then
        banner "PASSED: $name ($((SECONDS - started))s)"
    else
        banner "FAILED: $name ($((SECONDS - started))s)"
        exit 1
    fi
}

gate_sanity() {
    tests/tools/sanity.sh
}

gate_lint() {
    ansible-lint --profile production --offline &&
        antsibull-changelog lint
}

# Each module, inventory plugin, filter and role must render with ansible-doc. All are
# tried, so one run names every broken one.
gate_docs() {
    local path name count=0 failed=()
    for path in plugins/modules/*.py plugins/inventory/*.py plugins/filter/*.py; do
        [[ -f "$path" ]] || continue
        name="$(basename "$path" .py)"
        [[ "$name" == __init__ ]] && continue
        count=$((count + 1))
        show_doc "$(plugin_type_of "$path")" "vmss.fleet.$name" || failed+=("$name")
    done
    for path in roles/*/; do
        [[ -d "$path" ]] || continue
        name="$(basename "$path")"
        count=$((count + 1))
        show_doc role "vmss.fleet.$name" || failed+=("role $name")
    done
    if [[ ${#failed[@]} -gt 0 ]]; then
        echo "ansible-doc failed for: ${failed[*]}"
        return 1
    fi
    echo "ansible-doc rendered $count plugin(s) and role(s)"
}

plugin_type_of() {
    case "$1" in
        plugins/inventory/*) echo inventory ;;
        plugins/filter/*) echo filter ;;
        *) echo module ;;
    esac
}

# ansible-doc prints a warning and still exits 0 for some broken docs, so
# anything on stderr counts as a failure too.
show_doc() {
    local type="$1" fqcn="$2" errors
    echo "ansible-doc -t $type $fqcn"
    if ! errors="$(ansible-doc -t "$type" "$fqcn" 2>&1 >/dev/null)" || [[ -n "$errors" ]]; then
        echo "$errors"
        return 1
    fi
}

# pytest exits 5 when it collects nothing; that is accepted only for a
# directory with no test files yet, never for one whose tests vanished.
gate_pytest() {
    local directory
    for directory in tests/unit tests/emulator/tests tests/integration; do
        if ! has_test_files "$directory"; then
            echo "$directory: no test files yet, skipped"
            continue
        fi
        echo "pytest $directory"
        pytest -p no:cacheprovider "$directory" || return 1
    done
}

has_test_files() {
    [[ -d "$1" ]] && [[ -n "$(find "$1" -name 'test_*.py' -o -name '*_test.py' | head -n 1)" ]]
}

# With no arguments every gate runs; name some (sanity lint docs pytest) to
# run only those while working on a fix.
main() {
    local selected=("$@")
    [[ ${#selected[@]} -gt 0 ]] || selected=(sanity lint docs pytest)
    local gate
    for gate in "${selected[@]}"; do
        case "$gate" in
            sanity) run_gate "1/4 ansible-test sanity" gate_sanity ;;
            lint) run_gate "2/4 ansible-lint (production) and changelog lint" gate_lint ;;
            docs) run_gate "3/4 ansible-doc of every plugin and role" gate_docs ;;
            pytest) run_gate "4/4 pytest: unit, emulator, integration" gate_pytest ;;
            *) echo "unknown gate: $gate (known: sanity lint docs pytest)" >&2; exit 2 ;;
        esac
    done
    banner "ALL SELECTED GATES PASSED: ${selected[*]}"
}

main "$@"
