# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of instance_query: options, filters, counts, identifiers, the single-instance path, facts.

Whatever sends a request runs against the emulator (estate listing-fleet.yml, pages of 2) through the
collection's own clients, so the tests can say which requests a query made from the emulator's request log.
Expected values come from the emulator's control API, never from the code under test. Pure helpers are tested
as they are.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import Counter
from types import SimpleNamespace

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils import facts_locator
from ansible_collections.vmss.fleet.plugins.module_utils import instance_query as query
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

SUB = "5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e01"
WEB_RG, BATCH_RG = "rg-list-web", "rg-list-batch"
COMPUTE = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute" % (SUB, WEB_RG)
WEB_ID = COMPUTE + "/virtualMachineScaleSets/web"
LISTED_SETS = ("web", "batch", "legacy")  # the sets with VMs; web-empty and flex-empty have none

ONE_VM_PATH = re.compile(r"/virtualMachines/[^/]+$", re.I)
VM_LIST_PATH = re.compile(r"/virtualMachines$", re.I)


# ---------------------------------------------------------------------------
# The emulator's own view, and its request log
# ---------------------------------------------------------------------------

def emulator_vms(emu, scale_set=None):
    """VM summaries from the emulator's control API, by name."""
    return dict((vm["name"], vm) for vm in emu.vms() if scale_set in (None, vm["scale_set"]))


def arm_requests(emu):
    """ARM requests of the log (token and metadata requests left out)."""
    return [entry for entry in emu.requests() if entry["path"].lower().startswith("/subscriptions/")]


def one_vm_gets(emu):
    return [entry for entry in arm_requests(emu) if entry["method"] == "GET" and ONE_VM_PATH.search(entry["path"])]


def vm_lists(emu):
    return [entry for entry in arm_requests(emu) if VM_LIST_PATH.search(entry["path"])]


def network_requests(emu):
    return [entry for entry in arm_requests(emu)
            if re.search(r"networkinterfaces|publicipaddresses", entry["path"], re.I)]


def info_params(**overrides):
    params = {"resource_group": None, "scale_set": None, "instances": None, "allow_missing": False,
              "power_state": None, "provisioning_state": None, "health": None, "instance_view": True,
              "network": True, "max_concurrency": 4}
    params.update(overrides)
    return params


def names(records):
    return [record["name"] for record in records]


@pytest.fixture
def run_info(emu, azure_clients):
    """instance_info's query for the given params; the request log starts empty."""
    emu.clear_requests()

    def run(**overrides):
        return query.query_instances(azure_clients, info_params(**overrides))
    return run


def summary_of(result, name):
    return [entry for entry in result["scale_sets"] if entry["name"] == name][0]


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, named", [
    ({"instance_view": False, "power_state": ["running"]}, "power_state"),
    ({"instance_view": False, "health": ["healthy"]}, "health"),
    ({"max_concurrency": 0}, "max_concurrency"),
    ({"instances": ["3", " "]}, "empty identifier"),
])
def test_conflicting_or_bad_options_fail_naming_them(overrides, named):
    with pytest.raises(FleetError) as info:
        query.check_info_options(info_params(**overrides))
    assert named in info.value.message


def test_provisioning_state_filter_works_without_instance_view():
    query.check_info_options(info_params(instance_view=False, provisioning_state=["succeeded"]))


def test_conflicting_options_fail_before_any_request(emu, run_info):
    with pytest.raises(FleetError):
        run_info(instance_view=False, power_state=["running"])
    assert arm_requests(emu) == []


# ---------------------------------------------------------------------------
# Filters and counts
# ---------------------------------------------------------------------------

RECORDS = [
    {"name": "a", "power_state": "running", "provisioning_state": "succeeded", "health": "healthy"},
    {"name": "b", "power_state": "stopped", "provisioning_state": "succeeded", "health": None},
    {"name": "c", "power_state": "running", "provisioning_state": "failed", "health": "unhealthy"},
]


@pytest.mark.parametrize("filters, expected", [
    ({}, ["a", "b", "c"]),
    ({"power_state": ["running"]}, ["a", "c"]),
    ({"power_state": ["stopped", "deallocated"]}, ["b"]),
    ({"provisioning_state": ["failed"]}, ["c"]),
    ({"health": ["none"]}, ["b"]),
    ({"health": ["healthy", "unhealthy"]}, ["a", "c"]),
    ({"power_state": ["running"], "provisioning_state": ["succeeded"]}, ["a"]),
    ({"power_state": ["deallocated"]}, []),
])
def test_apply_filters(filters, expected):
    assert names(query.apply_filters(RECORDS, **filters)) == expected


