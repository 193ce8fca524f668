"""Acceptance 2: restart / reimage / power off / start / deallocate on a Uniform batch (instanceIds) and on single
Flexible VMs run to completion through the SDK's pollers; the instance views show the transition while running
and the new state and advanced status times after."""

import time

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.mgmt.compute import models

from conftest import RG_FLEX, RG_UNIFORM, VMSS_FLEX_EPHEMERAL, VMSS_FLEX_STANDARD, VMSS_UNIFORM, arm_paths


def _codes(view):
    prov = next(s for s in view.statuses if s.code.startswith("ProvisioningState/"))
    power = next(s.code for s in view.statuses if s.code.startswith("PowerState/"))
    return prov.code, power, prov.time


def _uniform_view(compute, instance_id):
    return compute.virtual_machine_scale_set_vms.get_instance_view(RG_UNIFORM, VMSS_UNIFORM, instance_id)


def _uniform_ids(compute, power="running"):
    vms = compute.virtual_machine_scale_set_vms.list(RG_UNIFORM, VMSS_UNIFORM, expand="instanceView")
    return [vm.instance_id for vm in vms if _codes(vm.instance_view)[1] == f"PowerState/{power}"]


def _flex_names(compute, scale_set):
    ss = compute.virtual_machine_scale_sets.get(RG_FLEX, scale_set)
    vms = compute.virtual_machines.list(RG_FLEX, filter=f"'virtualMachineScaleSet/id' eq '{ss.id}'",
                                        expand="instanceView")
    return {vm.name: _codes(vm.instance_view)[1] for vm in vms}


def test_uniform_batch_restart_shows_transition_then_advances_time(clients, emu):
    compute = clients.compute
    ids = _uniform_ids(compute)
    assert len(ids) == 3
    before = {i: _uniform_view(compute, i) for i in ids}
    emu.clear_requests()
    poller = compute.virtual_machine_scale_sets.begin_restart(
        RG_UNIFORM, VMSS_UNIFORM, vm_instance_i_ds=models.VirtualMachineScaleSetVMInstanceIDs(instance_ids=ids))
    during = _codes(_uniform_view(compute, ids[0]))
    assert during[:2] == ("ProvisioningState/updating", "PowerState/starting")
    assert not poller.done()
    poller.result()
    posts = arm_paths(emu.requests(), "POST")
    assert len(posts) == 1 and posts[0]["path"].endswith(f"/{VMSS_UNIFORM}/restart")   # one request per batch
    for instance_id in ids:
        view = _uniform_view(compute, instance_id)
        prov, power, when = _codes(view)
        assert (prov, power) == ("ProvisioningState/succeeded", "PowerState/running")
        assert when > _codes(before[instance_id])[2]
        assert view.computer_name == before[instance_id].computer_name
        assert view.platform_fault_domain == before[instance_id].platform_fault_domain
        assert view.disks[0].statuses[0].time == before[instance_id].disks[0].statuses[0].time


def test_uniform_batch_reimage_advances_os_disk_time(clients):
    compute = clients.compute
    ids = _uniform_ids(compute)[:2]
    before = {i: _uniform_view(compute, i).disks[0].statuses[0].time for i in ids}
    poller = compute.virtual_machine_scale_sets.begin_reimage(
        RG_UNIFORM, VMSS_UNIFORM,
        vm_scale_set_reimage_input=models.VirtualMachineScaleSetReimageParameters(instance_ids=ids))
    assert _codes(_uniform_view(compute, ids[1]))[0] == "ProvisioningState/updating"
    poller.result()
    for instance_id in ids:
        view = _uniform_view(compute, instance_id)
        assert view.disks[0].statuses[0].time > before[instance_id]
        assert _codes(view)[:2] == ("ProvisioningState/succeeded", "PowerState/running")


