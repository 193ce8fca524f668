"""Acceptance 1: with nothing but env.sh, the stock SDK lists subscriptions, scale sets of both modes, Uniform
VMs with instance views across pages, Flexible VMs with the scale-set filter, instance views, NICs and public IPs."""

import json
import re
import ssl
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from arm_emulator.naming import base36
from arm_emulator.testing import EmulatorProcess
from conftest import (FAST_ARGS, RG_FLEX, RG_UNIFORM, SAMPLE, SUB_A, SUB_B, VMSS_FLEX_EPHEMERAL,
                      VMSS_FLEX_STANDARD, VMSS_UNIFORM, arm_paths, read_env_file)

ENV_KEYS = {"AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_CLOUD_ENVIRONMENT",
            "AZURE_CA_BUNDLE"}
INSTANCE_VIEW_KEYS = {"platformUpdateDomain", "platformFaultDomain", "computerName", "osName", "osVersion",
                      "hyperVGeneration", "rdpThumbPrint", "vmAgent", "disks", "extensions", "bootDiagnostics",
                      "assignedHost", "maintenanceRedeployStatus", "statuses"}


def _power(view):
    return next(s.code for s in view.statuses if s.code.startswith("PowerState/")).split("/", 1)[1]


def _flex_filter(clients, rg, name):
    scale_set = clients.compute.virtual_machine_scale_sets.get(rg, name)
    return f"'virtualMachineScaleSet/id' eq '{scale_set.id}'"


def test_ready_line_and_env_file(emu):
    ready = emu.ready
    assert set(ready) == {"endpoint", "authority_host", "ca_bundle", "tenant_id", "client_id", "client_secret",
                          "subscription_id", "pid", "env"}
    assert ready["endpoint"].startswith("https://127.0.0.1:")
    env = read_env_file(emu.env_file)
    assert env == ready["env"]
    assert set(env) == ENV_KEYS
    assert env["AZURE_CLOUD_ENVIRONMENT"] == f"{ready['endpoint']}/metadata/endpoints?api-version=2022-09-01"
    assert env["AZURE_SUBSCRIPTION_ID"] == SUB_A


def test_cloud_metadata(env_clients, emu):
    cloud = env_clients.cloud
    assert cloud["resourceManager"] == emu.endpoint + "/"
    auth = cloud["authentication"]
    assert auth["loginEndpoint"] == emu.endpoint + "/"
    assert "https://management.azure.com/" in auth["audiences"]
    assert auth["tenant"] == "common" and auth["identityProvider"] == "AAD"
    assert "suffixes" in cloud and "name" in cloud


def test_list_subscriptions_only_readable_ones(env_clients):
    subs = list(env_clients.subscriptions.subscriptions.list())
    assert [s.subscription_id for s in subs] == [SUB_A]
    assert subs[0].state == "Enabled"
    assert SUB_B not in {s.subscription_id for s in subs}


def test_list_scale_sets_of_both_modes(env_clients):
    compute = env_clients.compute
    everything = {s.name: s for s in compute.virtual_machine_scale_sets.list_all()}
    assert set(everything) == {VMSS_UNIFORM, VMSS_FLEX_EPHEMERAL, VMSS_FLEX_STANDARD}
    assert everything[VMSS_UNIFORM].orchestration_mode == "Uniform"
    assert everything[VMSS_FLEX_EPHEMERAL].orchestration_mode == "Flexible"
    assert everything[VMSS_UNIFORM].sku.capacity == 5
    assert everything[VMSS_UNIFORM].virtual_machine_profile.os_profile.computer_name_prefix == "web"
    eph = everything[VMSS_FLEX_EPHEMERAL].virtual_machine_profile.storage_profile.os_disk
    assert eph.diff_disk_settings.option == "Local"
    assert everything[VMSS_FLEX_STANDARD].virtual_machine_profile.storage_profile.os_disk.diff_disk_settings is None
    in_rg = [s.name for s in compute.virtual_machine_scale_sets.list(RG_FLEX)]
    assert sorted(in_rg) == [VMSS_FLEX_EPHEMERAL, VMSS_FLEX_STANDARD]
    with pytest.raises(ResourceNotFoundError):
        compute.virtual_machine_scale_sets.get(RG_UNIFORM, "no-such-set")


