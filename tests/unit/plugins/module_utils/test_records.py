# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the record builders, fed with Azure's official REST examples and small hand-made cases."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import json
from pathlib import Path

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils import records


# The official examples live beside the repository: <repo>/../shared/azure-examples.
REPO_ROOT = Path(__file__).resolve().parents[4]
EXAMPLES = REPO_ROOT.parent / "shared" / "azure-examples"

UTC = datetime.timezone.utc
SUB = "00000000-0000-0000-0000-000000000001"
VMSS_ID = "/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachineScaleSets/web" % SUB


def example_body(relative_path):
    path = EXAMPLES / relative_path
    if not path.is_file():
        pytest.skip("official Azure example not available: %s" % path)
    with path.open() as handle:
        return json.load(handle)["responses"]["200"]["body"]


def azure_time(text):
    """An independent parse of an Azure timestamp (Python 3.11's own ISO parser)."""
    return datetime.datetime.fromisoformat(text)


def uniform_ref(name="web", scale_set_id=VMSS_ID):
    return records.scale_set_ref({"name": name, "id": scale_set_id, "properties": {"orchestrationMode": "Uniform"}})


def flexible_ref(name="web", scale_set_id=VMSS_ID):
    return records.scale_set_ref({"name": name, "id": scale_set_id, "properties": {"orchestrationMode": "Flexible"}})


def status(code, when=None, **extra):
    entry = {"code": code, "level": "Info", "displayStatus": code}
    if when:
        entry["time"] = when
    entry.update(extra)
    return entry


def flexible_vm(name, statuses=None, provisioning="Succeeded", **properties):
    vm = {
        "name": name,
        "id": "/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/%s" % (SUB, name),
        "location": "westeurope",
        "properties": dict({"provisioningState": provisioning, "virtualMachineScaleSet": {"id": VMSS_ID}},
                           **properties),
    }
    if statuses is not None:
        vm["properties"]["instanceView"] = {"statuses": statuses}
    return vm


# ---------------------------------------------------------------------------
# parse_resource_id
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("resource_id", [
    "/subscriptions/sub-1/resourceGroups/My-RG/providers/Microsoft.Compute/virtualMachineScaleSets/web/virtualMachines/7",
    "/subscriptions/sub-1/resourcegroups/My-RG/providers/Microsoft.Compute/virtualMachineScaleSets/web/virtualMachines/7",
    "/SUBSCRIPTIONS/sub-1/RESOURCEGROUPS/My-RG/PROVIDERS/Microsoft.Compute/virtualMachineScaleSets/web/virtualMachines/7/",
])
def test_parse_resource_id_reads_every_part_whatever_the_keyword_case(resource_id):
    parts = records.parse_resource_id(resource_id)
    assert parts["subscription_id"] == "sub-1"
    assert parts["resource_group"] == "My-RG"
    assert parts["provider"] == "Microsoft.Compute"
    assert parts["type"] == "virtualMachineScaleSets"
    assert parts["name"] == "web"
    assert parts["children"] == [{"type": "virtualMachines", "name": "7"}]


def test_parse_resource_id_of_a_top_level_resource_has_no_children():
    parts = records.parse_resource_id(VMSS_ID)
    assert (parts["resource_group"], parts["type"], parts["name"], parts["children"]) == (
        "rg1", "virtualMachineScaleSets", "web", [])


@pytest.mark.parametrize("resource_id, expected_group", [
    ("/subscriptions/sub-1", None),
    ("/subscriptions/sub-1/resourceGroups/rg2", "rg2"),
])
def test_parse_resource_id_of_a_scope_leaves_the_rest_empty(resource_id, expected_group):
    parts = records.parse_resource_id(resource_id)
    assert parts["subscription_id"] == "sub-1"
    assert parts["resource_group"] == expected_group
    assert parts["provider"] is None and parts["name"] is None


@pytest.mark.parametrize("bad", [None, "", "/", "web", "/resourceGroups/rg/providers/x/y/z", 42])
def test_parse_resource_id_rejects_what_is_not_an_id(bad):
    with pytest.raises(ValueError, match="not an Azure resource ID"):
        records.parse_resource_id(bad)


