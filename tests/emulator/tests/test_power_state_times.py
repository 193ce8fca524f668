"""The opt-in power-state times: off by default (as in Azure's examples); on, they show the last boot."""

import time

from conftest import RG_UNIFORM, VMSS_UNIFORM


def _uniform_ids(compute):
    return [vm.instance_id for vm in compute.virtual_machine_scale_set_vms.list(RG_UNIFORM, VMSS_UNIFORM)]


def _power_status(compute, instance_id):
    view = compute.virtual_machine_scale_set_vms.get_instance_view(RG_UNIFORM, VMSS_UNIFORM, instance_id)
    return next(s for s in view.statuses if s.code.startswith("PowerState/"))


def test_power_state_has_no_time_unless_asked(clients, emu):
    compute = clients.compute
    instance_id = _uniform_ids(compute)[0]
    assert _power_status(compute, instance_id).time is None
    emu.faults(power_state_times=True)
    assert _power_status(compute, instance_id).time is not None


def test_a_restart_moves_the_power_state_time_an_operation_that_keeps_it_running_does_not(clients, emu):
    compute = clients.compute
    emu.faults(power_state_times=True)
    instance_id = _uniform_ids(compute)[0]
    booted = _power_status(compute, instance_id).time
    name = f"{VMSS_UNIFORM}_{instance_id}"
    # A start of a running VM stands for an update that never stops it (an extension, a model update).
    emu.start_operation(name, "start", seconds=0.1)
    time.sleep(0.3)
    assert _power_status(compute, instance_id).time == booted
    compute.virtual_machine_scale_set_vms.begin_restart(RG_UNIFORM, VMSS_UNIFORM, instance_id).result()
    assert _power_status(compute, instance_id).time > booted