def test_uniform_vms_with_instance_view_across_pages(env_clients, emu):
    emu.clear_requests()
    vms = list(env_clients.compute.virtual_machine_scale_set_vms.list(RG_UNIFORM, VMSS_UNIFORM,
                                                                      expand="instanceView"))
    assert len(vms) == 5
    pages = [r for r in arm_paths(emu.requests()) if r["path"].endswith("/virtualMachines")]
    assert len(pages) == 3                             # page size 2
    assert all(r["status"] == 200 for r in pages)
    assert "$skiptoken" not in pages[0]["query"] and "$skiptoken" in pages[1]["query"]
    assert all(r["query"].get("$expand") == "instanceView" for r in pages)   # nextLink carries every parameter
    assert all(r["query"].get("api-version") for r in pages)

    ids = [int(vm.instance_id) for vm in vms]
    assert ids == sorted(ids) and ids != list(range(len(ids)))             # gapped, never 0..n-1
    for vm in vms:
        assert vm.name == f"{VMSS_UNIFORM}_{vm.instance_id}"
        view = vm.instance_view
        assert view is not None
        assert view.computer_name == "web" + base36(int(vm.instance_id)).zfill(6)
        assert view.computer_name == vm.os_profile.computer_name
        assert INSTANCE_VIEW_KEYS <= set(view.as_dict())
        assert view.placement_group_id
        assert view.vm_health is not None
        assert view.disks[0].statuses[0].time is not None
        assert view.statuses[0].code.startswith("ProvisioningState/")
    powers = sorted(_power(vm.instance_view) for vm in vms)
    assert powers == ["deallocated", "running", "running", "running", "stopped"]
    health = [vm.instance_view.vm_health.status.code for vm in vms]
    assert health.count("HealthState/unhealthy") == 1


def test_next_link_is_absolute_and_self_sufficient(emu):
    token = _token(emu)
    url = (f"{emu.endpoint}/subscriptions/{SUB_A}/resourceGroups/{RG_UNIFORM}/providers/Microsoft.Compute/"
           f"virtualMachineScaleSets/{VMSS_UNIFORM}/virtualMachines?api-version=2026-04-01&$expand=instanceView")
    body = _get(emu, url, token)
    link = body["nextLink"]
    assert link.startswith(emu.endpoint + "/subscriptions/")
    query = parse_qs(urlsplit(link).query)
    assert query["api-version"] == ["2026-04-01"] and query["$expand"] == ["instanceView"]
    second = _get(emu, link, token)
    assert len(second["value"]) == 2
    assert {v["name"] for v in body["value"]}.isdisjoint({v["name"] for v in second["value"]})


def test_flexible_vms_with_filter_and_instance_view(env_clients, emu):
    compute = env_clients.compute
    flt = _flex_filter(env_clients, RG_FLEX, VMSS_FLEX_EPHEMERAL)
    emu.clear_requests()
    vms = list(compute.virtual_machines.list(RG_FLEX, filter=flt, expand="instanceView"))
    assert len(vms) == 4
    assert len(arm_paths(emu.requests())) == 2                    # two pages, no GET per VM
    for vm in vms:
        assert re.fullmatch(rf"{VMSS_FLEX_EPHEMERAL}_[0-9a-f]{{8}}", vm.name)
        assert re.fullmatch(r"bat[0-9a-f]{6}", vm.instance_view.computer_name)
        assert vm.virtual_machine_scale_set.id.endswith(f"/virtualMachineScaleSets/{VMSS_FLEX_EPHEMERAL}")
        assert INSTANCE_VIEW_KEYS <= set(vm.instance_view.as_dict())
    assert [vm.instance_view.vm_health.status.code for vm in vms].count("HealthState/unhealthy") == 1
    # without the filter: every Flexible member of the group, and no instance views
    everyone = list(compute.virtual_machines.list(RG_FLEX))
    assert len(everyone) == 7 and all(vm.instance_view is None for vm in everyone)
    assert len(list(compute.virtual_machines.list_all())) == 7
    with pytest.raises(HttpResponseError) as err:
        list(compute.virtual_machines.list(RG_FLEX, expand="instanceView"))
    assert err.value.status_code == 400


