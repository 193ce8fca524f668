# -*- coding: utf-8 -*-
"""vmss.fleet.instance_info against the emulator: records of both modes, filters, identifiers, errors, requests.

Expected values come from the emulator itself: its control API (``/_emulator/vms``) and its raw ARM JSON,
fetched here with a plain HTTPS client, never through the collection's code.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import ssl
import urllib.parse
import urllib.request

import pytest

from harness import arm_requests, run_module, start_emulator

ARM_SCOPE = "https://management.azure.com/.default"
API_VERSION = "2026-04-01"
SUB = "5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e01"
WEB_RG, BATCH_RG = "rg-list-web", "rg-list-batch"


@pytest.fixture(scope="module")
def fleet():
    """The listing estate, shared by the read-only tests of this file."""
    with start_emulator("listing-fleet.yml") as emu:
        yield emu


# ---------------------------------------------------------------------------
# Helpers: the emulator's own view of things
# ---------------------------------------------------------------------------

class RawArm(object):
    """GETs raw ARM JSON from the emulator with a token from its own token service."""

    def __init__(self, emu):
        from arm_emulator.testing import sdk_clients

        self.endpoint = emu.endpoint.rstrip("/")
        self.token = sdk_clients(emu.ready).credential.get_token(ARM_SCOPE).token
        self.context = ssl.create_default_context(cafile=emu.ca_bundle)

    def get(self, url):
        request = urllib.request.Request(url, headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(request, context=self.context) as response:
            return json.loads(response.read().decode())

    def list(self, path, **query):
        query["api-version"] = API_VERSION
        url = "%s%s?%s" % (self.endpoint, path, urllib.parse.urlencode(query))
        items = []
        while url:
            page = self.get(url)
            items.extend(page["value"])
            url = page.get("nextLink")
        return items


def raw_members(emu, group, scale_set, mode):
    """The emulator's raw VMs of a scale set with instance views, by VM name."""
    arm = RawArm(emu)
    base = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute" % (SUB, group)
    if mode == "Uniform":
        vms = arm.list("%s/virtualMachineScaleSets/%s/virtualMachines" % (base, scale_set), **{
            "$expand": "instanceView"})
    else:
        vmss_id = "%s/virtualMachineScaleSets/%s" % (base, scale_set)
        vms = arm.list("%s/virtualMachines" % base, **{
            "$filter": "'virtualMachineScaleSet/id' eq '%s'" % vmss_id, "$expand": "instanceView"})
    return dict((vm["name"], vm) for vm in vms)


def emulator_vms(emu, **where):
    return dict((vm["name"], vm) for vm in emu.vms(**where))


def info(emu, args, **kwargs):
    run = run_module("instance_info", args, emu.env, **kwargs)
    assert run.result is not None, run.output
    return run.result


def ok(emu, args, **kwargs):
    result = info(emu, args, **kwargs)
    assert not result.get("failed"), result.get("msg")
    return result


def failure(emu, args):
    result = info(emu, args)
    assert result.get("failed") is True, result
    return result["msg"]


def by_name(records):
    return dict((record["name"], record) for record in records)


def statuses(raw):
    return [(s["code"], s.get("level"), s.get("displayStatus"), s.get("message"), s.get("time")) for s in raw]


def record_statuses(converted):
    return [(s["code"], s["level"], s["display_status"], s["message"], s["time"]) for s in converted]


