# -*- coding: utf-8 -*-
"""Rolling operations across many scale sets (vmss.fleet.instance with max_parallel_sets, and the role), end to end
against the emulator, asserting on its request log.

Estate tests/emulator/estates/rolling-fleet.yml, operations take 2 s (longer than polling_interval, so a
poll-by-listing would show up as several list requests per batch):
  roll-web-u1, roll-web-u2   Uniform, 4 instances each, tagged role=web
  roll-web-f1, roll-web-f2   Flexible, 4 VMs each (ephemeral OS disks), tagged role=web
  roll-db                    Uniform, 2 instances, tagged role=db: never touched
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os

import pytest

from harness import REPO, failed, ok, run_module, run_playbook, start_emulator

pytestmark = pytest.mark.integration

RG = "rg-roll"
WEB_SETS = ("roll-web-f1", "roll-web-f2", "roll-web-u1", "roll-web-u2")
OPERATION_SECONDS = 2
PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "rolling_fleet_role.yml")


@pytest.fixture
def emu():
    with start_emulator("rolling-fleet.yml", extra_args=["--operation-seconds", str(OPERATION_SECONDS)]) as emulator:
        yield emulator


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def restart_web(emu, check=False, **args):
    task = dict(resource_group=RG, scale_set="*", scale_set_tags={"role": "web"}, all_instances=True,
                state="restarted", batch_size="50%", max_parallel_sets=4, polling_interval=1)
    task.update(args)
    return run_module("instance", task, emu.env, check=check)


def arm(emu):
    return [e for e in emu.requests() if e["path"].lower().startswith("/subscriptions/")]


def accepted_writes(emu):
    """Per VM name, how many accepted (202) write requests named it."""
    vm_names = dict(((vm["scale_set"].lower(), vm["instance_id"]), vm["name"]) for vm in emu.vms())
    count = {}
    for entry in arm(emu):
        if entry["method"] != "POST" or entry["status"] != 202:
            continue
        parts = entry["path"].split("/")
        if "virtualMachineScaleSets" in parts:
            scale_set = parts[parts.index("virtualMachineScaleSets") + 1].lower()
            hit = [vm_names[(scale_set, i)] for i in entry["body"]["instanceIds"]]
        else:
            hit = [parts[parts.index("virtualMachines") + 1]]
        for name in hit:
            count[name] = count.get(name, 0) + 1
    return count


def member_lists(emu, scale_set):
    """First-page list requests of one scale set's VMs (Uniform VM list, or the Flexible VM list filtered on it)."""
    lists = []
    for entry in arm(emu):
        path, query = entry["path"].lower(), entry.get("query") or {}
        if entry["method"] != "GET" or "skiptoken" in " ".join(query).lower():
            continue
        if path.endswith("/virtualmachinescalesets/%s/virtualmachines" % scale_set):
            lists.append(entry)
        elif path.endswith("/virtualmachines") and scale_set in (query.get("$filter") or "").lower():
            lists.append(entry)
    return lists


def test_scale_sets_of_both_modes_roll_side_by_side_with_one_accepted_write_per_instance(emu):
    web_vms = [vm["name"] for vm in emu.vms() if vm["scale_set"] in WEB_SETS]
    emu.clear_requests()
    result = ok(restart_web(emu))

    assert sorted(a["instance"] for a in result["actions"]) == sorted(web_vms)
    assert all(a["outcome"] == "succeeded" for a in result["actions"])
    assert accepted_writes(emu) == dict((name, 1) for name in web_vms)     # roll-db untouched
    assert sorted((b["scale_set"], b["batch"]) for b in result["batches"]) == sorted(
        (name, number) for name in WEB_SETS for number in (1, 2))

    # Side by side: every set's first batch was sent before any operation could have ended.
    posts = [e for e in arm(emu) if e["method"] == "POST"]
    first_of_each = {}
    for post in posts:
        for name in WEB_SETS:
            if "/%s" % name in post["path"] and name not in first_of_each:
                first_of_each[name] = post["started"]
    assert sorted(first_of_each) == sorted(WEB_SETS)
    assert max(first_of_each.values()) - min(first_of_each.values()) < OPERATION_SECONDS

    # Completion comes from the operations' status, and each batch is judged from one read of its set:
    # per set, the first listing, one read per batch, and the records after the run.
    assert any("/operations/" in e["path"] for e in arm(emu))
    for name in WEB_SETS:
        assert len(member_lists(emu, name)) <= 1 + 2 + 1, (name, [e["path"] for e in member_lists(emu, name)])


def test_check_mode_shows_the_batches_of_each_scale_set_and_writes_nothing(emu):
    emu.clear_requests()
    plan = ok(restart_web(emu, check=True, batch_size="1"))
    per_set = {}
    for batch in plan["batches"]:
        per_set.setdefault(batch["scale_set"], []).append(batch["batch"])
    assert per_set == dict((name, [1, 2, 3, 4]) for name in WEB_SETS)
    assert [e for e in arm(emu) if e["method"] == "POST"] == []