def test_uniform_batch_power_off_start_deallocate(clients):
    compute = clients.compute
    ids = _uniform_ids(compute)[:2]
    ids_model = models.VirtualMachineScaleSetVMInstanceIDs(instance_ids=ids)
    poller = compute.virtual_machine_scale_sets.begin_power_off(RG_UNIFORM, VMSS_UNIFORM, vm_instance_i_ds=ids_model)
    assert _codes(_uniform_view(compute, ids[0]))[1] == "PowerState/stopping"
    poller.result()
    assert {_codes(_uniform_view(compute, i))[1] for i in ids} == {"PowerState/stopped"}
    poller = compute.virtual_machine_scale_sets.begin_start(RG_UNIFORM, VMSS_UNIFORM, vm_instance_i_ds=ids_model)
    assert _codes(_uniform_view(compute, ids[0]))[1] == "PowerState/starting"
    poller.result()
    assert {_codes(_uniform_view(compute, i))[1] for i in ids} == {"PowerState/running"}
    poller = compute.virtual_machine_scale_sets.begin_deallocate(RG_UNIFORM, VMSS_UNIFORM, vm_instance_i_ds=ids_model)
    assert _codes(_uniform_view(compute, ids[0]))[1] == "PowerState/deallocating"
    poller.result()
    assert {_codes(_uniform_view(compute, i))[1] for i in ids} == {"PowerState/deallocated"}


def test_single_uniform_instance_operations(clients):
    compute = clients.compute
    instance_id = _uniform_ids(compute)[0]
    compute.virtual_machine_scale_set_vms.begin_restart(RG_UNIFORM, VMSS_UNIFORM, instance_id).result()
    compute.virtual_machine_scale_set_vms.begin_reimage(RG_UNIFORM, VMSS_UNIFORM, instance_id).result()
    compute.virtual_machine_scale_set_vms.begin_power_off(RG_UNIFORM, VMSS_UNIFORM, instance_id).result()
    assert _codes(_uniform_view(compute, instance_id))[1] == "PowerState/stopped"


def test_flexible_single_vm_operations(clients, emu):
    compute = clients.compute
    names = _flex_names(compute, VMSS_FLEX_EPHEMERAL)
    name = next(n for n, power in names.items() if power == "PowerState/running")
    view = compute.virtual_machines.instance_view(RG_FLEX, name)
    disk_time, op_time = view.disks[0].statuses[0].time, _codes(view)[2]

    emu.clear_requests()
    poller = compute.virtual_machines.begin_restart(RG_FLEX, name)
    assert _codes(compute.virtual_machines.instance_view(RG_FLEX, name))[:2] == (
        "ProvisioningState/updating", "PowerState/starting")
    poller.result()
    assert [r["path"].rsplit("/", 1)[1] for r in arm_paths(emu.requests(), "POST")] == ["restart"]
    view = compute.virtual_machines.instance_view(RG_FLEX, name)
    assert _codes(view)[1] == "PowerState/running" and _codes(view)[2] > op_time

    for begin, transition, final in (
        (compute.virtual_machines.begin_power_off, "stopping", "stopped"),
        (compute.virtual_machines.begin_start, "starting", "running"),
        (compute.virtual_machines.begin_deallocate, "deallocating", "deallocated"),
        (compute.virtual_machines.begin_start, "starting", "running"),
    ):
        poller = begin(RG_FLEX, name)
        assert _codes(compute.virtual_machines.instance_view(RG_FLEX, name))[1] == f"PowerState/{transition}"
        poller.result()
        assert _codes(compute.virtual_machines.instance_view(RG_FLEX, name))[1] == f"PowerState/{final}"

    poller = compute.virtual_machines.begin_reimage(RG_FLEX, name)      # ephemeral OS: allowed
    poller.result()
    view = compute.virtual_machines.instance_view(RG_FLEX, name)
    assert view.disks[0].statuses[0].time > disk_time
    assert view.computer_name == compute.virtual_machines.get(RG_FLEX, name).os_profile.computer_name


def test_flexible_reimage_without_ephemeral_os_is_refused(clients):
    compute = clients.compute
    name = next(iter(_flex_names(compute, VMSS_FLEX_STANDARD)))
    with pytest.raises(ResourceExistsError) as err:
        compute.virtual_machines.begin_reimage(RG_FLEX, name).result()
    assert err.value.error.code == "OperationNotAllowed"


def test_poller_waits_for_operation_seconds(clients, emu):
    emu.settings(operation_seconds=1.0)
    name = next(n for n, p in _flex_names(clients.compute, VMSS_FLEX_EPHEMERAL).items() if p.endswith("running"))
    started = time.monotonic()
    clients.compute.virtual_machines.begin_restart(RG_FLEX, name).result()
    assert 0.9 <= time.monotonic() - started < 5


