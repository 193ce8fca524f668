# -*- coding: utf-8 -*-
"""Integration helpers: the emulator, and ways to run the collection's content as a user would.

Tests run ``ansible-playbook`` / ``ansible-inventory`` as subprocesses with only the environment a user or
AWX job would have (the emulator's env.sh), and assert on the results and on the emulator's request log.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(REPO, ".collections")
ESTATES = os.path.join(REPO, "tests", "emulator", "estates")
BIN = os.path.dirname(sys.executable)

# Variables a developer's shell may carry that would change what the collection does.
SCRUBBED_ENV_PREFIXES = ("AZURE_", "ANSIBLE_", "ARM_")


def base_env(extra=None):
    """A clean environment: PATH, HOME and the collections path, plus ``extra``."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(SCRUBBED_ENV_PREFIXES))
    env.update({
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
    })
    env.update(extra or {})
    return env


def start_emulator(estate="sample.yml", extra_args=()):
    """An EmulatorProcess (a context manager) on an estate of tests/emulator/estates/."""
    from arm_emulator.testing import EmulatorProcess

    path = os.path.join(ESTATES, estate)
    emu = EmulatorProcess(path, extra_args=tuple(extra_args))
    emu.estate_path = path
    return emu


class Run(object):
    def __init__(self, completed, result=None):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.result = result

    @property
    def output(self):
        return self.stdout + self.stderr


def run_playbook(playbook, env, extra_args=(), timeout=600):
    """Run a playbook file; returns a Run with rc, stdout and stderr."""
    command = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", playbook]
    command += list(extra_args)
    completed = subprocess.run(command, env=base_env(env), capture_output=True, text=True, timeout=timeout,
                               cwd=REPO, check=False)
    return Run(completed)


def run_module(module, args, env, check=False, diff=False, extra_args=(), vars_=None, timeout=600):
    """Run one task of ``vmss.fleet.<module>`` on localhost; ``Run.result`` is its registered result."""
    with tempfile.TemporaryDirectory() as workdir:
        out = os.path.join(workdir, "result.json")
        play = [{
            "hosts": "localhost",
            "gather_facts": False,
            "vars": vars_ or {},
            "tasks": [
                {"name": "module under test", "vmss.fleet.%s" % module: args, "register": "result",
                 "ignore_errors": True},
                {"name": "save the result", "ansible.builtin.copy": {"content": "{{ result | to_json }}",
                                                                     "dest": out},
                 "check_mode": False, "diff": False},
            ],
        }]
        playbook = os.path.join(workdir, "play.yml")
        with open(playbook, "w") as handle:
            yaml.safe_dump(play, handle)
        flags = list(extra_args) + (["--check"] if check else []) + (["--diff"] if diff else [])
        run = run_playbook(playbook, env, flags, timeout=timeout)
        if os.path.exists(out):
            with open(out) as handle:
                run.result = json.load(handle)
        return run


def run_inventory(config, env, extra_args=("--list", "--export"), timeout=600, name="fleet.azure_vmss.yml"):
    """Run ansible-inventory on a config dict written as ``name``; Run.result is the parsed JSON (for --list)."""
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, name)
        with open(path, "w") as handle:
            yaml.safe_dump(config, handle)
        command = [os.path.join(BIN, "ansible-inventory"), "-i", path] + list(extra_args)
        completed = subprocess.run(command, env=base_env(env), capture_output=True, text=True, timeout=timeout,
                                   cwd=workdir, check=False)
        run = Run(completed)
        if completed.returncode == 0 and "--list" in extra_args and not {"-y", "--yaml"} & set(extra_args):
            run.result = json.loads(completed.stdout)
        return run


def arm_requests(emu, method=None, contains=None):
    """The emulator's logged ARM requests, optionally filtered by method and a path fragment."""
    entries = emu.requests()
    if method:
        entries = [e for e in entries if e["method"] == method]
    if contains:
        entries = [e for e in entries if contains.lower() in e["path"].lower()]
    return entries


class WhenLogged(threading.Thread):
    """Runs ``action(emu)`` once, as soon as the emulator logs a request that ``predicate`` accepts.

    Used as a context manager around a run: ``fired`` tells afterwards whether the action ran.
    """

    def __init__(self, emu, predicate, action):
        super(WhenLogged, self).__init__(daemon=True)
        self.emu, self.predicate, self.action = emu, predicate, action
        self.fired = False
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            if any(self.predicate(entry) for entry in self.emu.requests()):
                self.action(self.emu)
                self.fired = True
                return
            time.sleep(0.02)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.join(10)
        return False


def ok(run):
    """The registered result of a module run that succeeded (the run's output on failure)."""
    assert run.result is not None and not run.result.get("failed"), run.output
    return run.result


def failed(run):
    """The registered result of a module run that failed cleanly: no traceback in its output."""
    assert run.result is not None and run.result.get("failed"), run.output
    assert "Traceback" not in run.output
    return run.result