def test_listing_everything_returns_both_modes_with_counts_per_scale_set(emu, run_info):
    result = run_info()
    assert sorted(names(result["instances"])) == sorted(emulator_vms(emu))
    assert result["changed"] is False and result["missing"] == []
    for name in LISTED_SETS:
        vms = emulator_vms(emu, name).values()
        entry = summary_of(result, name)
        assert (entry["instance_count"], entry["returned_count"], entry["listed"]) == (len(vms), len(vms), True)
        assert entry["power_states"] == dict(Counter(vm["power_state"] for vm in vms))
        assert entry["provisioning_states"] == dict(Counter(vm["provisioning_state"].lower() for vm in vms))
        assert entry["health_states"] == dict(Counter(vm["health"] for vm in vms if vm["health"]))
    assert summary_of(result, "web")["orchestration_mode"] == "Uniform"
    assert summary_of(result, "batch")["orchestration_mode"] == "Flexible"
    assert summary_of(result, "web-empty")["instance_count"] == 0
    assert one_vm_gets(emu) == []


def test_filters_change_returned_counts_not_the_read_counts(emu, run_info):
    result = run_info(power_state=["running"])
    running = sorted(name for name, vm in emulator_vms(emu).items() if vm["power_state"] == "running")
    assert sorted(names(result["instances"])) == running
    web = emulator_vms(emu, "web").values()
    assert (summary_of(result, "web")["instance_count"], summary_of(result, "web")["returned_count"]) == (
        len(web), len([vm for vm in web if vm["power_state"] == "running"]))


def test_listed_records_carry_addresses_joined_from_the_lists(emu, run_info):
    vms = emulator_vms(emu)
    for record in run_info()["instances"]:
        vm = vms[record["name"]]
        assert record["private_ips"] == [vm["private_ip"]]
        assert record["public_ips"] == ([vm["public_ip"]] if vm["public_ip"] else [])
    assert any(vm["public_ip"] for vm in vms.values())


def test_network_false_reads_no_network_list(emu, run_info):
    result = run_info(network=False)
    assert network_requests(emu) == []
    assert result["instances"] and all(record["private_ips"] == [] for record in result["instances"])


@pytest.mark.parametrize("instance_view, expand", [(True, "instanceView"), (False, None)])
def test_instance_view_option_decides_the_expand(emu, run_info, instance_view, expand):
    run_info(instance_view=instance_view)
    lists = vm_lists(emu)
    first_pages = [entry for entry in lists if "$skiptoken" not in entry["query"]]
    assert len(first_pages) == 5  # one list per scale set, the empty ones too
    assert set(entry["query"].get("$expand") for entry in lists) == {expand}


# ---------------------------------------------------------------------------
# Identifiers on the list path
# ---------------------------------------------------------------------------

def batch_vm(emu, index=0):
    return sorted(emulator_vms(emu, "batch"))[index]


def test_identifiers_of_both_modes_across_sets_use_the_lists(emu, run_info):
    flexible = batch_vm(emu)
    result = run_info(instances=[flexible, "9", "WEB_2"])
    assert names(result["instances"]) == [flexible, "web_9", "web_2"]
    web_lists = [entry for entry in vm_lists(emu) if "/virtualMachineScaleSets/web/" in entry["path"]
                 and "$skiptoken" not in entry["query"]]
    assert len(web_lists) == 1
    assert one_vm_gets(emu) == []
    assert summary_of(result, "web")["returned_count"] == 2


def test_unknown_identifiers_fail_naming_each(run_info):
    with pytest.raises(FleetError) as info:
        run_info(instances=["9", "7", "batch_deadbeef"])
    assert "'7'" in info.value.message and "'batch_deadbeef'" in info.value.message
    assert "'9'" not in info.value.message


def test_allow_missing_reports_unknown_identifiers_instead(run_info):
    result = run_info(instances=["9", "7", "batch_deadbeef"], allow_missing=True)
    assert names(result["instances"]) == ["web_9"]
    assert result["missing"] == ["7", "batch_deadbeef"]


def test_allow_missing_still_fails_on_a_uniform_id_for_flexible_sets(run_info):
    with pytest.raises(FleetError) as info:
        run_info(scale_set=["ba*"], instances=["3"], allow_missing=True)
    assert "'3' is a Uniform instance ID" in info.value.message


def test_identifiers_then_filters(run_info):
    result = run_info(instances=["2", "5"], power_state=["stopped"])
    assert names(result["instances"]) == ["web_5"]