def assert_instance_view_matches(view, raw):
    """Every instance-view field of the design, compared one by one with the emulator's JSON."""
    assert view["platform_update_domain"] == raw["platformUpdateDomain"]
    assert view["platform_fault_domain"] == raw["platformFaultDomain"]
    assert view["computer_name"] == raw["computerName"]
    assert view["os_name"] == raw["osName"] and view["os_version"] == raw["osVersion"]
    assert view["hyper_v_generation"] == raw["hyperVGeneration"]
    assert view["rdp_thumb_print"] == raw["rdpThumbPrint"]
    agent = raw["vmAgent"]
    assert view["vm_agent"]["vm_agent_version"] == agent["vmAgentVersion"]
    assert record_statuses(view["vm_agent"]["statuses"]) == statuses(agent["statuses"])
    assert [(h["type"], h["type_handler_version"], h["status"]["code"]) for h in view["vm_agent"]["extension_handlers"]] \
        == [(h["type"], h["typeHandlerVersion"], h["status"]["code"]) for h in agent["extensionHandlers"]]
    assert [(d["name"], d["encryption_settings"], record_statuses(d["statuses"])) for d in view["disks"]] \
        == [(d["name"], d["encryptionSettings"], statuses(d["statuses"])) for d in raw["disks"]]
    assert [(e["name"], e["type"], e["type_handler_version"], record_statuses(e["statuses"]),
             record_statuses(e["substatuses"])) for e in view["extensions"]] \
        == [(e["name"], e["type"], e["typeHandlerVersion"], statuses(e["statuses"]), statuses(e["substatuses"]))
            for e in raw["extensions"]]
    if "vmHealth" in raw:
        assert view["vm_health"]["status"]["code"] == raw["vmHealth"]["status"]["code"]
        assert view["vm_health"]["status"]["time"] == raw["vmHealth"]["status"]["time"]
    else:
        assert "vm_health" not in view
    assert view["boot_diagnostics"] == {
        "console_screenshot_blob_uri": raw["bootDiagnostics"]["consoleScreenshotBlobUri"],
        "serial_console_log_blob_uri": raw["bootDiagnostics"]["serialConsoleLogBlobUri"]}
    assert "assigned_host" in view and view["assigned_host"] == raw["assignedHost"]
    assert view.get("placement_group_id") == raw.get("placementGroupId")
    maintenance = raw["maintenanceRedeployStatus"]
    assert view["maintenance_redeploy_status"]["is_customer_initiated_maintenance_allowed"] \
        == maintenance["isCustomerInitiatedMaintenanceAllowed"]
    assert view["maintenance_redeploy_status"]["last_operation_result_code"] == maintenance["lastOperationResultCode"]
    assert record_statuses(view["statuses"]) == statuses(raw["statuses"])


# ---------------------------------------------------------------------------
# Records of both modes
# ---------------------------------------------------------------------------

def test_uniform_records_carry_the_emulators_values(fleet):
    result = ok(fleet, {"resource_group": WEB_RG, "scale_set": "web"})
    expected = emulator_vms(fleet, resource_group=WEB_RG, scale_set="web")
    records = by_name(result["instances"])
    assert set(records) == set(expected)
    ids = sorted(int(vm["instance_id"]) for vm in expected.values())
    assert ids != list(range(len(ids))), "the estate must have gapped instance IDs for this test to mean anything"
    raw = raw_members(fleet, WEB_RG, "web", "Uniform")
    for name, vm in expected.items():
        record = records[name]
        assert record["instance_id"] == vm["instance_id"]
        assert record["orchestration_mode"] == "Uniform" and record["scale_set"] == "web"
        assert record["id"] == vm["id"]
        assert record["computer_name"] == vm["computer_name"]
        assert record["power_state"] == vm["power_state"]
        assert record["provisioning_state"] == vm["provisioning_state"].lower()
        assert record["health"] == vm["health"]
        assert record["zones"] == [vm["zone"]]
        assert (record["fault_domain"], record["update_domain"]) == (vm["fault_domain"], vm["update_domain"])
        assert record["private_ips"] == [vm["private_ip"]] and record["public_ips"] == [vm["public_ip"]]
        assert record["latest_model_applied"] is vm["latest_model_applied"]
        assert record["vm_id"] == raw[name]["properties"]["vmId"]
        assert_instance_view_matches(record["instance_view"], raw[name]["properties"]["instanceView"])


def test_flexible_records_carry_the_emulators_values(fleet):
    result = ok(fleet, {"resource_group": BATCH_RG})
    records = by_name(result["instances"])
    for scale_set in ("batch", "legacy"):
        expected = emulator_vms(fleet, resource_group=BATCH_RG, scale_set=scale_set)
        raw = raw_members(fleet, BATCH_RG, scale_set, "Flexible")
        assert set(expected) <= set(records)
        for name, vm in expected.items():
            record = records[name]
            assert record["instance_id"] == name == vm["instance_id"]
            assert record["orchestration_mode"] == "Flexible" and record["scale_set"] == scale_set
            assert record["computer_name"] == vm["computer_name"]
            assert record["power_state"] == vm["power_state"] and record["health"] == vm["health"]
            assert record["private_ips"] == [vm["private_ip"]]
            assert record["public_ips"] == ([vm["public_ip"]] if vm["public_ip"] else [])
            assert record["latest_model_applied"] is None and record["protection"] is None
            assert record["os_disk_ephemeral"] is (scale_set == "batch")
            assert_instance_view_matches(record["instance_view"], raw[name]["properties"]["instanceView"])
    assert set(record["scale_set"] for record in records.values()) == {"batch", "legacy"}


