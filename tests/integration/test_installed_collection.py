# -*- coding: utf-8 -*-
"""The collection as users get it: the built tarball, installed into an empty path, runs its demo.

``ansible-galaxy collection build`` + ``ansible-galaxy collection install`` of the tarball, then
``ansible-playbook vmss.fleet.demo`` against the emulator from a directory outside the checkout, with only the
installed copy on the collections path (tests/unit/test_artifact.py checks the tarball's file list; this checks
that what is in it works).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from harness import REPO, base_env, start_emulator

pytestmark = pytest.mark.integration


def galaxy(args, cwd, env):
    return subprocess.run([sys.executable, "-m", "ansible.cli.galaxy"] + args, cwd=str(cwd), env=env,
                          capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The tarball installed into an empty collections path; returns that path."""
    build = tmp_path_factory.mktemp("build")
    collections = tmp_path_factory.mktemp("installed") / "collections"
    built = galaxy(["collection", "build", "--output-path", str(build), REPO], build, base_env())
    assert built.returncode == 0, built.stdout + built.stderr
    (tarball,) = build.glob("vmss-fleet-*.tar.gz")
    # With the checkout's link on the collections path, ansible-galaxy would call it installed already.
    done = galaxy(["collection", "install", "--offline", "-p", str(collections), str(tarball)], build,
                  installed_env(collections, {}))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (collections / "ansible_collections" / "vmss" / "fleet" / "MANIFEST.json").is_file(), done.stdout
    return collections


def installed_env(collections, extra):
    """Only the installed copy on the collections path; none found through sys.path either."""
    return base_env(dict(extra, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false"))


def test_the_installed_copy_is_the_only_one_ansible_sees(installed, tmp_path):
    listed = galaxy(["collection", "list", "vmss.fleet", "--format", "json"], tmp_path, installed_env(installed, {}))
    assert listed.returncode == 0, listed.stderr
    paths = json.loads(listed.stdout)
    assert list(paths) == [str(installed / "ansible_collections")]
    collection = installed / "ansible_collections" / "vmss" / "fleet"
    assert not os.path.islink(str(collection)) and not (collection / "tests" / "integration").exists()


def test_installed_demo_runs_against_the_emulator(installed, tmp_path):
    report_dir = tmp_path / "report"
    with start_emulator() as emu:
        env = installed_env(installed, dict(emu.env, DEMO_REPORT_DIR=str(report_dir)))
        demo = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "vmss.fleet.demo"],
                              cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False, timeout=600)
        writes = [r for r in emu.requests() if r["method"] != "GET" and r["path"].startswith("/subscriptions/")]
        listed_sets = [r for r in emu.requests() if r["path"].endswith("/virtualMachineScaleSets")]
    assert demo.returncode == 0, demo.stdout + demo.stderr
    for section in ("1. Scale sets", "2. A few instance records", "3. ansible-inventory", "4. Rolling restart plan",
                    "5. Fleet report"):
        assert section in demo.stdout
    assert "@vmss_mode_uniform" in demo.stdout and "@vmss_mode_flexible" in demo.stdout
    assert "failed=0" in demo.stdout
    assert sorted(os.listdir(str(report_dir))) == ["fleet-report.html", "fleet-report.json"]
    assert listed_sets and writes == []
    assert REPO not in demo.stdout