def test_glob_matching_nothing_fails_naming_it(run_info):
    with pytest.raises(FleetError) as info:
        run_info(scale_set=["db-*"])
    assert "'db-*'" in info.value.message and "web" in info.value.message


def test_a_glob_never_takes_the_single_instance_path(emu, run_info):
    result = run_info(scale_set=["w?b"], instances=["5"])
    assert names(result["instances"]) == ["web_5"]
    assert vm_lists(emu) and one_vm_gets(emu) == []
    assert result["scale_sets"][0]["listed"] is True


# ---------------------------------------------------------------------------
# The single-instance path
# ---------------------------------------------------------------------------

def test_one_uniform_instance_is_one_get_with_instance_view(emu, run_info):
    result = run_info(resource_group=WEB_RG, scale_set=["web"], instances=["9"])
    assert names(result["instances"]) == ["web_9"]
    gets = one_vm_gets(emu)
    assert [(entry["path"], entry["query"].get("$expand")) for entry in gets] == [
        (WEB_ID + "/virtualMachines/9", "instanceView")]
    assert vm_lists(emu) == []
    record, vm = result["instances"][0], emulator_vms(emu)["web_9"]
    assert record["private_ips"] == [vm["private_ip"]] and record["public_ips"] == [vm["public_ip"]]
    assert (record["power_state"], record["health"]) == ("running", "unhealthy")
    assert result["scale_sets"] == [dict(result["scale_sets"][0], name="web", listed=False, instance_count=1,
                                         returned_count=1)]


def test_one_uniform_instance_by_vm_name(emu, run_info):
    result = run_info(scale_set=["web"], instances=["Web_5"])
    assert names(result["instances"]) == ["web_5"]
    assert [entry["path"] for entry in one_vm_gets(emu)] == [WEB_ID + "/virtualMachines/5"]


def test_one_flexible_instance_is_one_get(emu, run_info):
    name = batch_vm(emu)
    result = run_info(scale_set=["batch"], instances=[name], network=False)
    assert names(result["instances"]) == [name]
    assert result["instances"][0]["instance_id"] == name
    assert [(entry["path"].rsplit("/", 1)[1], entry["query"].get("$expand")) for entry in one_vm_gets(emu)] == [
        (name, "instanceView")]
    assert vm_lists(emu) == [] and network_requests(emu) == []


def test_single_path_filters_apply_too(run_info):
    assert run_info(scale_set=["web"], instances=["9"], power_state=["stopped"])["instances"] == []


@pytest.mark.parametrize("scale_set, identifier, expected", [
    ("web", "7", "'7' is not an instance of scale set 'web'"),
    ("web", "batch", "'{batch}' is not an instance of scale set 'web'"),
    ("batch", "legacy", "'{legacy}' is not an instance of scale set 'batch'"),  # exists, in another set
    ("batch", "batch_deadbeef", "'batch_deadbeef' is not an instance of scale set 'batch'"),
    ("batch", "3", "'3' is a Uniform instance ID, but scale set 'batch' has Flexible orchestration"),
])
def test_single_path_errors_name_the_identifier(emu, run_info, scale_set, identifier, expected):
    members = dict((name, sorted(emulator_vms(emu, name))[0]) for name in ("batch", "legacy"))
    identifier = members.get(identifier, identifier)
    with pytest.raises(FleetError) as info:
        run_info(scale_set=[scale_set], instances=[identifier])
    assert expected.format(**members) in info.value.message


def test_single_path_allow_missing(run_info):
    result = run_info(scale_set=["web"], instances=["7"], allow_missing=True)
    assert result["instances"] == [] and result["missing"] == ["7"]


def test_unknown_scale_set_fails_naming_it(run_info):
    with pytest.raises(FleetError) as info:
        run_info(scale_set=["nope"], instances=["3"])
    assert "'nope'" in info.value.message


@pytest.mark.parametrize("identifier, expected", [
    ("7", "7"), ("web_7", "7"), ("WEB_7", "7"), ("web_x7", None), ("web7", None), ("api_7", None),
])
def test_uniform_instance_id_from_identifier(identifier, expected):
    assert query.uniform_instance_id(identifier, "web") == expected


# ---------------------------------------------------------------------------
# instance_facts
# ---------------------------------------------------------------------------

def facts_params(**overrides):
    params = {"id": None, "scale_set": None, "resource_group": None, "instance_id": None, "network": True,
              "hostvars_prefix": "vmss_"}
    params.update(overrides)
    return params


@pytest.fixture
def facts(emu, azure_clients):
    emu.clear_requests()
    return lambda **overrides: query.instance_facts(azure_clients, facts_params(**overrides))