def test_whole_subscription_lists_every_scale_set_with_counts(fleet):
    result = ok(fleet, {})
    expected = fleet.vms()
    assert sorted(record["name"] for record in result["instances"]) == sorted(vm["name"] for vm in expected)
    sets = dict((entry["name"], entry) for entry in result["scale_sets"])
    assert set(sets) == {"web", "web-empty", "batch", "legacy", "flex-empty"}
    assert sets["web-empty"]["instance_count"] == 0 and sets["flex-empty"]["orchestration_mode"] == "Flexible"
    for name, entry in sets.items():
        members = [vm for vm in expected if vm["scale_set"] == name]
        assert entry["instance_count"] == entry["returned_count"] == len(members)
        power = {}
        for vm in members:
            power[vm["power_state"]] = power.get(vm["power_state"], 0) + 1
        assert entry["power_states"] == power
        assert entry["listed"] is True


def test_check_mode_returns_the_same_data(fleet):
    args = {"resource_group": WEB_RG, "power_state": ["running"]}
    normal = ok(fleet, args)
    checked = ok(fleet, args, check=True)
    assert checked["instances"] == normal["instances"] and checked["scale_sets"] == normal["scale_sets"]
    assert checked["changed"] is False


def test_instance_view_and_network_can_be_left_out(fleet):
    fleet.clear_requests()
    result = ok(fleet, {"resource_group": WEB_RG, "scale_set": "web", "instance_view": False, "network": False})
    assert result["instances"] and all(r["instance_view"] is None and r["private_ips"] == []
                                       for r in result["instances"])
    requests = arm_requests(fleet, method="GET")
    assert not [r for r in requests if "instanceView" in json.dumps(r["query"])]
    assert not [r for r in requests if "/networkinterfaces" in r["path"].lower()]


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("option, values, field", [
    ("power_state", ["stopped", "deallocated"], "power_state"),
    ("health", ["unhealthy"], "health"),
    ("provisioning_state", ["failed"], "provisioning_state"),
    ("health", ["none"], "health"),
])
def test_filters_select_what_the_emulator_reports(fleet, option, values, field):
    result = ok(fleet, {option: values})
    wanted = [None if value == "none" else value for value in values]
    expected = sorted(vm["name"] for vm in fleet.vms()
                      if (vm[field].lower() if isinstance(vm[field], str) else vm[field]) in wanted)
    assert expected, "the estate must contain a VM the filter selects"
    assert sorted(record["name"] for record in result["instances"]) == expected


def test_filters_combine(fleet):
    result = ok(fleet, {"power_state": ["running"], "health": ["healthy"], "scale_set": ["b*"]})
    expected = sorted(vm["name"] for vm in fleet.vms(scale_set="batch")
                      if vm["power_state"] == "running" and vm["health"] == "healthy")
    assert sorted(record["name"] for record in result["instances"]) == expected


# ---------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------

def test_mixed_identifiers_use_the_lists_and_keep_their_order(fleet):
    web = list(emulator_vms(fleet, scale_set="web").values())
    batch = list(emulator_vms(fleet, scale_set="batch").values())
    asked = [batch[1]["name"], web[2]["instance_id"], web[0]["name"].upper()]
    fleet.clear_requests()
    result = ok(fleet, {"scale_set": ["web", "batch"], "instances": asked})
    assert [r["name"] for r in result["instances"]] == [batch[1]["name"], web[2]["name"], web[0]["name"]]
    per_vm_gets = [r for r in arm_requests(fleet, method="GET")
                   if r["path"].lower().rsplit("/", 2)[-2] == "virtualmachines"]
    assert per_vm_gets == []


