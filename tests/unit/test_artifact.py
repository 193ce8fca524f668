# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built collection tarball ships what works from it, and nothing else.

Builds the checkout with `ansible-galaxy collection build` (as a release, or a
user in their own clone, would) and reads the tarball's file list. galaxy.yml's
build_ignore decides what stays out; these tests say what may go in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import os
import subprocess
import sys
import tarfile

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Every file of the tarball matches one of these (fnmatch: `*` crosses `/`).
ALLOWED = (
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "COPYING",
    "requirements.txt",
    "bindep.txt",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "changelogs/changelog.yaml",
    "CHANGELOG.rst",
    "docs/*.md",
    "docs/*.png",
    "plugins/*.py",
    "playbooks/*.yml",
    "roles/*/README.md",
    "roles/*/defaults/*.yml",
    "roles/*/handlers/*.yml",
    "roles/*/meta/*.yml",
    "roles/*/tasks/*.yml",
    "roles/*/vars/*.yml",
    "roles/*/templates/*",
    "roles/*/files/*",
    "tests/sanity/ignore-*.txt",
)

# What a user of the installed collection, Galaxy and ansible-builder need.
REQUIRED = (
    "README.md",
    "COPYING",
    "requirements.txt",
    "bindep.txt",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "changelogs/changelog.yaml",
    "playbooks/demo.yml",
    "playbooks/files/demo.azure_vmss.yml",
)

# Directories whose every file (bytecode aside) is user content and must ship.
SHIPPED_WHOLE = ("plugins", "roles", "playbooks")

# Far above today's size (docs/performance.png is most of it); a venv or a
# build output swept in by mistake is far above this.
MAX_BYTES = 1024 * 1024


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    output = tmp_path_factory.mktemp("build")
    subprocess.run(
        [sys.executable, "-m", "ansible.cli.galaxy", "collection", "build", "--output-path", str(output)],
        cwd=REPO_ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    (path,) = output.glob("vmss-fleet-*.tar.gz")
    return path


@pytest.fixture(scope="module")
def members(tarball):
    with tarfile.open(tarball) as archive:
        return archive.getmembers()


@pytest.fixture(scope="module")
def shipped(members):
    return sorted(member.name for member in members if member.isfile())


def checkout_files(top):
    found = []
    for directory, subdirectories, files in os.walk(os.path.join(REPO_ROOT, top)):
        subdirectories[:] = [name for name in subdirectories if name != "__pycache__"]
        found.extend(os.path.relpath(os.path.join(directory, name), REPO_ROOT)
                     for name in files if not name.endswith(".pyc"))
    return sorted(found)


def test_every_file_is_on_the_allow_list(shipped):
    unexpected = [name for name in shipped if not any(fnmatch.fnmatch(name, pattern) for pattern in ALLOWED)]
    assert unexpected == [], "not on the allow-list (add it to galaxy.yml build_ignore, or to ALLOWED with a reason)"


@pytest.mark.parametrize("name", REQUIRED)
def test_what_users_need_is_there(shipped, name):
    assert name in shipped


@pytest.mark.parametrize("top", SHIPPED_WHOLE)
def test_user_content_ships_whole(shipped, top):
    assert checkout_files(top), "%s/ is empty in the checkout" % top
    missing = sorted(set(checkout_files(top)) - set(shipped))
    assert missing == []


def test_developer_files_stay_out(shipped):
    # Named here as well as kept out by the allow-list, so a failure says which.
    developer_only = ("Makefile", "pytest.ini", "requirements-test.txt", ".ansible-lint", ".gitignore")
    assert [name for name in shipped if name in developer_only] == []
    assert [name for name in shipped if name.startswith(("tests/unit/", "tests/integration/", "tests/tools/",
                                                         "tests/emulator/", "tests/bench/", ".ci/",
                                                         "changelogs/fragments/"))] == []


def test_no_empty_directories(members, shipped):
    directories = [member.name for member in members if member.isdir()]
    empty = [name for name in directories if not any(file.startswith(name + "/") for file in shipped)]
    assert empty == []


def test_sanity_ignore_files_ship_with_it(shipped):
    # A user's own `ansible-test sanity` run needs them; today there are none.
    ignores = [name for name in checkout_files("tests/sanity") if fnmatch.fnmatch(name, "tests/sanity/ignore-*.txt")]
    assert sorted(set(ignores) - set(shipped)) == []


def test_size(tarball):
    assert tarball.stat().st_size < MAX_BYTES