# ---------------------------------------------------------------------------
# snake_case_keys
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("camel, snake", [
    ("rdpThumbPrint", "rdp_thumb_print"),
    ("vmAgent", "vm_agent"),
    ("displayStatus", "display_status"),
    ("hyperVGeneration", "hyper_v_generation"),
    ("platformUpdateDomain", "platform_update_domain"),
    ("isVMInStandbyPool", "is_vm_in_standby_pool"),
    ("vCPUsAvailable", "v_cpus_available"),
    ("privateIPAddress", "private_ip_address"),
    ("consoleScreenshotBlobUri", "console_screenshot_blob_uri"),
    ("statuses", "statuses"),
    ("already_snake", "already_snake"),
    ("Microsoft.Azure/odd-key", "Microsoft.Azure/odd-key"),
])
def test_snake_case(camel, snake):
    assert records.snake_case(camel) == snake


def test_snake_case_keys_converts_nested_keys_but_never_values():
    view = {"vmAgent": {"vmAgentVersion": "camelValue", "extensionHandlers": [{"typeHandlerVersion": "1.0"}]},
            "osName": "someName"}
    assert records.snake_case_keys(view) == {
        "vm_agent": {"vm_agent_version": "camelValue", "extension_handlers": [{"type_handler_version": "1.0"}]},
        "os_name": "someName",
    }


def test_snake_case_keys_gives_every_status_the_five_keys():
    view = {
        "statuses": [{"code": "PowerState/running", "displayStatus": "VM running"}],
        "extensions": [{"substatuses": [{"code": "x", "message": "m"}]}],
        "vmHealth": {"status": {"code": "HealthState/healthy"}},
        "patchStatus": {"availablePatchSummary": {"status": "Succeeded"}},
    }
    converted = records.snake_case_keys(view)
    assert converted["statuses"] == [{"code": "PowerState/running", "level": None, "display_status": "VM running",
                                      "message": None, "time": None}]
    assert converted["extensions"][0]["substatuses"] == [
        {"code": "x", "level": None, "display_status": None, "message": "m", "time": None}]
    assert set(converted["vm_health"]["status"]) == set(records.STATUS_KEYS)
    # A status that is a plain string is left alone.
    assert converted["patch_status"]["available_patch_summary"]["status"] == "Succeeded"


def test_snake_case_keys_keeps_a_null_status_list():
    assert records.snake_case_keys({"extensionHandlers": None}) == {"extension_handlers": None}


# ---------------------------------------------------------------------------
# power_state, provisioning_state, health
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("code, expected", [
    ("PowerState/running", "running"),
    ("PowerState/stopped", "stopped"),
    ("PowerState/deallocated", "deallocated"),
    ("PowerState/starting", "starting"),
    ("PowerState/stopping", "stopping"),
    ("PowerState/deallocating", "deallocating"),
    ("PowerState/Running", "running"),
])
def test_power_state_reads_the_power_state_status(code, expected):
    view = {"statuses": [status("ProvisioningState/succeeded"), status(code)]}
    assert records.power_state(view) == expected


@pytest.mark.parametrize("view", [None, {}, {"statuses": None}, {"statuses": [status("ProvisioningState/updating")]}])
def test_power_state_is_unknown_when_not_reported(view):
    assert records.power_state(view) == "unknown"


def test_provisioning_state_prefers_the_instance_view_operation_in_flight():
    vm = {"properties": {"provisioningState": "Succeeded"}}
    view = {"statuses": [status("ProvisioningState/updating"), status("PowerState/running")]}
    assert records.provisioning_state(vm, view) == "updating"


def test_provisioning_state_drops_the_error_code_of_a_failure():
    view = {"statuses": [status("ProvisioningState/failed/VMAgentStatusCommunicationError")]}
    assert records.provisioning_state({"properties": {}}, view) == "failed"


@pytest.mark.parametrize("properties, expected", [
    ({"provisioningState": "Succeeded"}, "succeeded"),
    ({"provisioningState": "Deleting"}, "deleting"),
    ({}, None),
])
def test_provisioning_state_falls_back_to_the_vm_property(properties, expected):
    assert records.provisioning_state({"properties": properties}, None) == expected


def test_provisioning_state_uses_the_embedded_instance_view_by_default():
    vm = {"properties": {"provisioningState": "Succeeded",
                         "instanceView": {"statuses": [status("ProvisioningState/creating")]}}}
    assert records.provisioning_state(vm) == "creating"