def test_one_named_instance_is_one_get_with_instance_view(fleet):
    target = list(emulator_vms(fleet, scale_set="web").values())[3]
    fleet.clear_requests()
    result = ok(fleet, {"resource_group": WEB_RG, "scale_set": "web", "instances": [target["instance_id"]]})
    assert [r["name"] for r in result["instances"]] == [target["name"]]
    assert result["instances"][0]["private_ips"] == [target["private_ip"]]
    assert result["instances"][0]["public_ips"] == [target["public_ip"]]
    arm = [(r["method"], r["path"], r["query"].get("$expand")) for r in arm_requests(fleet, contains="/subscriptions/")]
    scale_sets = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachineScaleSets" % (
        SUB, WEB_RG)
    # The scale-set list (to learn the mode), the VM, its NIC and its public IP: no VM list.
    assert arm[:2] == [("GET", scale_sets, None), ("GET", target["id"], "instanceView")]
    assert [path.lower().split("/")[-2] for _m, path, _e in arm[2:]] == ["networkinterfaces", "publicipaddresses"]
    assert result["scale_sets"][0]["listed"] is False
    assert not [r for r in arm_requests(fleet) if r["path"].lower().endswith("/virtualmachines")]


@pytest.mark.parametrize("group, scale_set", [(WEB_RG, "web"), (BATCH_RG, "batch")])
def test_single_instance_record_equals_the_listed_record(fleet, group, scale_set):
    target = list(emulator_vms(fleet, scale_set=scale_set).values())[-1]
    listed = by_name(ok(fleet, {"resource_group": group, "scale_set": scale_set})["instances"])[target["name"]]
    single = ok(fleet, {"resource_group": group, "scale_set": scale_set, "instances": [target["instance_id"]]})
    assert single["scale_sets"][0]["listed"] is False
    assert single["instances"] == [listed]


def test_one_named_flexible_instance_is_one_get(fleet):
    target = list(emulator_vms(fleet, scale_set="legacy").values())[1]
    fleet.clear_requests()
    result = ok(fleet, {"resource_group": BATCH_RG, "scale_set": "legacy", "instances": [target["name"]]})
    assert [r["instance_id"] for r in result["instances"]] == [target["name"]]
    vm_requests = arm_requests(fleet, method="GET", contains="/Microsoft.Compute/virtualMachines/")
    assert [(r["path"], r["query"].get("$expand")) for r in vm_requests] == [(target["id"], "instanceView")]
    assert [r["path"].lower().split("/")[-2] for r in arm_requests(fleet, contains="/Microsoft.Network/")] \
        == ["networkinterfaces"]  # this set has no public IPs: the NIC says so, nothing more is read
    assert not [r for r in arm_requests(fleet) if r["path"].lower().endswith("/virtualmachines")]


def test_allow_missing_lists_what_was_not_found(fleet):
    web = list(emulator_vms(fleet, scale_set="web").values())
    unused = str(max(int(vm["instance_id"]) for vm in web) + 1000)
    result = ok(fleet, {"resource_group": WEB_RG, "instances": [web[0]["instance_id"], unused, "web_" + unused],
                        "allow_missing": True})
    assert [r["name"] for r in result["instances"]] == [web[0]["name"]]
    assert result["missing"] == [unused, "web_" + unused]


# ---------------------------------------------------------------------------
# Bad input: each a clear error naming the value
# ---------------------------------------------------------------------------

def test_unknown_scale_set_is_named(fleet):
    msg = failure(fleet, {"resource_group": WEB_RG, "scale_set": "no-such-set"})
    assert "'no-such-set'" in msg and "web" in msg


def test_glob_matching_nothing_is_named(fleet):
    msg = failure(fleet, {"scale_set": ["web", "db-*"]})
    assert "'db-*'" in msg


def test_unknown_instances_are_all_named(fleet):
    web = list(emulator_vms(fleet, scale_set="web").values())
    unused = str(max(int(vm["instance_id"]) for vm in web) + 1000)
    msg = failure(fleet, {"resource_group": WEB_RG, "scale_set": "web",
                          "instances": [web[0]["instance_id"], unused, "web_zzz"]})
    assert "'%s'" % unused in msg and "'web_zzz'" in msg and "scale set 'web'" in msg


