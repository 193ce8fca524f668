"""Acceptance 3: the emulator fails the way Azure fails, as seen through the stock SDK over HTTPS."""

import pytest
import requests
from azure.core.exceptions import (ClientAuthenticationError, HttpResponseError, ResourceExistsError,
                                   ResourceNotFoundError)
from azure.mgmt.compute.models import VirtualMachineScaleSetVMInstanceIDs

from arm_emulator.testing import ARM_SCOPE, EmulatorProcess, sdk_clients

from _fidelity_estate import (SAMPLE_ESTATE, load_estate, pick_vm, requests_to, scale_set_with,
                              unreadable_subscription)

ESTATE = load_estate()
UNIFORM_RG, UNIFORM_SET = scale_set_with(ESTATE, mode="Uniform")
EPHEMERAL_RG, EPHEMERAL_SET = scale_set_with(ESTATE, mode="Flexible", ephemeral_os=True)
PERSISTENT_RG, PERSISTENT_SET = scale_set_with(ESTATE, mode="Flexible", ephemeral_os=False)


@pytest.fixture(scope="module")
def emulator():
    # Short operations: a test that starts one waits for it, so no poller is left polling into the next test.
    with EmulatorProcess(SAMPLE_ESTATE, extra_args=["--operation-seconds", "0.3"]) as emu:
        yield emu


@pytest.fixture(autouse=True)
def fresh_estate(emulator):
    emulator.reset()


@pytest.fixture(scope="module")
def clients(emulator):
    return sdk_clients(emulator.ready, polling_interval=0.1)


def instance_ids(*ids):
    return VirtualMachineScaleSetVMInstanceIDs(instance_ids=list(ids))


def test_unknown_scale_set_is_404_resource_not_found(clients):
    with pytest.raises(ResourceNotFoundError) as caught:
        clients.compute.virtual_machine_scale_sets.get(UNIFORM_RG, "vmss-does-not-exist")
    assert caught.value.status_code == 404
    assert caught.value.error.code == "ResourceNotFound"
    assert "vmss-does-not-exist" in caught.value.error.message


def test_inactive_instance_id_rejects_the_whole_batch_with_400(emulator, clients):
    good = pick_vm(emulator, mode="Uniform", power_state="running", scale_set=UNIFORM_SET)
    known = {int(vm["instance_id"]) for vm in emulator.vms(scale_set=UNIFORM_SET)}
    missing = str(max(known) + 1000)

    with pytest.raises(HttpResponseError) as caught:
        clients.compute.virtual_machine_scale_sets.begin_restart(
            UNIFORM_RG, UNIFORM_SET, vm_instance_i_ds=instance_ids(good["instance_id"], missing))

    error = caught.value.error
    assert caught.value.status_code == 400
    assert (error.code, error.target) == ("InvalidParameter", "instanceIds")
    assert error.message == (f"The provided instanceId {missing} is not an active Virtual Machine Scale Set "
                             "VM instanceId.")
    assert emulator.vm(good["name"])["busy"] is None, "a rejected batch must not start on its valid members"


def test_non_numeric_instance_id_is_400_must_be_a_number(clients):
    with pytest.raises(HttpResponseError) as caught:
        clients.compute.virtual_machine_scale_sets.begin_power_off(
            UNIFORM_RG, UNIFORM_SET, vm_instance_i_ds=instance_ids("web-one"))
    assert caught.value.status_code == 400
    assert caught.value.error.code == "InvalidParameter"
    assert caught.value.error.message == "Virtual Machine Scale Set VM instanceId must be a number"


def test_flexible_scale_set_instance_view_is_409_operation_not_allowed(clients):
    with pytest.raises(ResourceExistsError) as caught:  # the SDK maps every 409 to ResourceExistsError
        clients.compute.virtual_machine_scale_sets.get_instance_view(EPHEMERAL_RG, EPHEMERAL_SET)
    assert caught.value.status_code == 409
    assert caught.value.error.code == "OperationNotAllowed"
    assert caught.value.error.message.startswith(
        "Operation 'VirtualMachineScaleSets.instanceView.GET' is not allowed on Virtual Machine Scale Set")


def test_reimage_of_a_non_ephemeral_flexible_vm_is_409(emulator, clients):
    persistent = pick_vm(emulator, mode="Flexible", scale_set=PERSISTENT_SET)
    with pytest.raises(ResourceExistsError) as caught:
        clients.compute.virtual_machines.begin_reimage(PERSISTENT_RG, persistent["name"])
    assert caught.value.error.code == "OperationNotAllowed"
    assert emulator.vm(persistent["name"])["busy"] is None


def test_reimage_of_an_ephemeral_flexible_vm_is_accepted(emulator, clients):
    # The counterpart of the test above: the 409 is about the OS disk, not about reimage as such.
    ephemeral = pick_vm(emulator, mode="Flexible", power_state="running", scale_set=EPHEMERAL_SET)
    poller = clients.compute.virtual_machines.begin_reimage(EPHEMERAL_RG, ephemeral["name"])
    assert emulator.vm(ephemeral["name"])["busy"] == "reimage"
    poller.result()
    assert poller.status() == "Succeeded"


def begin_restart_of(clients, vm):
    if vm["mode"] == "Uniform":
        return clients.compute.virtual_machine_scale_set_vms.begin_restart(
            vm["resource_group"], vm["scale_set"], vm["instance_id"])
    return clients.compute.virtual_machines.begin_restart(vm["resource_group"], vm["name"])