@pytest.mark.parametrize("code, expected", [
    ("HealthState/healthy", "healthy"),
    ("HealthState/unhealthy", "unhealthy"),
    ("HealthState/unknown", "unknown"),
    ("SomethingElse", "unknown"),
])
def test_health_reads_vm_health(code, expected):
    assert records.health({"vmHealth": {"status": status(code)}}) == expected
    # The snake_cased view of a record works too.
    assert records.health(records.snake_case_keys({"vmHealth": {"status": status(code)}})) == expected


@pytest.mark.parametrize("view", [None, {}, {"statuses": [status("PowerState/running")]}])
def test_health_is_none_when_the_vm_reports_no_health(view):
    assert records.health(view) is None


# ---------------------------------------------------------------------------
# Status times
# ---------------------------------------------------------------------------

def test_status_times_are_aware_datetimes():
    view = {
        "statuses": [status("ProvisioningState/succeeded", "2026-03-01T10:00:00.1234567+02:00")],
        "disks": [{"name": "osdisk", "statuses": [status("ProvisioningState/succeeded", "2026-03-01T09:00:00Z")]},
                  {"name": "data0", "statuses": [status("ProvisioningState/succeeded", "2026-02-01T09:00:00Z")]}],
    }
    assert records.last_operation_at(view) == datetime.datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)
    assert records.os_disk_provisioned_at(view) == datetime.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert records.os_disk_provisioned_at(view, os_disk_name="DATA0") == datetime.datetime(2026, 2, 1, 9, tzinfo=UTC)
    assert records.last_operation_at(view).tzinfo is not None


@pytest.mark.parametrize("view", [
    None,
    {},
    {"statuses": [status("PowerState/running")], "disks": []},
    {"statuses": [status("ProvisioningState/succeeded")], "disks": [{"name": "os", "statuses": []}]},
])
def test_status_times_are_none_when_absent(view):
    assert records.last_operation_at(view) is None
    assert records.os_disk_provisioned_at(view) is None


def test_os_disk_provisioned_at_with_an_unknown_disk_name_is_none():
    view = {"disks": [{"name": "os", "statuses": [status("ProvisioningState/succeeded", "2026-01-01T00:00:00Z")]}]}
    assert records.os_disk_provisioned_at(view, os_disk_name="other") is None


@pytest.mark.parametrize("text", [
    "2026-04-01T05:00:32+00:00",
    "2021-11-30T12:58:26.522Z",
    "2019-10-14T21:30:12.8051917+00:00",
    "2026-01-02T03:04:05-05:30",
])
def test_parse_time_matches_the_standard_parser(text):
    assert records.parse_time(text) == azure_time(text)


def test_parse_time_assumes_utc_without_offset_and_rejects_garbage():
    assert records.parse_time("2026-01-02T03:04:05") == datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert records.parse_time(datetime.datetime(2026, 1, 2)).tzinfo == UTC
    assert records.parse_time(None) is None
    with pytest.raises(ValueError, match="yesterday"):
        records.parse_time("yesterday")


# ---------------------------------------------------------------------------
# Ephemeral OS disk
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("storage_profile, expected", [
    ({"osDisk": {"diffDiskSettings": {"option": "Local", "placement": "ResourceDisk"}}}, True),
    ({"osDisk": {"diffDiskSettings": {"option": "local"}}}, True),
    ({"osDisk": {"diffDiskSettings": {}}}, False),
    ({"osDisk": {"caching": "ReadWrite"}}, False),
    ({}, False),
    (None, False),
])
def test_is_ephemeral_os_disk(storage_profile, expected):
    assert records.is_ephemeral_os_disk(storage_profile) is expected


# ---------------------------------------------------------------------------
# Scale set references
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode, expected", [("Flexible", "Flexible"), ("flexible", "Flexible"),
                                            ("Uniform", "Uniform"), (None, "Uniform")])
def test_scale_set_ref_reads_the_mode(mode, expected):
    vmss = {"name": "web", "id": VMSS_ID.replace("resourceGroups", "resourcegroups"),
            "properties": {"orchestrationMode": mode} if mode else {}}
    assert records.scale_set_ref(vmss) == {"name": "web", "id": vmss["id"], "resource_group": "rg1",
                                           "subscription_id": SUB, "orchestration_mode": expected}


def test_scale_set_ref_from_a_uniform_vm_id():
    vm = {"id": VMSS_ID + "/virtualMachines/3", "instanceId": "3"}
    ref = records.scale_set_ref_from_vm(vm)
    assert ref["id"].lower() == VMSS_ID.lower()
    assert (ref["name"], ref["orchestration_mode"]) == ("web", "Uniform")