def test_unknown_single_instance_is_named(fleet):
    msg = failure(fleet, {"resource_group": WEB_RG, "scale_set": "web", "instances": ["987654"]})
    assert "'987654' is not an instance of scale set 'web'" in msg


@pytest.mark.parametrize("scale_set", ["batch", "flex-empty", "*"])
def test_uniform_id_for_a_flexible_set_explains_the_mode(fleet, scale_set):
    msg = failure(fleet, {"resource_group": BATCH_RG, "scale_set": scale_set, "instances": ["3"]})
    assert "'3' is a Uniform instance ID" in msg and "Flexible" in msg


def test_unknown_resource_group_is_named(fleet):
    msg = failure(fleet, {"resource_group": "rg-nope"})
    assert "rg-nope" in msg


@pytest.mark.parametrize("args, named", [
    ({"instance_view": False, "power_state": ["running"]}, "power_state"),
    ({"instance_view": False, "health": ["unhealthy"]}, "health"),
    ({"power_state": ["sleeping"]}, "sleeping"),
    ({"max_concurrency": 0}, "max_concurrency"),
])
def test_conflicting_or_invalid_options_are_named(fleet, args, named):
    fleet.clear_requests()
    msg = failure(fleet, args)
    assert named in msg
    assert arm_requests(fleet, contains="/subscriptions/") == []  # refused before any ARM request


# ---------------------------------------------------------------------------
# Requests depend on the scale sets and pages, not on the number of VMs
# ---------------------------------------------------------------------------

COUNT_SETS = {  # the two count estates: (resource group, name, mode, public IPs)
    ("rg-count-a", "uni-a", "Uniform", True), ("rg-count-a", "flex-a", "Flexible", True),
    ("rg-count-b", "uni-b", "Uniform", False), ("rg-count-b", "flex-b", "Flexible", False),
}


def listing_requests(estate):
    """(first-page requests as sorted (method, path), next-page request count, page size) of one listing."""
    with start_emulator(estate) as emu:
        emu.clear_requests()
        result = ok(emu, {})
        page_size = emu.settings()["page_size"]
        arm = [r for r in emu.requests() if r["path"].lower().startswith("/subscriptions")]
        first = sorted((r["method"], r["path"].lower()) for r in arm if "$skiptoken" not in r["query"])
        pages = [r for r in arm if "$skiptoken" in r["query"]]
        assert len(result["instances"]) == sum(entry["instance_count"] for entry in result["scale_sets"])
        return first, len(pages), page_size, len(result["instances"])


def expected_pages(vms_per_set, page_size):
    """Next-page requests the plan needs: VM list (+ NIC and public-IP lists) per set, NIC/IP lists per group."""
    def extra(items):
        return max(0, int(math.ceil(items / float(page_size))) - 1)

    pages = 0
    for _group, _name, mode, public_ips in COUNT_SETS:
        pages += extra(vms_per_set)  # the VM list
        if mode == "Uniform":
            pages += extra(vms_per_set) + extra(vms_per_set if public_ips else 0)
    for group in ("rg-count-a", "rg-count-b"):
        flexible = [public for g, _n, mode, public in COUNT_SETS if g == group and mode == "Flexible"]
        pages += extra(vms_per_set * len(flexible))
        pages += extra(vms_per_set * sum(1 for public in flexible if public))
    return pages


def test_request_count_depends_on_scale_sets_and_pages_not_vms():
    small_first, small_pages, page_size, small_vms = listing_requests("listing-v3.yml")
    large_first, large_pages, large_page_size, large_vms = listing_requests("listing-v300.yml")
    assert (small_vms, large_vms) == (12, 1200)
    assert page_size == large_page_size and 3 < page_size < 300
    # Same requests, one for one, apart from next pages.
    assert small_first == large_first
    # And they are the plan: 1 scale-set list + per Uniform set VMs, NICs, public IPs + per Flexible set VMs
    # + per resource group with Flexible sets NICs and public IPs.
    uniform = sum(1 for s in COUNT_SETS if s[2] == "Uniform")
    flexible = sum(1 for s in COUNT_SETS if s[2] == "Flexible")
    assert len(small_first) == 1 + 3 * uniform + flexible + 2 * 2
    assert small_pages == expected_pages(3, page_size) == 0
    assert large_pages == expected_pages(300, page_size) > 0
