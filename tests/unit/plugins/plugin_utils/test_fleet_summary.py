# -*- coding: utf-8 -*-
"""The fleet report's counts and attention list, from instance records (plugin_utils/fleet_summary.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.vmss.fleet.plugins.plugin_utils.fleet_summary import (
    REASONS,
    attention_reasons,
    ordered_counts,
    placement_grid,
    summarize,
)

SUB = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/"


def scale_set(name, mode="Uniform"):
    return {"name": name, "id": SUB + name, "resource_group": "rg", "subscription_id": "s1",
            "orchestration_mode": mode, "location": "eastus"}


def agent(display="Ready", level="Info", message="Guest Agent is running"):
    return {"vm_agent_version": "2.12.0.2",
            "statuses": [{"code": "ProvisioningState/succeeded", "level": level, "display_status": display,
                          "message": message, "time": None}]}


def record(set_name, index, mode="Uniform", power="running", provisioning="succeeded", health="healthy",
           zone="1", fault_domain=0, update_domain=0, latest=True, vm_agent=None, statuses=None):
    name = "%s_%s" % (set_name, index)
    return {
        "name": name, "scale_set": set_name, "scale_set_id": SUB + set_name, "resource_group": "rg",
        "orchestration_mode": mode, "computer_name": "cn%s" % index, "power_state": power,
        "provisioning_state": provisioning, "health": health, "zones": [zone] if zone else [],
        "fault_domain": fault_domain, "update_domain": update_domain,
        "latest_model_applied": latest if mode == "Uniform" else None,
        "id": SUB + "%s/virtualMachines/%s" % (set_name, index),
        "instance_view": {"vm_agent": vm_agent if vm_agent is not None else agent(), "statuses": statuses or []},
    }


def reasons_of(rec):
    return [reason for reason, _detail in attention_reasons(rec)]


def test_a_healthy_running_vm_needs_no_attention():
    assert attention_reasons(record("web", 1)) == []


def test_a_stopped_vm_is_not_running_and_nothing_else():
    # Its agent and health cannot report while it is stopped: the power state says it all.
    rec = record("web", 1, power="stopped", health="unknown", vm_agent=agent("Not Ready", "Warning"))
    assert attention_reasons(rec) == [("not_running", "power state: stopped")]


def test_failed_provisioning_carries_the_error_code_and_message():
    rec = record("web", 1, provisioning="failed", statuses=[
        {"code": "ProvisioningState/failed/OSProvisioningTimedOut", "level": "Error",
         "display_status": "Provisioning failed", "message": "OS provisioning did not finish in time.", "time": None},
        {"code": "PowerState/running", "level": "Info", "display_status": "VM running", "message": None,
         "time": None}])
    assert attention_reasons(rec) == [
        ("provisioning_failed", "OSProvisioningTimedOut: OS provisioning did not finish in time.")]


def test_each_reason_is_found_and_listed_worst_first():
    rec = record("web", 1, provisioning="updating", health="unhealthy", latest=False,
                 vm_agent=agent("Not Ready", "Warning", "VM status blob is found but not yet populated."))
    assert attention_reasons(rec) == [
        ("unhealthy", "application health: unhealthy"),
        ("agent_not_ready", "Not Ready: VM status blob is found but not yet populated."),
        ("provisioning_busy", "provisioning state: updating"),
        ("stale_model", "latest model not applied"),
    ]


@pytest.mark.parametrize("health, expected", [
    ("unknown", ["health_unknown"]), ("initializing", ["health_unknown"]), (None, []), ("healthy", [])])
def test_health_that_is_not_known_on_a_running_vm(health, expected):
    assert reasons_of(record("web", 1, health=health)) == expected


def test_no_agent_status_at_all_is_not_ready_on_a_running_vm():
    rec = record("web", 1, vm_agent={})
    assert attention_reasons(rec) == [("agent_not_ready", "no VM agent status")]


def test_flexible_vms_have_no_model_to_drift_from():
    summary = summarize({"scale_sets": [scale_set("flex", "Flexible")],
                         "instances": [record("flex", "a", mode="Flexible")]})
    assert summary["fleet"]["model"] == {"not_applicable": 1}
    assert summary["attention"]["instances"] == []


def test_counts_per_scale_set_and_fleet_wide():
    listing = {
        "scale_sets": [scale_set("api"), scale_set("web"), scale_set("flex", "Flexible")],
        "instances": [
            record("api", 1), record("api", 2, power="deallocated", health="unknown"),
            record("web", 1, health="unhealthy", zone="2", fault_domain=1, update_domain=1),
            record("flex", "a", mode="Flexible", health=None, zone=None),
        ],
    }
    summary = summarize(listing)
    assert summary["totals"] == {"scale_sets": 3, "instances": 4, "attention_instances": 2,
                                 "scale_sets_by_mode": {"Uniform": 2, "Flexible": 1}}
    fleet = summary["fleet"]
    assert fleet["power_states"] == {"running": 3, "deallocated": 1}
    assert fleet["health"] == {"healthy": 1, "unknown": 1, "unhealthy": 1, "not_reported": 1}
    assert fleet["model"] == {"latest": 3, "not_applicable": 1}
    assert fleet["vm_agent"] == {"ready": 4}
    assert fleet["update_domains"] == [{"domain": 0, "count": 3}, {"domain": 1, "count": 1}]
    assert fleet["zones_by_fault_domain"] == {"zones": ["1", "2", None], "fault_domains": [0, 1],
                                              "counts": [[2, 0], [0, 1], [1, 0]]}
    assert fleet["attention"] == {"unhealthy": 1, "not_running": 1}
    by_name = dict((entry["name"], entry) for entry in summary["scale_sets"])
    assert [entry["name"] for entry in summary["scale_sets"]] == ["api", "web", "flex"]
    assert by_name["api"]["instances"] == 2 and by_name["api"]["power_states"] == {"running": 1, "deallocated": 1}
    assert by_name["api"]["attention_instances"] == 1
    assert by_name["flex"]["health"] == {"not_reported": 1}
    # Per-set counts add up to the fleet's.
    assert sum(entry["instances"] for entry in summary["scale_sets"]) == fleet["instances"]
    json.dumps(summary)  # the role writes it as JSON as it is


def test_an_empty_scale_set_is_reported_with_zero_counts():
    summary = summarize({"scale_sets": [scale_set("idle")], "instances": []})
    (idle,) = summary["scale_sets"]
    assert idle["name"] == "idle" and idle["instances"] == 0 and idle["power_states"] == {}
    assert idle["zones_by_fault_domain"] == {"zones": [], "fault_domains": [], "counts": []}


def test_states_azure_adds_later_are_counted_after_the_known_ones():
    assert list(ordered_counts({"hibernated": 1, "running": 2, "stopped": 3},
                               ("running", "stopped"))) == ["running", "stopped", "hibernated"]


def test_a_regional_vm_and_a_missing_fault_domain_sort_last():
    grid = placement_grid({("2", None): 1, (None, 0): 2, ("1", 1): 3})
    assert grid == {"zones": ["1", "2", None], "fault_domains": [0, 1, None],
                    "counts": [[0, 3, 0], [0, 0, 1], [2, 0, 0]]}


def test_attention_groups_count_everything_but_show_only_the_first_examples():
    instances = [record("web", index, power="stopped") for index in range(30)]
    instances += [record("web", 100 + index, health="unhealthy") for index in range(3)]
    summary = summarize({"scale_sets": [scale_set("web")], "instances": instances}, examples=5)
    groups = summary["attention"]["reasons"]
    assert [(group["reason"], group["count"], len(group["examples"])) for group in groups] == [
        ("unhealthy", 3, 3), ("not_running", 30, 5)]
    assert groups[1]["scale_sets"] == [{"name": "web", "count": 30}]
    assert groups[1]["examples"][0]["detail"] == "power state: stopped"
    # Every one is in the full list, the worst reason first.
    entries = summary["attention"]["instances"]
    assert len(entries) == 33
    assert [entry["reasons"][0]["reason"] for entry in entries[:3]] == ["unhealthy"] * 3
    assert summary["attention"]["examples_per_reason"] == 5


def test_an_example_names_its_other_reasons():
    rec = record("web", 1, health="unhealthy", latest=False)
    groups = summarize({"scale_sets": [scale_set("web")], "instances": [rec]})["attention"]["reasons"]
    assert [(group["reason"], group["examples"][0]["other_reasons"]) for group in groups] == [
        ("unhealthy", ["stale_model"]), ("stale_model", ["unhealthy"])]


def test_reasons_have_labels():
    assert all(label and label[0].isupper() for _key, label in REASONS)