def test_facts_by_uniform_resource_id_is_one_vm_get_in_the_ids_subscription(emu, facts):
    vm = emulator_vms(emu)["web_9"]
    result = facts(id=vm["id"])
    record = result["ansible_facts"]["vmss_instance"]
    assert (record["name"], record["instance_id"], record["scale_set"]) == ("web_9", "9", "web")
    assert record["orchestration_mode"] == "Uniform" and record["computer_name"] == vm["computer_name"]
    assert "PowerState/running" in [status["code"] for status in record["instance_view"]["statuses"]]
    assert [(entry["path"], entry["query"].get("$expand")) for entry in one_vm_gets(emu)] == [
        (vm["id"], "instanceView")]
    assert not [entry for entry in arm_requests(emu) if entry["path"].lower().endswith("/virtualmachinescalesets/web")]
    assert result["changed"] is False


def test_facts_by_flexible_resource_id(emu, facts):
    vm = emulator_vms(emu)[batch_vm(emu)]
    record = facts(id=vm["id"])["ansible_facts"]["vmss_instance"]
    assert (record["instance_id"], record["scale_set"], record["orchestration_mode"]) == (
        vm["name"], "batch", "Flexible")
    assert record["public_ips"] == [vm["public_ip"]] and record["private_ips"] == [vm["private_ip"]]


def test_facts_by_scale_set_and_instance_id(emu, facts):
    result = facts(scale_set="web", resource_group=WEB_RG, instance_id="5")
    assert result["ansible_facts"]["vmss_instance"]["name"] == "web_5"
    assert [entry["path"] for entry in arm_requests(emu)][:2] == [WEB_ID, WEB_ID + "/virtualMachines/5"]


@pytest.mark.parametrize("params, expected", [
    ({"id": WEB_ID + "/virtualMachines/2", "scale_set": "web"}, "not both"),
    ({"scale_set": "web"}, "missing resource_group, instance_id"),
    ({}, "vmss_id"),
    ({"id": "web_3"}, "not an Azure resource ID"),
    ({"id": WEB_ID}, "is not the resource id of a scale-set VM"),
    ({"id": WEB_ID + "/virtualMachines/7"}, "does not exist"),
    ({"scale_set": "nope", "resource_group": WEB_RG, "instance_id": "3"}, "Scale set 'nope' does not exist"),
    ({"scale_set": "web", "resource_group": WEB_RG, "instance_id": "7"}, "'7' is not an instance of scale set 'web'"),
])
def test_facts_bad_locators_fail_naming_the_value(facts, params, expected):
    with pytest.raises(FleetError) as info:
        facts(**params)
    assert expected in info.value.message


def test_facts_for_a_vm_outside_any_scale_set():
    # The emulator serves scale-set members only: a stand-in compute answers with a VM that belongs to none.
    loner = {"name": "solo", "id": COMPUTE + "/virtualMachines/solo", "properties": {}}
    compute = SimpleNamespace(virtual_machines=SimpleNamespace(
        get=lambda group, name, expand=None: SimpleNamespace(as_dict=lambda: loner)))
    clients = SimpleNamespace(compute=lambda subscription_id=None: compute)
    with pytest.raises(FleetError) as info:
        query.instance_facts(clients, facts_params(id=loner["id"]))
    assert "is not a member of a scale set" in info.value.message


HOSTVARS = {"vmss_id": WEB_ID + "/virtualMachines/2", "vmss_scale_set": "web", "vmss_resource_group": WEB_RG,
            "vmss_instance_id": "2", "vmss_subscription_id": SUB}


@pytest.mark.parametrize("args, host_vars, prefix, expected", [
    ({}, HOSTVARS, "vmss_", {"id": WEB_ID + "/virtualMachines/2"}),
    ({"instance_id": "3"}, HOSTVARS, "vmss_", {}),
    ({"id": "x"}, HOSTVARS, "vmss_", {}),
    ({}, dict((k, v) for k, v in HOSTVARS.items() if k != "vmss_id"), "vmss_",
     {"scale_set": "web", "resource_group": WEB_RG, "instance_id": "2", "subscription_id": SUB}),
    ({"subscription_id": "mine"}, {"vmss_scale_set": "web", "vmss_instance_id": 0, "vmss_subscription_id": SUB},
     "vmss_", {"scale_set": "web", "instance_id": "0"}),
    ({}, {"az_id": "/x"}, "az_", {"id": "/x"}),
    ({}, HOSTVARS, "az_", {}),
])
def test_locator_from_hostvars(args, host_vars, prefix, expected):
    assert facts_locator.locator_from_hostvars(args, host_vars, prefix) == expected