def test_instance_views_of_both_modes(env_clients):
    compute = env_clients.compute
    uniform = list(compute.virtual_machine_scale_set_vms.list(RG_UNIFORM, VMSS_UNIFORM))
    assert all(vm.instance_view is None for vm in uniform)
    view = compute.virtual_machine_scale_set_vms.get_instance_view(RG_UNIFORM, VMSS_UNIFORM, uniform[0].instance_id)
    assert INSTANCE_VIEW_KEYS | {"placementGroupId", "vmHealth"} <= set(view.as_dict())
    got = compute.virtual_machine_scale_set_vms.get(RG_UNIFORM, VMSS_UNIFORM, uniform[0].instance_id,
                                                    expand="instanceView")
    assert got.instance_view.computer_name == view.computer_name
    flex = next(iter(compute.virtual_machines.list(RG_FLEX)))
    view = compute.virtual_machines.instance_view(RG_FLEX, flex.name)
    assert INSTANCE_VIEW_KEYS <= set(view.as_dict())
    got = compute.virtual_machines.get(RG_FLEX, flex.name, expand="instanceView")
    assert got.instance_view.statuses[1].code == view.statuses[1].code
    summary = compute.virtual_machine_scale_sets.get_instance_view(RG_UNIFORM, VMSS_UNIFORM)
    counts = {s.code: s.count for s in summary.virtual_machine.statuses_summary}
    assert counts["PowerState/running"] == 3 and counts["PowerState/stopped"] == 1
    assert counts["PowerState/deallocated"] == 1


def test_scale_set_vm_select_and_filter(env_clients):
    vms = env_clients.compute.virtual_machine_scale_set_vms
    power = list(vms.list(RG_UNIFORM, VMSS_UNIFORM, select="instanceView/statuses",
                          filter="startswith(instanceView/statuses/code, 'PowerState') eq true"))
    assert len(power) == 5
    assert all([s.code.split("/")[0] for s in vm.instance_view.statuses] == ["PowerState"] for vm in power)
    assert len(list(vms.list(RG_UNIFORM, VMSS_UNIFORM, filter="properties/latestModelApplied eq true"))) == 5
    assert list(vms.list(RG_UNIFORM, VMSS_UNIFORM, filter="properties/latestModelApplied eq false")) == []


def test_network_interfaces_and_public_ips(env_clients):
    network, compute = env_clients.network, env_clients.compute
    uniform = {vm.id.lower(): vm for vm in compute.virtual_machine_scale_set_vms.list(RG_UNIFORM, VMSS_UNIFORM)}
    nics = list(network.network_interfaces.list_virtual_machine_scale_set_network_interfaces(RG_UNIFORM,
                                                                                             VMSS_UNIFORM))
    assert len(nics) == 5
    assert {nic.virtual_machine.id.lower() for nic in nics} == set(uniform)
    private = [nic.ip_configurations[0].private_ip_address for nic in nics]
    assert len(set(private)) == 5 and all(ip.startswith("10.") for ip in private)
    pips = {p.id.lower(): p for p in
            network.public_ip_addresses.list_virtual_machine_scale_set_public_ip_addresses(RG_UNIFORM, VMSS_UNIFORM)}
    assert len(pips) == 5
    for nic in nics:                                   # join private and public IP without a GET per VM
        assert nic.ip_configurations[0].public_ip_address.id.lower() in pips
    one = nics[0]
    instance_id = one.virtual_machine.id.rsplit("/", 1)[1]
    per_vm = list(network.network_interfaces.list_virtual_machine_scale_set_vm_network_interfaces(
        RG_UNIFORM, VMSS_UNIFORM, instance_id))
    assert [n.id for n in per_vm] == [one.id]

    flex_vms = {vm.id.lower() for vm in compute.virtual_machines.list(RG_FLEX)}
    rg_nics = list(network.network_interfaces.list(RG_FLEX))
    assert {nic.virtual_machine.id.lower() for nic in rg_nics} == flex_vms
    rg_pips = list(network.public_ip_addresses.list(RG_FLEX))
    assert len(rg_pips) == 3                          # only vmss-batch-std has public IPs
    with_pip = [n for n in rg_nics if n.ip_configurations[0].public_ip_address is not None]
    assert {n.ip_configurations[0].public_ip_address.id.lower() for n in with_pip} == {p.id.lower() for p in rg_pips}
    nic = network.network_interfaces.get(RG_FLEX, rg_nics[0].name)
    assert nic.id == rg_nics[0].id