def test_scale_set_ref_from_a_flexible_member_and_from_a_lone_vm():
    assert records.scale_set_ref_from_vm(flexible_vm("web_1a2b3c4d")) == flexible_ref()
    lone = flexible_vm("lonely")
    del lone["properties"]["virtualMachineScaleSet"]
    assert records.scale_set_ref_from_vm(lone) is None


# ---------------------------------------------------------------------------
# instance_record from the official examples
# ---------------------------------------------------------------------------

RECORD_KEYS = {
    "name", "instance_id", "id", "vm_id", "scale_set", "scale_set_id", "resource_group", "subscription_id",
    "orchestration_mode", "location", "zones", "computer_name", "power_state", "provisioning_state", "health",
    "fault_domain", "update_domain", "latest_model_applied", "protection", "os_disk_ephemeral", "os_disk_name",
    "private_ips", "public_ips", "tags", "instance_view",
}


def test_uniform_record_from_the_vmss_vm_list_example():
    vm = example_body("virtualMachineScaleSetExamples/VirtualMachineScaleSetVM_List_MaximumSet_Gen.json")["value"][0]
    properties = vm["properties"]
    view = properties["instanceView"]
    ref = records.scale_set_ref_from_vm(vm)

    record = records.instance_record(vm, ref)

    assert set(record) == RECORD_KEYS
    # The API's instanceId, not the last segment of the ID nor anything computed from the name.
    assert record["instance_id"] == vm["instanceId"]
    assert record["instance_id"] != vm["id"].rsplit("/", 1)[1]
    assert (record["name"], record["id"], record["vm_id"]) == (vm["name"], vm["id"], properties["vmId"])
    assert (record["resource_group"], record["subscription_id"]) == ("myResourceGroup", "{subscription-id}")
    assert (record["scale_set"], record["scale_set_id"]) == (ref["name"], ref["id"])
    assert record["orchestration_mode"] == "Uniform"
    assert (record["location"], record["zones"], record["tags"]) == (vm["location"], vm["zones"], vm["tags"])
    # This instance view carries no computerName: the OS profile's is used.
    assert "computerName" not in view
    assert record["computer_name"] == properties["osProfile"]["computerName"]
    assert record["fault_domain"] == view["platformFaultDomain"]
    assert record["update_domain"] == view["platformUpdateDomain"]
    assert record["latest_model_applied"] is properties["latestModelApplied"]
    assert record["protection"] == {
        "protect_from_scale_in": properties["protectionPolicy"]["protectFromScaleIn"],
        "protect_from_scale_set_actions": properties["protectionPolicy"]["protectFromScaleSetActions"],
    }
    assert record["os_disk_ephemeral"] is (properties["storageProfile"]["osDisk"]["diffDiskSettings"]["option"]
                                           == "Local")
    # Placeholder status codes: no power state, provisioning state from the property, health present but unknown.
    assert record["power_state"] == "unknown"
    assert record["provisioning_state"] == properties["provisioningState"].lower()
    assert record["health"] == "unknown"
    assert (record["private_ips"], record["public_ips"]) == ([], [])

    converted = record["instance_view"]
    assert converted["rdp_thumb_print"] == view["rdpThumbPrint"]
    assert converted["vm_agent"]["vm_agent_version"] == view["vmAgent"]["vmAgentVersion"]
    assert converted["vm_agent"]["extension_handlers"][0]["status"]["display_status"] == \
        view["vmAgent"]["extensionHandlers"][0]["status"]["displayStatus"]
    assert converted["maintenance_redeploy_status"]["last_operation_result_code"] == \
        view["maintenanceRedeployStatus"]["lastOperationResultCode"]
    assert converted["extensions"][0]["type_handler_version"] == view["extensions"][0]["typeHandlerVersion"]
    assert converted["vm_health"]["status"]["code"] == view["vmHealth"]["status"]["code"]
    assert converted["boot_diagnostics"]["serial_console_log_blob_uri"] == \
        view["bootDiagnostics"]["serialConsoleLogBlobUri"]
    assert (converted["assigned_host"], converted["placement_group_id"]) == (view["assignedHost"],
                                                                             view["placementGroupId"])
    assert converted["statuses"][0] == {
        "code": view["statuses"][0]["code"], "level": view["statuses"][0]["level"],
        "display_status": view["statuses"][0]["displayStatus"], "message": view["statuses"][0]["message"],
        "time": view["statuses"][0]["time"],
    }


