#!/usr/bin/env bash
# `make test-matrix`: sanity and unit tests on the oldest ansible-core that
# meta/runtime.yml claims and on the newest that installs here. Each core gets
# a venv of its own under tests/output/matrix/ (the collection's requirements,
# that core, pytest); the project's .venv is left alone. Not part of
# `make test`: the two sanity runs alone take several minutes.
#
# MATRIX_CORES overrides the pairs, e.g. MATRIX_CORES="2.17.14@3.12".
# MATRIX_GATES picks the gates (default "unit sanity").
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
matrix_dir="$repo_root/tests/output/matrix"
# The oldest core of `requires_ansible` (its last patch release) and the newest
# release; each on a Python its controller supports.
default_cores="2.16.19@3.12 2.21.5@3.13"
read -r -a cores <<<"${MATRIX_CORES:-$default_cores}"
read -r -a gates <<<"${MATRIX_GATES:-unit sanity}"
# Other sessions share the machine: sanity runs one at a time, as in make test.
gates_lock="/tmp/vmss-gates.lock"

export ANSIBLE_COLLECTIONS_PATH="$repo_root/.collections"
export ANSIBLE_NOCOLOR=1 NO_COLOR=1 ANSIBLE_DEPRECATION_WARNINGS=0

results=()

# A python3.X from pyenv's versions, else from PATH. One that does not run
# (a pyenv shim for a version that is not selected) does not count.
find_python() {
    local version="$1" candidate
    for candidate in "$HOME"/.pyenv/versions/"$version".*/bin/"python$version" "$(command -v "python$version" || true)"; do
        if [[ -n "$candidate" && -x "$candidate" ]] && "$candidate" -c '' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Python $version not found on PATH or under ~/.pyenv/versions: install it, or set MATRIX_CORES" >&2
    return 1
}

# The pin of a test tool, read from requirements-test.txt so both stay alike.
test_pin() {
    grep -i "^$1==" requirements-test.txt
}

# A venv per core, rebuilt when the core or a requirements file changes.
prepare_venv() {
    local core="$1" python="$2" venv="$3" stamp
    stamp="$venv/.matrix-$(cat requirements.txt requirements-test.txt tests/emulator/pyproject.toml | sha256sum | cut -c1-16)"
    [[ -f "$stamp" ]] && return 0
    echo "== matrix: creating $venv (ansible-core $core, $("$python" --version))"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "ansible-core==$core" -r requirements.txt -e tests/emulator "$(test_pin pytest)" "$(test_pin PyYAML)" \
        >"$venv-pip.log" 2>&1; then
        tail -n 20 "$venv-pip.log"
        return 1
    fi
    touch "$stamp"
}

run_unit() {
    local venv="$1" log="$2"
    PATH="$venv/bin:$PATH" python -m pytest -p no:cacheprovider -q tests/unit >"$log" 2>&1
}

run_sanity() {
    local venv="$1" python_version="$2" log="$3" python
    python="$(find_python "$python_version")"
    # The core's ansible-test and python first; the interpreter ansible-test
    # makes its venvs from, and shellcheck from the project venv, after.
    PATH="$venv/bin:$(dirname "$python"):$PATH:$repo_root/.venv/bin" \
        SANITY_PYTHON="$python_version" SANITY_TREE="$venv-sanity-tree" \
        flock "$gates_lock" tests/tools/sanity.sh >"$log" 2>&1
}

# The closing line of a log: pytest's summary, or ansible-test's last word.
summary_of() {
    local gate="$1" log="$2"
    if [[ "$gate" == unit ]]; then
        grep -E '(passed|failed|error)' "$log" | tail -n 1
    else
        grep -cE '^Running sanity test ' "$log" | sed 's/$/ sanity tests run/'
    fi
}

run_core() {
    local core="${1%@*}" python_version="${1#*@}" python venv gate log started status
    python="$(find_python "$python_version")"
    venv="$matrix_dir/core-$core-py$python_version"
    mkdir -p "$matrix_dir"
    prepare_venv "$core" "$python" "$venv"
    for gate in "${gates[@]}"; do
        log="$venv-$gate.log"
        started=$SECONDS
        echo "== matrix: $gate on ansible-core $core, Python $python_version (log: ${log#"$repo_root"/})"
        status=passed
        case "$gate" in
            unit) run_unit "$venv" "$log" || status=FAILED ;;
            sanity) run_sanity "$venv" "$python_version" "$log" || status=FAILED ;;
            *) echo "unknown gate: $gate (known: unit sanity)" >&2; exit 2 ;;
        esac
        results+=("$(printf '%-8s %-7s %-7s %-7s %4ss  %s' "$core" "$python_version" "$gate" "$status" \
            "$((SECONDS - started))" "$(summary_of "$gate" "$log")")")
        if [[ "$status" != passed ]]; then
            tail -n 40 "$log"
        fi
    done
}

main() {
    local spec line failed=0
    for spec in "${cores[@]}"; do
        run_core "$spec"
    done
    echo
    printf '%-8s %-7s %-7s %-7s %5s  %s\n' core python gate result time summary
    for line in "${results[@]}"; do
        echo "$line"
        [[ "$line" == *FAILED* ]] && failed=1
    done
    return "$failed"
}

main "$@"
