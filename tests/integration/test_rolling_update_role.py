# -*- coding: utf-8 -*-
"""The role vmss.fleet.rolling_update end to end: plan, batches, user task files, check mode, failure budget."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from harness import REPO, run_playbook, start_emulator

pytestmark = pytest.mark.integration

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "instance_action_role.yml")


@pytest.fixture
def emu():
    with start_emulator("actions-fleet.yml", extra_args=["--operation-seconds", "0.5"]) as emulator:
        yield emulator


def arm_posts(emu):
    return [e for e in emu.requests() if e["method"] == "POST" and e["path"].startswith("/subscriptions/")]


def run_role(emu, tmp_path, check=False, **extra_vars):
    out = tmp_path / "events.json"
    args = ["-e", "out=%s" % out]
    for name, value in sorted(extra_vars.items()):
        args += ["-e", "%s=%s" % (name, value)]
    if check:
        args.append("--check")
    run = run_playbook(PLAYBOOK, emu.env, args)
    events = json.loads(out.read_text())["events"] if out.exists() else None
    return run, events


def test_two_batch_rolling_restart_runs_the_task_files_around_each_batch(emu, tmp_path):
    web = emu.vms(scale_set="vmss-act-web")
    emu.clear_requests()
    run, events = run_role(emu, tmp_path)
    assert run.rc == 0, run.output
    names = [vm["name"] for vm in web]
    assert events == [
        {"when": "before", "batch": 1, "instances": names[:3]},
        {"when": "after", "batch": 1, "outcomes": ["succeeded"] * 3},
        {"when": "before", "batch": 2, "instances": names[3:]},
        {"when": "after", "batch": 2, "outcomes": ["succeeded"] * 3},
    ]
    posts = arm_posts(emu)
    assert [p["body"]["instanceIds"] for p in posts] == [[vm["instance_id"] for vm in web[:3]],
                                                         [vm["instance_id"] for vm in web[3:]]]
    assert all(p["path"].endswith("/virtualMachineScaleSets/vmss-act-web/restart") for p in posts)


def test_the_role_in_check_mode_runs_the_same_batches_and_writes_nothing(emu, tmp_path):
    names = [vm["name"] for vm in emu.vms(scale_set="vmss-act-web")]
    emu.clear_requests()
    run, events = run_role(emu, tmp_path, check=True)
    assert run.rc == 0, run.output
    assert [(e["when"], e["batch"]) for e in events] == [("before", 1), ("after", 1), ("before", 2), ("after", 2)]
    assert events[2]["instances"] == names[3:]
    assert events[1]["outcomes"] == ["planned"] * 3
    assert arm_posts(emu) == []


def test_max_failed_counts_over_all_batches(emu, tmp_path):
    web = emu.vms(scale_set="vmss-act-web")
    # One instance of each batch stays unhealthy: the budget of 1 is used up in batch 2.
    emu.faults(stay_unhealthy=[web[0]["name"], web[4]["name"]])
    emu.clear_requests()
    run, _events = run_role(emu, tmp_path, max_failed=1, wait_timeout=5)
    assert run.rc != 0
    assert "Rolling update stopped in batch 2 of 2" in run.output
    assert "1 instance(s) failed, more than max_failed (0)" in run.output
    assert web[4]["name"] in run.output
    assert len(arm_posts(emu)) == 2
