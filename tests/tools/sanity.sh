#!/usr/bin/env bash
# Runs `ansible-test sanity` offline on a copy of the checkout.
#
# ansible-test wants the collection under .../ansible_collections/vmss/fleet and
# tests every file it finds there, so the copy holds exactly the files git
# knows about (tracked, or new and not ignored): no venv, no build output.
# Extra arguments go to ansible-test (e.g. --test pep8).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tree="$repo_root/tests/output/sanity-tree"
collection="$tree/ansible_collections/vmss/fleet"

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

seed_get_pip_cache() {
    # ansible-test looks for get_pip_<its pip version>.py in its cache.
    local cache="$HOME/.ansible/test/cache"
    local version
    version="$(bootstrap_pip_version)"
    mkdir -p "$cache"
    cp "$repo_root/tests/tools/get_pip_shim.py" "$cache/get_pip_${version//./_}.py"
}

bootstrap_pip_version() {
    # Asked from ansible-test itself, so an ansible-core upgrade needs no edit.
    python - <<'PY'
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version="3.11"))["pip"])
PY
}

skip_arguments() {
    local test
    for test in "${skipped_tests[@]}"; do
        printf -- '--skip-test %s\n' "$test"
    done
}

main() {
    copy_checkout
    seed_get_pip_cache
    cd "$collection"
    # shellcheck disable=SC2046
    ansible-test sanity --venv --python 3.11 --color no $(skip_arguments) "$@"
}

main "$@"