def test_names_are_stable_across_restarts(emu):
    first = sorted(v["name"] for v in emu.vms())
    with EmulatorProcess(SAMPLE, extra_args=FAST_ARGS) as again:
        assert sorted(v["name"] for v in again.vms()) == first
        assert again.endpoint != emu.endpoint


def test_request_log_fields(clients, emu):
    emu.clear_requests()
    list(clients.compute.virtual_machine_scale_sets.list(RG_UNIFORM))
    log = emu.requests()
    arm = arm_paths(log)
    assert len(arm) == 1
    entry = arm[0]
    assert {"seq", "method", "path", "query", "status", "started", "finished", "duration_ms", "client_id"} <= set(entry)
    assert entry["client_id"] == emu.ready["client_id"]
    assert entry["finished"] >= entry["started"]
    assert isinstance(entry["query"], dict) and entry["query"]["api-version"]
    assert not any(r["path"].startswith("/_emulator") for r in log)
    assert emu.requests(clear=True) and emu.requests() == []


def test_partial_access_across_subscriptions(multi_clients, multi_emulator):
    from arm_emulator.testing import sdk_clients
    from azure.core.exceptions import HttpResponseError

    subs = sorted(s.display_name for s in multi_clients.subscriptions.subscriptions.list())
    assert subs == ["Multi A (full access)", "Multi B (one resource group readable)"]
    sub_b = "3b5d7f91-2c4e-4a6b-8d0f-1e3a5b7d9f02"
    b = sdk_clients(multi_emulator.ready, subscription_id=sub_b, polling_interval=0.1)
    assert sorted(s.name for s in b.compute.virtual_machine_scale_sets.list("rg-shared")) == [
        "vmss-shared", "vmss-shared-flex"]
    with pytest.raises(HttpResponseError) as err:
        list(b.compute.virtual_machine_scale_sets.list("rg-private"))
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    with pytest.raises(HttpResponseError) as err:
        list(b.compute.virtual_machine_scale_sets.list_all())
    assert err.value.status_code == 403
    c = sdk_clients(multi_emulator.ready, subscription_id="4c6e8a02-3d5f-4b7c-9e1a-2f4b6c8e0a03")
    with pytest.raises(HttpResponseError) as err:
        list(c.compute.virtual_machine_scale_sets.list("rg-secret"))
    assert err.value.status_code == 403
    assert multi_emulator.ready["client_id"] in err.value.error.message


def _token(emu):
    data = (f"client_id={emu.ready['client_id']}&client_secret={emu.ready['client_secret']}"
            "&grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.azure.com%2F.default").encode()
    request = urllib.request.Request(f"{emu.endpoint}/{emu.ready['tenant_id']}/oauth2/v2.0/token", data=data,
                                     method="POST")
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=emu.ca_bundle)) as response:
        return json.loads(response.read())["access_token"]


def _get(emu, url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=emu.ca_bundle)) as response:
        return json.loads(response.read())
