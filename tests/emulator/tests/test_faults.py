"""Acceptance 5: injected faults, and the stock SDK riding them out (or reporting them) as it would on Azure.

Random faults are seeded, so a run is repeatable. The clients keep azure-core's retry counts but use a short
backoff (the default 0.8 s doubling would make the test slow without proving more).
"""

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute.models import VirtualMachineScaleSetVMInstanceIDs

from arm_emulator.testing import EmulatorProcess, sdk_clients

from _fidelity_estate import SAMPLE_ESTATE, load_estate, pick_vm, requests_to, scale_set_with

RG, SCALE_SET = scale_set_with(load_estate(), mode="Uniform")
FAULT_SEED = 7
GET_ROUNDS = 8


@pytest.fixture(scope="module")
def emulator():
    with EmulatorProcess(SAMPLE_ESTATE, extra_args=["--operation-seconds", "0.3"]) as emu:
        yield emu


@pytest.fixture(autouse=True)
def no_faults_left_over(emulator):
    emulator.reset()


@pytest.fixture(scope="module")
def clients(emulator):
    return sdk_clients(emulator.ready, polling_interval=0.1, retry_backoff_factor=0.02, retry_status=5)


def read_everything_a_few_times(clients):
    """Single GETs and a paged listing, repeated; returns what the caller saw."""
    seen = []
    for _unused in range(GET_ROUNDS):
        seen.append(clients.compute.virtual_machine_scale_sets.get(RG, SCALE_SET).name)
        seen.append(len(list(clients.compute.virtual_machine_scale_set_vms.list(RG, SCALE_SET))))
    return seen


def expected_reads(emulator):
    return [SCALE_SET, len(emulator.vms(scale_set=SCALE_SET))] * GET_ROUNDS


def test_gets_succeed_through_injected_5xx(emulator, clients):
    emulator.faults(error_rate=0.3, error_status=503, seed=FAULT_SEED)
    emulator.clear_requests()

    assert read_everything_a_few_times(clients) == expected_reads(emulator)

    log = requests_to(emulator, f"/virtualMachineScaleSets/{SCALE_SET}") + \
        requests_to(emulator, f"/virtualMachineScaleSets/{SCALE_SET}/virtualMachines")
    injected = [entry for entry in log if entry["fault"] == "error"]
    assert injected, "the fault rate must have hit some requests"
    assert {entry["status"] for entry in injected} == {503}
    assert sum(entry["status"] == 200 for entry in log) == 2 * GET_ROUNDS


def test_gets_succeed_through_connection_resets(emulator, clients):
    emulator.faults(reset_rate=0.3, seed=FAULT_SEED)
    emulator.clear_requests()

    assert read_everything_a_few_times(clients) == expected_reads(emulator)

    resets = [entry for entry in emulator.requests() if entry["fault"] == "reset"]
    assert resets, "the reset rate must have hit some requests"
    assert all(entry["status"] is None for entry in resets), "a reset connection carries no response"


def test_failed_operation_of_a_flexible_vm_surfaces_its_error_code(emulator, clients):
    vm = pick_vm(emulator, mode="Flexible", power_state="running")
    emulator.faults(fail_operations={vm["name"]: "VMRestartTimedOut"})

    poller = clients.compute.virtual_machines.begin_restart(vm["resource_group"], vm["name"])
    with pytest.raises(HttpResponseError) as caught:
        poller.result()

    assert caught.value.error.code == "VMRestartTimedOut"
    assert poller.status() == "Failed"


def test_failed_member_of_a_uniform_batch_fails_the_batch_with_its_code(emulator, clients):
    failing = pick_vm(emulator, mode="Uniform", power_state="running", scale_set=SCALE_SET)
    healthy = pick_vm(emulator, mode="Uniform", power_state="running", scale_set=SCALE_SET,
                      exclude=(failing["name"],))
    emulator.faults(fail_operations={failing["name"]: "InternalExecutionError"})

    poller = clients.compute.virtual_machine_scale_sets.begin_restart(
        RG, SCALE_SET, vm_instance_i_ds=VirtualMachineScaleSetVMInstanceIDs(
            instance_ids=[healthy["instance_id"], failing["instance_id"]]))
    with pytest.raises(HttpResponseError) as caught:
        poller.result()

    assert caught.value.error.code == "InternalExecutionError"


def test_operation_without_an_injected_failure_succeeds(emulator, clients):
    # The control for the two tests above: the same call, no fault set, completes.
    vm = pick_vm(emulator, mode="Flexible", power_state="running")
    clients.compute.virtual_machines.begin_restart(vm["resource_group"], vm["name"]).result()
    assert emulator.vm(vm["name"])["provisioning_state"] == "Succeeded"