def test_busy_instance_started_by_someone_else(clients, emu):
    compute = clients.compute
    instance_id = _uniform_ids(compute)[0]
    emu.start_operation(scale_set=VMSS_UNIFORM, instance_ids=[instance_id], operation="restart", seconds=30)
    assert _codes(_uniform_view(compute, instance_id))[0] == "ProvisioningState/updating"
    with pytest.raises(ResourceExistsError) as err:
        compute.virtual_machine_scale_set_vms.begin_restart(RG_UNIFORM, VMSS_UNIFORM, instance_id)
    assert err.value.error.code == "OperationNotAllowed"


def test_a_deferred_operation_starts_on_the_first_matching_request(clients, emu):
    compute = clients.compute
    instance_id = _uniform_ids(compute)[0]
    answer = emu.start_operation(scale_set=VMSS_UNIFORM, instance_ids=[instance_id], operation="restart",
                                 seconds=30, on_request=rf"/virtualMachines/{instance_id}/instanceView$")
    assert answer["pending"] is True
    assert answer["vms"][0]["busy"] is None
    emu.clear_requests()
    # A request that does not match leaves it pending; the first matching one sees the VM busy already.
    list(compute.virtual_machine_scale_sets.list(RG_UNIFORM))
    assert _codes(_uniform_view(compute, instance_id))[0] == "ProvisioningState/updating"
    matched = [e for e in emu.requests() if e.get("started_operations")]
    assert [e["path"].rsplit("/", 1)[-1] for e in matched] == ["instanceView"]
    # It fires once: the next match starts nothing more.
    _uniform_view(compute, instance_id)
    assert len([e for e in emu.requests() if e.get("started_operations")]) == 1


def test_stay_unhealthy_after_next_operation(clients, emu):
    compute = clients.compute
    instance_id = _uniform_ids(compute)[0]
    name = f"{VMSS_UNIFORM}_{instance_id}"
    emu.faults(stay_unhealthy=[name])
    compute.virtual_machine_scale_set_vms.begin_restart(RG_UNIFORM, VMSS_UNIFORM, instance_id).result()
    assert _uniform_view(compute, instance_id).vm_health.status.code == "HealthState/unhealthy"
    compute.virtual_machine_scale_set_vms.begin_restart(RG_UNIFORM, VMSS_UNIFORM, instance_id).result()
    assert _uniform_view(compute, instance_id).vm_health.status.code == "HealthState/healthy"


def test_autoscale_churn_and_state_changes(clients, emu):
    compute = clients.compute
    before = {vm.instance_id for vm in compute.virtual_machine_scale_set_vms.list(RG_UNIFORM, VMSS_UNIFORM)}
    added = emu.add_instances(VMSS_UNIFORM, count=2, resource_group=RG_UNIFORM)
    assert all(int(a["instance_id"]) > max(int(i) for i in before) for a in added)
    victim = sorted(before, key=int)[0]
    emu.remove_instance(VMSS_UNIFORM, victim, resource_group=RG_UNIFORM)
    after = {vm.instance_id for vm in compute.virtual_machine_scale_set_vms.list(RG_UNIFORM, VMSS_UNIFORM)}
    assert after == (before - {victim}) | {a["instance_id"] for a in added}
    assert compute.virtual_machine_scale_sets.get(RG_UNIFORM, VMSS_UNIFORM).sku.capacity == 6

    flex_added = emu.add_instances(VMSS_FLEX_EPHEMERAL, resource_group=RG_FLEX)[0]
    assert flex_added["name"] in _flex_names(compute, VMSS_FLEX_EPHEMERAL)
    emu.set_vm(flex_added["name"], power_state="stopped", health="unhealthy")
    view = compute.virtual_machines.instance_view(RG_FLEX, flex_added["name"])
    assert _codes(view)[1] == "PowerState/stopped" and view.vm_health.status.code == "HealthState/unhealthy"
    emu.reset()
    assert flex_added["name"] not in _flex_names(compute, VMSS_FLEX_EPHEMERAL)