def test_record_without_keeping_the_instance_view_still_reads_its_fields():
    view = {"computerName": "web000004", "platformFaultDomain": 2, "platformUpdateDomain": 3,
            "statuses": [status("ProvisioningState/updating"), status("PowerState/stopped")],
            "vmHealth": {"status": status("HealthState/unhealthy")}}
    vm = {"id": VMSS_ID + "/virtualMachines/4", "name": "web_4", "instanceId": "4",
          "properties": {"provisioningState": "Succeeded", "instanceView": view}}

    kept = records.instance_record(copy.deepcopy(vm), uniform_ref())
    dropped = records.instance_record(copy.deepcopy(vm), uniform_ref(), keep_instance_view=False)

    assert dropped["instance_view"] is None
    assert kept["instance_view"]["computer_name"] == "web000004"
    assert dict(dropped, instance_view=None) == dict(kept, instance_view=None)
    assert (dropped["power_state"], dropped["provisioning_state"], dropped["health"]) == (
        "stopped", "updating", "unhealthy")
    assert (dropped["computer_name"], dropped["fault_domain"], dropped["update_domain"]) == ("web000004", 2, 3)


def test_uniform_record_from_a_get_without_instance_view():
    vm = example_body("virtualMachineScaleSetExamples/VirtualMachineScaleSetVM_Get_WithVMSizeProperties.json")
    record = records.instance_record(vm, uniform_ref())

    assert "instanceView" not in vm["properties"]
    assert record["instance_view"] is None
    assert record["power_state"] == "unknown"
    assert record["health"] is None
    assert record["fault_domain"] is None and record["update_domain"] is None
    assert record["provisioning_state"] == vm["properties"]["provisioningState"].lower()
    assert record["tags"] == vm["tags"]
    assert record["zones"] == []
    assert record["os_disk_ephemeral"] is False
    # No protectionPolicy in the answer: nothing is protected.
    assert record["protection"] == {"protect_from_scale_in": False, "protect_from_scale_set_actions": False}
    # This answer has no instanceId: it is read from the VM's own resource ID.
    assert "instanceId" not in vm
    assert record["instance_id"] == vm["id"].rsplit("/", 1)[1]


def test_uniform_record_with_the_vmss_vm_instance_view_example():
    vm = copy.deepcopy(
        example_body("virtualMachineScaleSetExamples/VirtualMachineScaleSetVM_Get_WithVMSizeProperties.json"))
    view = example_body(
        "virtualMachineScaleSetExamples/VirtualMachineScaleSetVM_Get_InstanceViewAutoPlacedOnDedicatedHostGroup.json")
    vm["properties"]["instanceView"] = view

    record = records.instance_record(vm, uniform_ref())

    assert record["power_state"] == view["statuses"][1]["code"].split("/")[1]
    assert record["provisioning_state"] == view["statuses"][0]["code"].split("/")[1]
    # Fault and update domain 0 are real values, not missing ones.
    assert (record["fault_domain"], record["update_domain"]) == (view["platformFaultDomain"],
                                                                 view["platformUpdateDomain"])
    assert record["fault_domain"] == 0
    assert record["health"] is None
    assert record["instance_view"]["rdp_thumb_print"] is None
    assert record["instance_view"]["vm_agent"]["extension_handlers"] is None
    assert record["instance_view"]["vm_agent"]["statuses"][0]["message"] == view["vmAgent"]["statuses"][0]["message"]
    assert records.os_disk_provisioned_at(record["instance_view"]) == azure_time(view["disks"][0]["statuses"][0]["time"])
    assert records.last_operation_at(view) == azure_time(view["statuses"][0]["time"])


