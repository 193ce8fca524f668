# -*- coding: utf-8 -*-
"""The collection as users get it: the built tarball, installed into an empty path, runs its demo.

``ansible-galaxy collection build`` + ``ansible-galaxy collection install`` of the tarball, then
``ansible-playbook vmss.fleet.demo`` against the emulator from a directory outside the checkout, with only the
installed copy on the collections path (tests/unit/test_artifact.py checks the tarball's file list; this checks
that what is in it works). ansible-builder reads the installed copy's meta/execution-environment.yml as an
execution environment build does, and ``ansible-builder create`` writes a build context offline.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml

from harness import BIN, REPO, base_env, start_emulator

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


def requirement_lines(path):
    with open(str(path)) as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]


def pinned(name):
    """The pin of a tool in requirements-test.txt, e.g. ``ansible-core==2.19.14``."""
    (line,) = [line for line in requirement_lines(os.path.join(REPO, "requirements-test.txt"))
               if line.lower().startswith(name + "==")]
    return line


def builder(args, cwd):
    # A proxy that refuses every connection: any download would fail the command.
    env = base_env({"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"})
    return subprocess.run([os.path.join(BIN, "ansible-builder")] + args, cwd=str(cwd), env=env,
                          capture_output=True, text=True, check=False, timeout=120)


def test_builder_introspection_finds_the_python_and_system_requirements(installed, tmp_path):
    """What an EE build runs on every collection it installs: meta/execution-environment.yml, relative to the
    collection's root, names requirements.txt and bindep.txt."""
    pip, bindep = tmp_path / "pip.txt", tmp_path / "bindep.txt"
    run = builder(["introspect", "--sanitize", str(installed), "--write-pip", str(pip), "--write-bindep", str(bindep)],
                  tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    origin = "  # from collection vmss.fleet"
    assert requirement_lines(pip) == [line + origin for line in requirement_lines(os.path.join(REPO, "requirements.txt"))]
    assert requirement_lines(bindep) == [line + origin for line in requirement_lines(os.path.join(REPO, "bindep.txt"))]


def test_builder_create_writes_an_ee_context_offline(installed, tmp_path):
    """An EE definition built from the collection's metadata: its Python and system requirements, the
    collection itself, ansible-core and ansible-runner. create only writes the context; nothing is fetched."""
    collection = installed / "ansible_collections" / "vmss" / "fleet"
    with open(str(collection / "meta" / "execution-environment.yml")) as handle:
        dependencies = yaml.safe_load(handle)["dependencies"]
    ee = tmp_path / "ee"
    ee.mkdir()
    for kind in ("python", "system"):
        with open(str(collection / dependencies[kind])) as source:
            (ee / os.path.basename(dependencies[kind])).write_text(source.read())
    definition = {
        "version": 3,
        "images": {"base_image": {"name": "quay.io/fedora/python-311:latest"}},
        "dependencies": {
            "ansible_core": {"package_pip": pinned("ansible-core")},
            "ansible_runner": {"package_pip": pinned("ansible-runner")},
            "python": os.path.basename(dependencies["python"]),
            "system": os.path.basename(dependencies["system"]),
            "galaxy": {"collections": [{"name": "vmss.fleet"}]},
        },
    }
    (ee / "execution-environment.yml").write_text(yaml.safe_dump(definition))
    run = builder(["create", "--file", "execution-environment.yml", "--context", "context",
                   "--output-filename", "Containerfile"], ee)
    assert run.returncode == 0, run.stdout + run.stderr
    build = ee / "context" / "_build"
    assert requirement_lines(build / "requirements.txt") == requirement_lines(os.path.join(REPO, "requirements.txt"))
    assert requirement_lines(build / "bindep.txt") == requirement_lines(os.path.join(REPO, "bindep.txt"))
    assert yaml.safe_load((build / "requirements.yml").read_text()) == {"collections": [{"name": "vmss.fleet"}]}
    containerfile = (ee / "context" / "Containerfile").read_text()
    assert "--user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    assert "%s %s" % (pinned("ansible-core"), pinned("ansible-runner")) in containerfile