def begin_power_off_of(clients, vm):
    if vm["mode"] == "Uniform":  # through the scale-set batch action, the way the collection acts on Uniform sets
        return clients.compute.virtual_machine_scale_sets.begin_power_off(
            vm["resource_group"], vm["scale_set"], vm_instance_i_ds=instance_ids(vm["instance_id"]))
    return clients.compute.virtual_machines.begin_power_off(vm["resource_group"], vm["name"])


@pytest.mark.parametrize("mode", ["Uniform", "Flexible"])
@pytest.mark.parametrize("power_state", ["deallocated", "stopped"])
def test_restart_of_a_vm_that_is_not_running_is_409(emulator, clients, mode, power_state):
    vm = pick_vm(emulator, mode=mode, power_state="running")
    emulator.set_vm(vm["name"], power_state=power_state)

    with pytest.raises(ResourceExistsError) as caught:
        begin_restart_of(clients, vm)

    assert caught.value.error.code == "OperationNotAllowed"
    assert emulator.vm(vm["name"])["power_state"] == power_state


@pytest.mark.parametrize("mode", ["Uniform", "Flexible"])
def test_second_operation_on_a_busy_vm_is_409(emulator, clients, mode):
    vm = pick_vm(emulator, mode=mode, power_state="running")
    # Someone else's restart, long enough to be running when ours arrives (the reset before the next test ends it).
    emulator.start_operation(vm["name"], operation="restart", seconds=60)

    with pytest.raises(ResourceExistsError) as caught:
        begin_power_off_of(clients, vm)

    assert caught.value.error.code == "OperationNotAllowed"
    assert emulator.vm(vm["name"])["busy"] == "restart"


def test_wrong_client_secret_raises_client_authentication_error(emulator):
    wrong = sdk_clients(emulator.ready, client_secret="not-the-secret", polling_interval=0.1)

    with pytest.raises(ClientAuthenticationError) as caught:
        list(wrong.compute.virtual_machine_scale_sets.list_all())

    assert "AADSTS7000215" in str(caught.value)  # Entra ID's "invalid client secret" code
    token_requests = requests_to(emulator, "/oauth2/v2.0/token", method="POST")
    assert [entry["status"] for entry in token_requests] == [401]
    assert requests_to(emulator, "/Microsoft.Compute/virtualMachineScaleSets") == [], \
        "no ARM request may be sent without a token"


def test_token_endpoint_refuses_a_wrong_secret_in_the_entra_id_error_shape(emulator):
    ready = emulator.ready
    answer = requests.post(f"{ready['authority_host']}/{ready['tenant_id']}/oauth2/v2.0/token",
                           data={"grant_type": "client_credentials", "client_id": ready["client_id"],
                                 "client_secret": "not-the-secret", "scope": ARM_SCOPE},
                           verify=emulator.ca_bundle, timeout=10)
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "invalid_client"
    assert 7000215 in body["error_codes"]
    assert "access_token" not in body


def test_expired_token_gets_401_and_the_sdk_fetches_a_new_one(emulator):
    clients = sdk_clients(emulator.ready, polling_interval=0.1)
    list(clients.compute.virtual_machine_scale_sets.list_all())
    stale_token = clients.credential.get_token(ARM_SCOPE).token  # the one the SDK holds (cached)
    emulator.expire_tokens()

    raw = requests.get(f"{emulator.endpoint}/subscriptions/{clients.subscription_id}/providers/"
                       "Microsoft.Compute/virtualMachineScaleSets?api-version=2026-04-01",
                       headers={"Authorization": f"Bearer {stale_token}"}, verify=emulator.ca_bundle, timeout=10)
    assert raw.status_code == 401
    assert raw.headers["WWW-Authenticate"].startswith("Bearer ")
    assert raw.json()["error"]["code"] == "ExpiredAuthenticationToken"

    emulator.clear_requests()
    names = [scale_set.name for scale_set in clients.compute.virtual_machine_scale_sets.list_all()]

    assert UNIFORM_SET in names
    statuses = [entry["status"] for entry in requests_to(emulator, "/Microsoft.Compute/virtualMachineScaleSets")]
    assert statuses == [401, 200], "the SDK must answer the challenge by retrying once with a new token"
    assert [entry["status"] for entry in requests_to(emulator, "/oauth2/v2.0/token", method="POST")] == [200]
    live = [token for token in emulator.tokens()
            if token["client_id"] == emulator.ready["client_id"] and not token["expired"]]
    assert len(live) == 1


def test_subscription_outside_the_principals_scope_is_403_authorization_failed(emulator):
    other = unreadable_subscription(ESTATE, emulator.ready["client_id"])
    outsider = sdk_clients(emulator.ready, subscription_id=other, polling_interval=0.1)
    other_group = next(s for s in ESTATE["subscriptions"] if s["id"] == other)["resource_groups"][0]

    with pytest.raises(HttpResponseError) as listing:
        list(outsider.compute.virtual_machine_scale_sets.list_all())
    with pytest.raises(HttpResponseError) as getting:  # an existing resource: 403, never a 404 that leaks
        outsider.compute.virtual_machine_scale_sets.get(other_group["name"], other_group["scale_sets"][0]["name"])

    for caught in (listing, getting):
        assert caught.value.status_code == 403
        assert caught.value.error.code == "AuthorizationFailed"
    visible = [subscription.subscription_id for subscription in outsider.subscriptions.subscriptions.list()]
    assert other not in visible and emulator.ready["subscription_id"] in visible