def test_flexible_record_with_the_vm_instance_view_example():
    vm = copy.deepcopy(example_body("virtualMachineExamples/VirtualMachine_List_MaximumSet_Gen.json")["value"][0])
    view = example_body("virtualMachineExamples/VirtualMachine_Get_InstanceView.json")
    vm["properties"]["instanceView"] = view
    ref = flexible_ref(scale_set_id=vm["properties"]["virtualMachineScaleSet"]["id"])

    record = records.instance_record(vm, ref)

    assert record["instance_id"] == vm["name"]
    assert record["orchestration_mode"] == "Flexible"
    assert record["latest_model_applied"] is None
    assert record["protection"] is None
    assert record["computer_name"] == view["computerName"]
    assert record["computer_name"] != vm["properties"]["osProfile"]["computerName"]
    # The instance view's domain wins over the VM property.
    assert record["fault_domain"] == view["platformFaultDomain"] != vm["properties"]["platformFaultDomain"]
    assert record["update_domain"] == view["platformUpdateDomain"]
    assert record["power_state"] == "running"
    assert record["provisioning_state"] == "succeeded"
    assert record["os_disk_ephemeral"] is True
    assert record["zones"] == vm["zones"]

    converted = record["instance_view"]
    assert converted["hyper_v_generation"] == view["hyperVGeneration"]
    assert converted["os_name"] == view["osName"]
    assert converted["is_vm_in_standby_pool"] == view["isVMInStandbyPool"]
    # Statuses the API sent without message/time still carry the keys.
    assert converted["statuses"][1]["time"] is None and converted["statuses"][1]["message"] is None
    assert converted["vm_agent"]["extension_handlers"][0]["status"]["time"] is None
    assert converted["patch_status"]["configuration_statuses"][0]["display_status"] == \
        view["patchStatus"]["configurationStatuses"][0]["displayStatus"]
    assert records.os_disk_provisioned_at(converted) == azure_time(view["disks"][0]["statuses"][0]["time"])
    assert records.os_disk_provisioned_at(converted, os_disk_name=view["disks"][1]["name"]) == \
        azure_time(view["disks"][1]["statuses"][0]["time"])
    assert records.last_operation_at(converted) == azure_time(view["statuses"][0]["time"])


def test_flexible_records_from_the_vm_list_example():
    vms = example_body("virtualMachineExamples/VirtualMachine_List_MaximumSet_Gen.json")["value"]
    without_view, with_view = vms[0], vms[1]

    plain = records.instance_record(without_view, None)
    expanded = records.instance_record(with_view, None)

    # Without a scale set the reference is read from properties.virtualMachineScaleSet.id.
    assert plain["scale_set_id"] == without_view["properties"]["virtualMachineScaleSet"]["id"]
    assert plain["orchestration_mode"] == "Flexible"
    assert plain["instance_view"] is None
    assert plain["computer_name"] == without_view["properties"]["osProfile"]["computerName"]
    # No instance view: the fault domain comes from the VM property.
    assert plain["fault_domain"] == without_view["properties"]["platformFaultDomain"]
    assert plain["update_domain"] is None
    assert expanded["fault_domain"] == with_view["properties"]["instanceView"]["platformFaultDomain"]
    assert expanded["computer_name"] == with_view["properties"]["instanceView"]["computerName"]
    assert expanded["instance_view"]["rdp_thumb_print"] == with_view["properties"]["instanceView"]["rdpThumbPrint"]


# ---------------------------------------------------------------------------
# instance_record, hand-made cases
# ---------------------------------------------------------------------------

def test_flexible_record_ignores_uniform_only_properties():
    vm = flexible_vm("web_0a1b2c3d", statuses=[status("PowerState/deallocated")],
                     latestModelApplied=True, protectionPolicy={"protectFromScaleIn": True})
    record = records.instance_record(vm, flexible_ref())
    assert record["latest_model_applied"] is None
    assert record["protection"] is None
    assert record["power_state"] == "deallocated"


def test_uniform_record_without_latest_model_applied_is_none_not_false():
    vm = {"name": "web_4", "id": VMSS_ID + "/virtualMachines/4", "instanceId": "4", "properties": {}}
    record = records.instance_record(vm, uniform_ref())
    assert record["latest_model_applied"] is None
    assert record["instance_id"] == "4"
    assert record["computer_name"] is None


def test_record_resource_group_comes_from_the_vm_id_even_lowercase():
    vm = flexible_vm("web_0a1b2c3d")
    vm["id"] = vm["id"].replace("resourceGroups/rg1", "resourcegroups/other-rg")
    record = records.instance_record(vm, flexible_ref())
    assert (record["resource_group"], record["subscription_id"]) == ("other-rg", SUB)


def test_record_copies_the_network_addresses():
    network = {"private_ips": ["10.0.0.4"], "public_ips": ["20.1.2.3"]}
    record = records.instance_record(flexible_vm("web_0a1b2c3d"), flexible_ref(), network)
    assert (record["private_ips"], record["public_ips"]) == (["10.0.0.4"], ["20.1.2.3"])
    record["private_ips"].append("10.0.0.5")
    assert network["private_ips"] == ["10.0.0.4"]