def test_a_failed_operation_in_one_set_stops_every_set_at_the_fleet_threshold(emu):
    plan = ok(restart_web(emu, check=True, batch_size="1", max_parallel_sets=2))
    broken = plan["batches"][0]["instances"][0]          # batch 1 of the first set (sets roll in id order)
    assert plan["batches"][0]["scale_set"] == "roll-web-f1"
    emu.faults(fail_operations={broken: {"code": "OSProvisioningTimedOut", "times": 1}})
    emu.clear_requests()
    result = failed(restart_web(emu, batch_size="1", max_parallel_sets=2, max_failed=0))

    assert "more than max_failed (0)" in result["msg"] and broken in result["msg"]
    outcomes = dict((a["instance"], a["outcome"]) for a in result["actions"])
    assert outcomes[broken] == "failed"
    broken_action = [a for a in result["actions"] if a["instance"] == broken][0]
    assert "OSProvisioningTimedOut" in broken_action["error"]
    # The sets not yet started never start; the one rolling beside roll-web-f1 stops after a batch or two.
    assert result["changed"] is True
    assert list(outcomes.values()).count("not_started") >= len(outcomes) - 3
    assert sum(accepted_writes(emu).values()) == len([o for o in outcomes.values() if o != "not_started"])


def test_a_rerun_with_since_touches_only_what_is_not_done(emu):
    # Reimage: the OS disk's time tells what is done (the emulator's views give the power state no time).
    since = now_iso()
    broken = emu.vms(scale_set="roll-web-f1")[1]["name"]
    emu.faults(fail_operations={broken: {"code": "InternalExecutionError", "times": 1}})
    args = dict(state="reimaged", since=since, batch_size="2", max_failed=0)
    first = failed(restart_web(emu, **args))
    done = set(a["instance"] for a in first["actions"] if a["outcome"] == "succeeded")
    assert done and broken not in done

    emu.clear_requests()
    rerun = ok(restart_web(emu, **args))
    web_vms = set(vm["name"] for vm in emu.vms() if vm["scale_set"] in WEB_SETS)
    assert set(a["instance"] for a in rerun["actions"]) == web_vms - done
    assert set(s["instance"] for s in rerun["skipped"]) == done
    assert accepted_writes(emu) == dict((name, 1) for name in web_vms - done)


def test_no_scale_set_with_the_tags_fails_naming_the_tags_and_writes_nothing(emu):
    emu.clear_requests()
    result = failed(restart_web(emu, scale_set_tags={"role": "cache"}))
    assert "carries the tags" in result["msg"] and "cache" in result["msg"] and "roll-db" in result["msg"]
    assert [e for e in arm(emu) if e["method"] == "POST"] == []


def test_the_role_rolls_the_sets_side_by_side_round_by_round(emu, tmp_path):
    out = tmp_path / "events.json"
    run = run_playbook(PLAYBOOK, emu.env, ["-e", "out=%s" % out])
    assert run.rc == 0, run.output
    events = json.loads(out.read_text())["events"]
    assert [(e["when"], e["batch"]) for e in events] == [("before", 1), ("after", 1), ("before", 2), ("after", 2)]
    assert sorted(events[0]["scale_sets"]) == sorted(WEB_SETS)
    assert all(outcome == "succeeded" for e in events if e["when"] == "after" for outcome in e["outcomes"])
    web_vms = [vm["name"] for vm in emu.vms() if vm["scale_set"] in WEB_SETS]
    assert accepted_writes(emu) == dict((name, 1) for name in web_vms)


def operation_polls(emu):
    """Per long-running operation, how many status requests asked about it."""
    polls = {}
    for entry in arm(emu):
        if entry["method"] == "GET" and "/operations/" in entry["path"]:
            polls[entry["path"]] = polls.get(entry["path"], 0) + 1
    return polls


def test_a_wave_of_flexible_operations_is_followed_by_its_lead_and_the_others_are_asked_once(emu):
    flexible = sorted(vm["name"] for vm in emu.vms() if vm["scale_set"] == "roll-web-f1")
    emu.clear_requests()
    result = ok(restart_web(emu, scale_set="roll-web-f1", scale_set_tags=None, batch_size="100%", max_parallel=4,
                            polling_interval=0.25))

    assert sorted(a["instance"] for a in result["actions"] if a["outcome"] == "succeeded") == flexible
    polls = operation_polls(emu)
    # Every operation is followed to its own end; only the wave's lead is polled all along (2 s at 0.25 s).
    assert len(polls) == len(flexible)
    assert sorted(polls.values())[-1] >= OPERATION_SECONDS / 0.25 - 1
    assert [count for count in polls.values() if count > 2] == [max(polls.values())], polls


def test_the_next_batch_is_polled_when_the_previous_batchs_operation_says_it_ends(emu):
    emu.clear_requests()
    result = ok(restart_web(emu, scale_set="roll-web-u1", scale_set_tags=None, batch_size="50%",
                            polling_interval=5))
    assert [a["outcome"] for a in result["actions"]] == ["succeeded"] * 4
    posts = sorted((e for e in arm(emu) if e["method"] == "POST"), key=lambda e: e["started"])
    assert len(posts) == 2
    polls = sorted((e for e in arm(emu) if e["method"] == "GET" and "/operations/" in e["path"]),
                   key=lambda e: e["started"])
    # Only the operation's status is asked: no final GET of the POST's Location (monitor=true).
    assert polls and not [e for e in polls if "monitor" in (e.get("query") or {})]
    first = [e["started"] - posts[0]["started"] for e in polls if e["started"] < posts[1]["started"]]
    second = [e["started"] - posts[1]["started"] for e in polls if e["started"] > posts[1]["started"]]
    # Batch 1 knows no duration yet: asked at once, then after polling_interval, when the 2 s operation is over.
    assert len(first) == 2 and first[1] >= 5
    # Batch 2 is asked at once, then when batch 1's operation (2 s by Azure's clock) says this one ends.
    assert len(second) == 2 and OPERATION_SECONDS <= second[1] < 5
