# -*- coding: utf-8 -*-
"""vmss.fleet.instance when Azure changes under it: reads that fail after writes, instances scaled in between
the listing and their batch, and what ``since`` counts as a restart.

Each test gets its own emulator on tests/emulator/estates/actions-fleet.yml (see test_instance_action.py).
Faults that must start after the module's first write are set by a watcher thread as soon as the emulator logs
that write; the operations last long enough (2 s) for the watcher to be in time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time

import pytest

from harness import WhenLogged, run_module, start_emulator

pytestmark = pytest.mark.integration

RG = "rg-act"
WEB = "vmss-act-web"
WEB_LIST = r"/virtualMachineScaleSets/vmss-act-web/virtualMachines$"


@pytest.fixture
def emu():
    with start_emulator("actions-fleet.yml", extra_args=["--operation-seconds", "2"]) as emulator:
        yield emulator


def act(emu, **args):
    args = dict({"polling_interval": 1, "resource_group": RG, "scale_set": WEB}, **args)
    return run_module("instance", args, emu.env).result


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def arm(emu):
    return [e for e in emu.requests() if e["path"].startswith("/subscriptions/")]


def posts(emu):
    return [e for e in arm(emu) if e["method"] == "POST"]


def accepted_restart(entry):
    return entry["method"] == "POST" and entry["status"] == 202 and entry["path"].endswith("/vmss-act-web/restart")


def list_faults(status, code, count=None):
    rule = {"pattern": WEB_LIST, "methods": ["GET"], "status": status, "code": code,
            "message": "Injected %s on the VM list." % code}
    if count is not None:
        rule["count"] = count
    return lambda emu: emu.faults(fail_paths=[rule])


# ---------------------------------------------------------------------------
# Item 3: a read failure after writes
# ---------------------------------------------------------------------------

def test_transient_read_failures_while_waiting_are_retried_until_the_batch_is_done(emu):
    web = emu.vms(scale_set=WEB)
    emu.clear_requests()
    # retry_total 0: every 503 reaches the module, so the wait itself must ride them out.
    with WhenLogged(emu, accepted_restart, list_faults(503, "ServiceUnavailable", count=3)) as watcher:
        result = act(emu, instances=[vm["name"] for vm in web[:2]], state="restarted", retry_total=0,
                     wait_timeout=60)
    assert watcher.fired
    failed_reads = [e for e in arm(emu) if e["status"] == 503 and e["method"] == "GET"]
    assert len(failed_reads) == 3
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert [a["outcome"] for a in result["actions"]] == ["succeeded", "succeeded"]
    assert len(posts(emu)) == 1


def test_a_read_that_keeps_failing_after_writes_reports_what_was_sent_and_each_outcome(emu):
    web = emu.vms(scale_set=WEB)
    targets = [vm["name"] for vm in web[:2]]
    emu.clear_requests()
    # A permanent refusal (403) is not waited out: the task stops at once with what it had done.
    with WhenLogged(emu, accepted_restart, list_faults(403, "AuthorizationFailed")) as watcher:
        result = act(emu, instances=targets, state="restarted", wait_timeout=60)
    assert watcher.fired
    assert result["failed"] and result["changed"] is True
    assert "AuthorizationFailed" in result["msg"] and "batch 1" in result["msg"]
    assert [a["instance"] for a in result["actions"]] == targets
    assert [a["outcome"] for a in result["actions"]] == ["requested", "requested"]
    assert all(a["started"] for a in result["actions"])
    assert [r["instance_ids"] for r in result["requests"]] == [[vm["instance_id"] for vm in web[:2]]]
    assert len(posts(emu)) == 1


# ---------------------------------------------------------------------------
# Item 4: one stale instance ID in a Uniform batch; allow_missing
# ---------------------------------------------------------------------------

def test_an_instance_scaled_in_before_its_batch_is_gone_and_the_rest_is_resent_once(emu):
    web = emu.vms(scale_set=WEB)
    stale = web[1]
    # The NIC list answers 3 s late, so the module is still listing when the watcher scales one instance in:
    # its VM list already named it, the batch request then carries a stale instance ID.
    emu.faults(fail_paths=[{"pattern": r"/virtualMachineScaleSets/vmss-act-web/networkInterfaces$",
                            "delay_ms": 3000, "count": 1}])
    emu.clear_requests()

    def listed_web(entry):
        return entry["method"] == "GET" and entry["status"] == 200 and entry["path"].endswith(
            "/virtualMachineScaleSets/vmss-act-web/virtualMachines")

    def scale_in(emu):
        emu.remove_instance(WEB, stale["instance_id"], resource_group=RG)

    with WhenLogged(emu, listed_web, scale_in) as watcher:
        result = act(emu, instances=[vm["name"] for vm in web[:3]], state="restarted")
    assert watcher.fired
    sent = [(e["status"], e["body"]["instanceIds"]) for e in posts(emu)]
    ids = [vm["instance_id"] for vm in web[:3]]
    assert sent == [(400, ids), (202, [ids[0], ids[2]])]
    outcomes = dict((a["instance"], a) for a in result["actions"])
    assert outcomes[stale["name"]]["outcome"] == "gone" and "scale set" in outcomes[stale["name"]]["error"]
    assert [outcomes[vm["name"]]["outcome"] for vm in (web[0], web[2])] == ["succeeded", "succeeded"]
    # The gone instance counts against max_failed (0 by default): it was asked for and is not there.
    assert result["failed"] and "max_failed" in result["msg"]


def test_allow_missing_lets_a_rerun_name_instances_that_were_scaled_in(emu):
    web = emu.vms(scale_set=WEB)
    emu.remove_instance(WEB, web[1]["instance_id"], resource_group=RG)
    wanted = [web[0]["name"], web[1]["instance_id"], web[2]["name"]]
    refused = act(emu, instances=wanted, state="restarted")
    assert refused["failed"] and "'%s'" % web[1]["instance_id"] in refused["msg"]
    emu.clear_requests()
    result = act(emu, instances=wanted, state="restarted", allow_missing=True)
    assert not result.get("failed"), result.get("msg")
    assert result["missing"] == [web[1]["instance_id"]]
    assert [a["instance"] for a in result["actions"]] == [web[0]["name"], web[2]["name"]]
    assert [e["body"]["instanceIds"] for e in posts(emu)] == [[web[0]["instance_id"], web[2]["instance_id"]]]


# ---------------------------------------------------------------------------
# Item 5: since counts restarts, not any later operation
# ---------------------------------------------------------------------------

def test_restarted_since_is_not_satisfied_by_an_operation_that_did_not_restart(emu):
    web = emu.vms(scale_set=WEB)
    since = now_iso()
    time.sleep(1.1)
    # Someone else's operation that leaves the VM running all along (like an extension install): the
    # provisioning time moves past since, the VM never rebooted.
    emu.start_operation(web[0]["name"], "start", seconds=0.2)
    time.sleep(0.5)
    assert emu.vm(web[0]["name"])["busy"] is None
    emu.clear_requests()
    result = act(emu, instances=[web[0]["name"]], state="restarted", since=since)
    assert not result.get("failed"), result.get("msg")
    assert [(a["instance"], a["operation"]) for a in result["actions"]] == [(web[0]["name"], "restart")]
    assert "power-state time" in result["actions"][0]["reason"]
    assert [e["path"].rsplit("/", 1)[-1] for e in posts(emu)] == ["restart"]


def test_restarted_since_skips_what_was_restarted_when_azure_reports_power_state_times(emu):
    emu.faults(power_state_times=True)
    web = emu.vms(scale_set=WEB)
    since = now_iso()
    time.sleep(1.1)
    first = act(emu, instances=[vm["name"] for vm in web[:2]], state="restarted", since=since)
    assert [a["outcome"] for a in first["actions"]] == ["succeeded", "succeeded"]
    emu.clear_requests()
    again = act(emu, instances=[vm["name"] for vm in web[:3]], state="restarted", since=since)
    assert [a["instance"] for a in again["actions"]] == [web[2]["name"]]
    assert sorted(s["instance"] for s in again["skipped"]) == sorted(vm["name"] for vm in web[:2])
    assert all("running since" in s["reason"] for s in again["skipped"])
    assert [e["body"]["instanceIds"] for e in posts(emu)] == [[web[2]["instance_id"]]]