# ---------------------------------------------------------------------------
# Network join
# ---------------------------------------------------------------------------

def nic(vm_id, ip_configurations, primary=None, nic_name="nic"):
    properties = {"ipConfigurations": ip_configurations}
    if vm_id:
        properties["virtualMachine"] = {"id": vm_id}
    if primary is not None:
        properties["primary"] = primary
    return {"id": "/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/%s"
                  % (SUB, nic_name), "properties": properties}


def ip_configuration(private_ip, public_ip_id=None, primary=None):
    properties = {"privateIPAddress": private_ip}
    if public_ip_id:
        properties["publicIPAddress"] = {"id": public_ip_id}
    if primary is not None:
        properties["primary"] = primary
    return {"name": "ipconfig", "properties": properties}


def public_ip(name, address=None):
    properties = {"ipAddress": address} if address else {}
    return {"id": "/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/%s" % (SUB, name),
            "properties": properties}


def test_ips_by_vm_id_puts_primary_nic_and_ip_configuration_first():
    vm_id = VMSS_ID + "/virtualMachines/0"
    pip_primary = public_ip("pip-a", "20.0.0.1")
    pip_unallocated = public_ip("pip-b")
    nics = [
        nic(vm_id, [ip_configuration("10.1.0.4")], primary=False, nic_name="secondary"),
        nic(vm_id.upper(), [
            ip_configuration("10.0.0.5", pip_unallocated["id"], primary=False),
            ip_configuration("10.0.0.4", pip_primary["id"].upper(), primary=True),
        ], primary=True, nic_name="primary"),
        nic(None, [ip_configuration("10.9.9.9")], nic_name="detached"),
    ]

    joined = records.ips_by_vm_id(nics, [pip_primary, pip_unallocated])

    assert list(joined) == [vm_id.lower()]
    assert joined[vm_id.lower()] == {"private_ips": ["10.0.0.4", "10.0.0.5", "10.1.0.4"],
                                     "public_ips": ["20.0.0.1"]}
    assert records.network_for_vm(joined, vm_id) is joined[vm_id.lower()]
    assert records.network_for_vm(joined, VMSS_ID + "/virtualMachines/1") is None


def test_ips_by_vm_id_with_nothing():
    assert records.ips_by_vm_id([], []) == {}
    assert records.ips_by_vm_id(None, None) == {}


# ---------------------------------------------------------------------------
# scale_set_record and status summaries
# ---------------------------------------------------------------------------

def test_uniform_scale_set_record_from_the_examples():
    vmss = example_body("virtualMachineScaleSetExamples/VirtualMachineScaleSet_Get_AutoPlacedOnDedicatedHostGroup.json")
    view = example_body("virtualMachineScaleSetExamples/VirtualMachineScaleSet_GetInstanceView_MaximumSet_Gen.json")
    properties = vmss["properties"]

    record = records.scale_set_record(vmss, view)

    assert (record["name"], record["id"], record["location"]) == (vmss["name"], vmss["id"], vmss["location"])
    assert (record["resource_group"], record["subscription_id"]) == ("myResourceGroup", "{subscription-id}")
    # This scale set does not state a mode: Uniform, Azure's default.
    assert "orchestrationMode" not in properties
    assert record["orchestration_mode"] == "Uniform"
    assert record["sku"] == vmss["sku"]
    assert record["capacity"] == vmss["sku"]["capacity"]
    assert record["computer_name_prefix"] == properties["virtualMachineProfile"]["osProfile"]["computerNamePrefix"]
    assert record["upgrade_policy"] == properties["upgradePolicy"]["mode"]
    assert record["provisioning_state"] == properties["provisioningState"].lower()
    assert record["platform_fault_domain_count"] == properties["platformFaultDomainCount"]
    assert record["single_placement_group"] is properties["singlePlacementGroup"]
    assert record["os_disk_ephemeral"] is False
    assert (record["zones"], record["tags"]) == ([], vmss["tags"])
    assert record["unique_id"] is None and record["time_created"] is None
    assert record["status_summary"] == {entry["code"]: entry["count"]
                                        for entry in view["virtualMachine"]["statusesSummary"]}
    assert "instance_count" not in record


