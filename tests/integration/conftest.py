# -*- coding: utf-8 -*-
"""Integration fixtures; the helpers they use live in harness.py (importable by the test files)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

# Re-exported so test files may import helpers from either module.
from harness import arm_requests, base_env, run_inventory, run_module, run_playbook, start_emulator  # noqa: F401 pylint: disable=unused-import


@pytest.fixture(scope="session")
def emulator():
    """One emulator on the sample estate for tests that only read."""
    with start_emulator() as emu:
        yield emu


@pytest.fixture
def fresh_emulator():
    """An emulator of its own, for tests that change state or set faults."""
    with start_emulator() as emu:
        yield emu
