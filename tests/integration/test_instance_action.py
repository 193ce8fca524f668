# -*- coding: utf-8 -*-
"""vmss.fleet.instance end to end against the emulator, asserting on the emulator's request log.

Each test gets its own emulator on tests/emulator/estates/actions-fleet.yml (operations take 0.5 s there):
  vmss-act-web     Uniform, 6 instances (health extension)
  vmss-act-api     Flexible, 4 VMs with ephemeral OS disks (health extension)
  vmss-act-legacy  Flexible, 2 VMs with managed OS disks
  vmss-act-ops     Uniform, 3 instances: running, stopped, deallocated
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

import pytest

from harness import REPO, failed, ok, run_module, run_playbook, start_emulator

pytestmark = pytest.mark.integration

ESTATE = "actions-fleet.yml"
RG = "rg-act"
FAST = {"polling_interval": 1}


@pytest.fixture
def emu():
    with start_emulator(ESTATE, extra_args=["--operation-seconds", "0.5"]) as emulator:
        yield emulator


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def arm_posts(emu, contains=None):
    """Write requests to ARM (the token endpoint's POSTs are not writes to the fleet)."""
    posts = [e for e in emu.requests() if e["method"] == "POST" and e["path"].startswith("/subscriptions/")]
    if contains:
        posts = [e for e in posts if contains.lower() in e["path"].lower()]
    return posts


def names(emu, scale_set):
    """The scale set's VM names in listing order, as the emulator knows them."""
    return [vm["name"] for vm in emu.vms(scale_set=scale_set)]


def vm_by_name(emu, scale_set):
    return dict((vm["name"], vm) for vm in emu.vms(scale_set=scale_set))


def act(emu, check=False, diff=False, **args):
    args = dict(FAST, resource_group=RG, **args)
    return run_module("instance", args, emu.env, check=check, diff=diff)


def plan_of(result):
    return [(a["instance"], a["operation"], a["batch"]) for a in result["actions"]]


def max_overlap(entries):
    """The most requests that were in flight at the same moment."""
    edges = sorted([(e["started"], 1) for e in entries] + [(e["finished"], -1) for e in entries],
                   key=lambda edge: (edge[0], edge[1]))
    current = most = 0
    for _moment, change in edges:
        current += change
        most = max(most, current)
    return most


# ---------------------------------------------------------------------------
# 1. Batches and request shapes
# ---------------------------------------------------------------------------

def test_uniform_restart_of_six_in_batches_of_three_is_two_scale_set_requests(emu):
    web = names(emu, "vmss-act-web")
    assert len(web) == 6
    emu.clear_requests()
    result = ok(act(emu, scale_set="vmss-act-web", all_instances=True, state="restarted", batch_size="3"))
    posts = arm_posts(emu)
    assert [p["path"].rsplit("/", 2)[-2:] for p in posts] == [["vmss-act-web", "restart"]] * 2
    ids = [vm["instance_id"] for vm in emu.vms(scale_set="vmss-act-web")]
    assert [p["body"]["instanceIds"] for p in posts] == [ids[:3], ids[3:]]
    assert [b["instances"] for b in result["batches"]] == [web[:3], web[3:]]
    assert all(a["outcome"] == "succeeded" for a in result["actions"]) and result["changed"]
    # The second batch was only sent once the first one had finished.
    finished_first = max(vm["last_operation_time"] for name, vm in vm_by_name(emu, "vmss-act-web").items()
                         if name in web[:3])
    second_sent = datetime.datetime.fromtimestamp(posts[1]["started"], datetime.timezone.utc)
    assert datetime.datetime.fromisoformat(finished_first.replace("Z", "+00:00")) <= second_sent


def test_flexible_restart_is_one_request_per_vm_never_more_than_max_parallel(emu):
    api = names(emu, "vmss-act-api")
    emu.settings(latency_ms=300)     # long enough for requests to overlap
    emu.clear_requests()
    result = ok(act(emu, scale_set="vmss-act-api", all_instances=True, state="restarted", max_parallel=2))
    posts = arm_posts(emu)
    assert sorted(p["path"].split("/")[-2] for p in posts) == sorted(api)
    assert all(p["path"].endswith("/restart") and "/virtualMachines/" in p["path"] for p in posts)
    assert max_overlap(posts) == 2
    assert [r["scope"] for r in result["requests"]] == ["vm"] * 4


# ---------------------------------------------------------------------------
# 2. Identifiers
# ---------------------------------------------------------------------------

def test_mixed_identifiers_resolve_across_modes(emu):
    web = emu.vms(scale_set="vmss-act-web")
    api = names(emu, "vmss-act-api")
    wanted = [web[1]["instance_id"], web[4]["name"], api[2]]
    emu.clear_requests()
    result = ok(act(emu, scale_set=["vmss-act-web", "vmss-act-api"], instances=wanted, state="restarted",
                    batch_size="3"))
    assert [a["instance"] for a in result["actions"]] == [web[1]["name"], web[4]["name"], api[2]]
    posts = arm_posts(emu)
    uniform = [p for p in posts if "virtualMachineScaleSets" in p["path"]]
    assert [p["body"]["instanceIds"] for p in uniform] == [[web[1]["instance_id"], web[4]["instance_id"]]]
    assert [p["path"].split("/")[-2] for p in posts if p not in uniform] == [api[2]]


def test_an_unknown_identifier_fails_naming_every_bad_one_and_writes_nothing(emu):
    web = names(emu, "vmss-act-web")
    emu.clear_requests()
    result = failed(act(emu, scale_set=["vmss-act-web", "vmss-act-api"],
                        instances=[web[0], "vmss-act-web_999", "no-such-vm"], state="restarted"))
    assert "'vmss-act-web_999'" in result["msg"] and "'no-such-vm'" in result["msg"]
    assert "Nothing was done" in result["msg"]
    assert arm_posts(emu) == []


# ---------------------------------------------------------------------------
# 3. Converging power states
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("state, operations", [
    ("stopped", {"power_off": 1}),
    ("deallocated", {"deallocate": 2}),
    ("running", {"start": 2}),
])
def test_power_states_converge_and_a_second_run_sends_nothing(emu, state, operations):
    first = ok(act(emu, scale_set="vmss-act-ops", all_instances=True, state=state))
    counted = {}
    for action in first["actions"]:
        counted[action["operation"]] = counted.get(action["operation"], 0) + 1
    assert counted == operations and first["changed"]
    assert set(vm["power_state"] for vm in emu.vms(scale_set="vmss-act-ops")) <= (
        {"stopped", "deallocated"} if state == "stopped" else {state})
    emu.clear_requests()
    second = ok(act(emu, scale_set="vmss-act-ops", all_instances=True, state=state))
    assert second["changed"] is False and second["actions"] == []
    assert len(second["skipped"]) == 3
    assert arm_posts(emu) == []


# ---------------------------------------------------------------------------
# 4. reimaged since T, reruns and relaunches
# ---------------------------------------------------------------------------

def test_reimaged_since_is_idempotent(emu):
    since = now_iso()
    first = ok(act(emu, scale_set="vmss-act-web", all_instances=True, state="reimaged", since=since,
                   batch_size="3"))
    assert [a["operation"] for a in first["actions"]] == ["reimage"] * 6
    assert all(vm["os_disk_time"] >= since for vm in emu.vms(scale_set="vmss-act-web"))
    emu.clear_requests()
    again = ok(act(emu, scale_set="vmss-act-web", all_instances=True, state="reimaged", since=since,
                   batch_size="3"))
    assert again["changed"] is False and len(again["skipped"]) == 6
    assert all("OS disk was provisioned at" in s["reason"] for s in again["skipped"])
    assert arm_posts(emu) == []


def test_a_relaunch_after_a_mid_run_failure_touches_only_what_is_not_done(emu):
    web = emu.vms(scale_set="vmss-act-web")
    broken = web[3]["name"]          # in batch 2 of 3
    emu.faults(fail_operations={broken: {"code": "InternalExecutionError", "times": 1}})
    since = now_iso()
    args = dict(scale_set="vmss-act-web", all_instances=True, state="reimaged", since=since, batch_size="2")
    first = failed(act(emu, **args))
    assert "Stopped after batch 2 of 3" in first["msg"] and broken in first["msg"]
    outcomes = dict((a["instance"], a["outcome"]) for a in first["actions"])
    assert outcomes[broken] == "failed"
    assert [outcomes[vm["name"]] for vm in web[4:]] == ["not_started", "not_started"]

    emu.clear_requests()
    relaunch = ok(act(emu, **args))
    redo = [broken] + [vm["name"] for vm in web[4:]]
    assert [a["instance"] for a in relaunch["actions"]] == redo
    sent = [i for p in arm_posts(emu) for i in p["body"]["instanceIds"]]
    assert sent == [web[3]["instance_id"], web[4]["instance_id"], web[5]["instance_id"]]
    assert set(s["instance"] for s in relaunch["skipped"]) == set(vm["name"] for vm in web[:3])


# ---------------------------------------------------------------------------
# 5. Check mode predicts the real run
# ---------------------------------------------------------------------------

def test_check_mode_writes_nothing_and_predicts_the_real_run(emu):
    args = dict(scale_set=["vmss-act-web", "vmss-act-api", "vmss-act-ops"], all_instances=True,
                state="restarted", batch_size="4")
    emu.clear_requests()
    predicted = ok(act(emu, check=True, **args))
    assert arm_posts(emu) == []
    assert predicted["changed"] and all(a["outcome"] == "planned" for a in predicted["actions"])
    assert {"start"} == set(a["operation"] for a in predicted["actions"] if a["scale_set"] == "vmss-act-ops"
                            and a["instance"] != names(emu, "vmss-act-ops")[0])

    real = ok(act(emu, **args))
    assert plan_of(real) == plan_of(predicted)
    assert real["requests"] == predicted["requests"]
    # Requests of one batch run in parallel, so the log may order them differently.
    assert sorted(p["path"] for p in arm_posts(emu)) == sorted(r["path"] for r in predicted["requests"])


# ---------------------------------------------------------------------------
# 6. Busy instances are waited on, never hit twice
# ---------------------------------------------------------------------------

def test_a_busy_instance_is_waited_on_and_gets_no_request(emu):
    web = emu.vms(scale_set="vmss-act-web")
    busy = web[2]
    # The operation starts when the module first lists the set's VMs, so it is still running when the module
    # reads them, however long ansible-playbook took to start on a loaded machine.
    listing = r"/virtualMachineScaleSets/vmss-act-web/virtualMachines$"
    assert emu.start_operation(busy["name"], "restart", seconds=3, on_request=listing)["pending"]
    emu.clear_requests()
    result = ok(act(emu, scale_set="vmss-act-web", all_instances=True, state="restarted", batch_size="3"))
    first_listing = [e for e in emu.requests() if e.get("started_operations")]
    assert len(first_listing) == 1 and first_listing[0]["method"] == "GET"
    assert [w["instance"] for w in result["waited"]] == [busy["name"]]
    assert busy["name"] in [s["instance"] for s in result["skipped"]]
    sent = [i for p in arm_posts(emu) for i in p["body"]["instanceIds"]]
    assert busy["instance_id"] not in sent
    assert sorted(sent) == sorted(vm["instance_id"] for vm in web if vm is not busy)


# ---------------------------------------------------------------------------
# 7. restarted starts what is not running; Flexible reimage needs ephemeral OS disks
# ---------------------------------------------------------------------------

def test_restarted_on_a_deallocated_instance_starts_it(emu):
    ops = emu.vms(scale_set="vmss-act-ops")
    deallocated = [vm for vm in ops if vm["power_state"] == "deallocated"][0]
    emu.clear_requests()
    result = ok(act(emu, scale_set="vmss-act-ops", instances=[deallocated["instance_id"]], state="restarted"))
    assert [(a["instance"], a["operation"]) for a in result["actions"]] == [(deallocated["name"], "start")]
    posts = arm_posts(emu)
    assert [p["path"].rsplit("/", 1)[-1] for p in posts] == ["start"]
    assert posts[0]["body"]["instanceIds"] == [deallocated["instance_id"]]
    assert emu.vm(deallocated["name"])["power_state"] == "running"


def test_reimage_of_flexible_vms_without_ephemeral_os_disks_fails_before_any_write(emu):
    legacy = names(emu, "vmss-act-legacy")
    api = names(emu, "vmss-act-api")
    emu.clear_requests()
    result = failed(act(emu, scale_set=["vmss-act-api", "vmss-act-legacy"], instances=[api[0]] + legacy,
                        state="reimaged"))
    assert all(name in result["msg"] for name in legacy) and api[0] not in result["msg"]
    assert "ephemeral" in result["msg"]
    assert arm_posts(emu) == []


# ---------------------------------------------------------------------------
# 8. The health gate stops the rolling run
# ---------------------------------------------------------------------------

def test_an_instance_that_stays_unhealthy_stops_the_run_at_max_failed(emu):
    web = emu.vms(scale_set="vmss-act-web")
    sick = web[1]["name"]
    emu.faults(stay_unhealthy=[sick])
    emu.clear_requests()
    result = failed(act(emu, scale_set="vmss-act-web", all_instances=True, state="restarted", batch_size="2",
                        max_failed=0, wait_timeout=6))
    assert "Stopped after batch 1 of 3" in result["msg"] and "%s (batch 1, restart): unhealthy" % sick in result["msg"]
    outcomes = [a["outcome"] for a in result["actions"]]
    assert outcomes == ["succeeded", "unhealthy", "not_started", "not_started", "not_started", "not_started"]
    assert len(arm_posts(emu)) == 1 and result["changed"] is True


# ---------------------------------------------------------------------------
# 9. wait_timeout and diff
# ---------------------------------------------------------------------------

def test_wait_timeout_names_the_pending_instances(emu):
    emu.settings(operation_seconds=30)
    web = names(emu, "vmss-act-web")
    result = failed(act(emu, scale_set="vmss-act-web", instances=web[:2], state="restarted", wait_timeout=2))
    assert result["msg"].startswith("wait_timeout (2s) exceeded in batch 1")
    for name in web[:2]:
        assert "%s (power starting, provisioning updating" % name in result["msg"]
    assert [a["outcome"] for a in result["actions"]] == ["timed_out", "timed_out"]


def test_diff_shows_before_and_after_power_and_provisioning(emu):
    ops = names(emu, "vmss-act-ops")
    result = ok(act(emu, diff=True, scale_set="vmss-act-ops", all_instances=True, state="deallocated"))
    diff = result["diff"]
    assert diff["before"][ops[0]] == {"power_state": "running", "provisioning_state": "succeeded"}
    assert diff["before"][ops[1]]["power_state"] == "stopped"
    assert all(diff["after"][name] == {"power_state": "deallocated", "provisioning_state": "succeeded"}
               for name in ops)
    predicted = ok(act(emu, check=True, diff=True, scale_set="vmss-act-ops", all_instances=True, state="running"))
    assert all(predicted["diff"]["after"][name]["power_state"] == "running" for name in ops)
    assert all(predicted["diff"]["before"][name]["power_state"] == "deallocated" for name in ops)


def address_lists(emu):
    return [e for e in emu.requests() if e["method"] == "GET" and e["path"].lower().endswith(
        ("/networkinterfaces", "/publicipaddresses"))]


def test_the_result_shows_the_instances_as_the_batch_reads_saw_them_after_a_restart(emu):
    emu.clear_requests()
    result = ok(act(emu, scale_set=["vmss-act-web", "vmss-act-api"], all_instances=True, state="restarted",
                    batch_size=5))
    first_write = min(post["started"] for post in arm_posts(emu))
    # Restarts keep addresses: the result reuses the ones listed before the run instead of listing again.
    assert address_lists(emu) and all(e["started"] < first_write for e in address_lists(emu))
    listed = dict((r["name"], r) for r in ok(run_module("instance_info", {
        "resource_group": RG, "scale_set": ["vmss-act-web", "vmss-act-api"]}, emu.env))["instances"])
    assert len(result["instances"]) == 10 and all(record["private_ips"] for record in result["instances"])
    for record in result["instances"]:
        assert record["power_state"] == "running"
        assert record == listed[record["name"]], record["name"]


def test_a_deallocation_lists_the_addresses_again_after_the_run(emu):
    emu.clear_requests()
    ok(act(emu, scale_set="vmss-act-ops", all_instances=True, state="deallocated"))
    last_write = max(post["started"] for post in arm_posts(emu))
    assert any(e["started"] > last_write for e in address_lists(emu))


# ---------------------------------------------------------------------------
# The lifecycle playbook: check -> apply -> idempotent -> idempotent in check mode
# ---------------------------------------------------------------------------

def test_lifecycle_playbook(emu):
    emu.clear_requests()
    playbook = os.path.join(REPO, "tests", "integration", "playbooks", "instance_action_lifecycle.yml")
    run = run_playbook(playbook, emu.env, ["-e", "since=%s" % now_iso()])
    assert run.rc == 0, run.output
    # Only the apply step wrote: one reimage request per Flexible VM of vmss-act-api.
    posts = arm_posts(emu)
    assert len(posts) == 4 and all(p["path"].endswith("/reimage") for p in posts)