def test_flexible_scale_set_record_counts_its_members():
    vmss = example_body("virtualMachineScaleSetExamples/VirtualMachineScaleSet_Create_WithSkuProfile.json")
    members = [
        records.instance_record(flexible_vm("web_1", [status("ProvisioningState/succeeded"),
                                                      status("PowerState/running")]), flexible_ref()),
        records.instance_record(flexible_vm("web_2", [status("ProvisioningState/succeeded"),
                                                      status("PowerState/running")]), flexible_ref()),
        records.instance_record(flexible_vm("web_3", [status("ProvisioningState/updating"),
                                                      status("PowerState/stopped"), status("OSState/generalized")]),
                                flexible_ref()),
    ]

    record = records.scale_set_record(vmss, members=members)

    assert record["orchestration_mode"] == "Flexible"
    assert record["sku"] == {"name": vmss["sku"]["name"], "tier": None, "capacity": vmss["sku"]["capacity"]}
    assert record["unique_id"] == vmss["properties"]["uniqueId"]
    assert record["provisioning_state"] == vmss["properties"]["provisioningState"].lower()
    assert record["upgrade_policy"] is None
    assert record["instance_count"] == 3
    assert record["status_summary"] == {"ProvisioningState/succeeded": 2, "PowerState/running": 2,
                                        "ProvisioningState/updating": 1, "PowerState/stopped": 1}


def test_flexible_scale_set_without_profile_or_members():
    vmss = {"name": "bare", "id": VMSS_ID, "location": "westeurope",
            "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1,
                           "timeCreated": "2026-01-01T00:00:00+00:00"}}
    record = records.scale_set_record(vmss)
    assert record["computer_name_prefix"] is None
    assert record["sku"] is None and record["capacity"] is None
    assert record["os_disk_ephemeral"] is False
    assert record["status_summary"] is None
    assert record["time_created"] == vmss["properties"]["timeCreated"]
    assert "instance_count" not in record
    assert records.scale_set_record(vmss, members=[])["status_summary"] == {}


def test_scale_set_os_disk_ephemeral_reads_the_profile():
    vmss = {"name": "eph", "id": VMSS_ID, "properties": {"virtualMachineProfile": {
        "storageProfile": {"osDisk": {"diffDiskSettings": {"option": "Local"}}}}}}
    assert records.scale_set_record(vmss)["os_disk_ephemeral"] is True


def test_uniform_instance_view_summary_wins_over_members():
    view = {"virtualMachine": {"statusesSummary": [{"code": "PowerState/running", "count": 5}]}}
    member = records.instance_record(flexible_vm("x", [status("PowerState/stopped")]), uniform_ref())
    record = records.scale_set_record({"name": "web", "id": VMSS_ID}, view, [member])
    assert record["status_summary"] == {"PowerState/running": 5}
    assert record["instance_count"] == 1


def test_status_summary_from_members_without_instance_views():
    members = [
        records.instance_record(flexible_vm("a", provisioning="Succeeded"), flexible_ref()),
        records.instance_record(flexible_vm("b", provisioning="Failed"), flexible_ref()),
        {"instance_view": None, "provisioning_state": None},
        records.instance_record(flexible_vm("c", [status("ProvisioningState/failed/OSProvisioningTimedOut")]),
                                flexible_ref()),
    ]
    assert records.status_summary_from_members(members) == {
        "ProvisioningState/succeeded": 1, "ProvisioningState/failed": 1,
        "ProvisioningState/failed/OSProvisioningTimedOut": 1,
    }


def test_the_record_names_its_os_disk_so_a_reimage_is_told_from_a_data_disk():
    # The view lists a data disk (attached last) before the OS disk; only the OS disk's time is a reimage.
    vm = {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/api_1a2b3c4d",
        "name": "api_1a2b3c4d",
        "properties": {
            "storageProfile": {"osDisk": {"name": "api_1a2b3c4d_OsDisk_1"}, "dataDisks": [{"name": "api_data0"}]},
            "instanceView": {"disks": [
                {"name": "api_data0", "statuses": [{"code": "ProvisioningState/succeeded",
                                                    "time": "2026-11-30T08:00:00Z"}]},
                {"name": "api_1a2b3c4d_OsDisk_1", "statuses": [{"code": "ProvisioningState/succeeded",
                                                                "time": "2026-11-01T08:00:00Z"}]},
            ]},
        },
    }
    record = records.instance_record(vm, {"name": "api", "orchestration_mode": "Flexible"})
    assert record["os_disk_name"] == "api_1a2b3c4d_OsDisk_1"
    assert records.os_disk_provisioned_at(record["instance_view"], record["os_disk_name"]) == \
        records.parse_time("2026-11-01T08:00:00Z")
