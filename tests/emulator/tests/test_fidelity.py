"""Acceptance 6: the emulator speaks ARM as the official examples and the installed SDK models describe it.

- Each official example in ../shared/azure-examples/ is its own test: the same request is sent to the emulator
  (mapped onto an estate resource), and the response must carry the example's keys at every level, except keys
  of features the estate does not use (listed with their reasons in _fidelity_exemptions.py). Both bodies must
  deserialize with the installed azure-mgmt-compute models, every value into its declared type.
- Every response body a broad sweep of SDK calls receives (reads, pages, actions and their polling, errors,
  throttling, expired tokens) must hold no key its SDK model does not know.
- The checkers themselves are tested on known-bad bodies first, so a checker that finds nothing proves something.
"""

import time

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import models as compute

from arm_emulator.testing import ARM_SCOPE, EmulatorProcess, sdk_clients

from _fidelity_estate import SAMPLE_ESTATE, load_estate, pick_vm, scale_set_with, unreadable_subscription
from _fidelity_examples import EXAMPLES_DIR, Example, NotEmulated, Targets, example_files, example_id, replay_for
from _fidelity_exemptions import exemption_for, unexplained
from _fidelity_routes import ResponseRecorder, body_problems, shape_for
from _fidelity_schema import missing_keys, model, page_of, type_problems, unknown_keys

ESTATE = load_estate()
EPHEMERAL_RG, EPHEMERAL_SET = scale_set_with(ESTATE, mode="Flexible", ephemeral_os=True)
UNIFORM_RG, UNIFORM_SET = scale_set_with(ESTATE, mode="Uniform")
PAGE_SIZE = 2  # small, so that every list example's nextLink has a counterpart


@pytest.fixture(scope="module")
def emulator():
    with EmulatorProcess(SAMPLE_ESTATE, extra_args=["--operation-seconds", "0.2",
                                                    "--page-size", str(PAGE_SIZE)]) as emu:
        yield emu


@pytest.fixture(autouse=True)
def fresh_estate(emulator):
    emulator.reset()


@pytest.fixture(scope="module")
def bearer(emulator):
    return sdk_clients(emulator.ready).credential.get_token(ARM_SCOPE).token


# ---- the checkers, on bodies whose faults are known --------------------------------------------------------

VM_SHAPE = model(compute.VirtualMachineScaleSetVM)


def test_unknown_key_checker_flags_every_key_the_model_does_not_know():
    body = {
        "name": "web_4", "bogus": 1, "tags": {"any-tag-name": "is data, not schema"},
        "properties": {
            "vmId": "x", "madeUp": {"deeper": True},
            "instanceView": {"statuses": [{"code": "PowerState/running"}, {"code": "x", "extra": "no"}]},
            "storageProfile": {"dataDisks": [{"lun": 0, "notADiskKey": 1}]},
        },
    }
    assert sorted(unknown_keys(body, VM_SHAPE)) == [
        "bogus", "properties.instanceView.statuses[].extra", "properties.madeUp",
        "properties.storageProfile.dataDisks[].notADiskKey"]


def test_unknown_key_checker_accepts_a_body_the_sdk_itself_serialized():
    status = compute.InstanceViewStatus(code="PowerState/running", level="Info", display_status="VM running")
    made = compute.VirtualMachineScaleSetVM(
        location="eastus", tags={"app": "web"},
        properties=compute.VirtualMachineScaleSetVMProperties(
            instance_view=compute.VirtualMachineScaleSetVMInstanceView(statuses=[status], platform_fault_domain=1)))
    body = made.as_dict()
    assert body["properties"]["instanceView"]["platformFaultDomain"] == 1  # camelCase wire names, as ARM sends
    assert unknown_keys(body, VM_SHAPE) == []
    assert unknown_keys({"value": [body], "nextLink": "https://x"}, page_of(VM_SHAPE)) == []
    assert unknown_keys({"value": [body], "count": 1}, page_of(VM_SHAPE)) == ["count"]


def test_type_checker_flags_values_that_do_not_become_their_declared_type():
    # The SDK keeps such values as they came (a date stays a string), so only the checker notices.
    body = {"properties": {"instanceView": {
        "platformFaultDomain": "two",
        "statuses": [{"code": "ProvisioningState/succeeded", "time": "yesterday"},
                     {"code": "PowerState/running", "time": "2026-11-22T03:00:00.0000000+00:00"}],
        "vmHealth": {"status": {"code": "HealthState/healthy"}},
    }}}
    assert [problem.split(":", maxsplit=1)[0] for problem in type_problems(body, VM_SHAPE)] == [
        "properties.instanceView.platformFaultDomain", "properties.instanceView.statuses[].time"]


def test_type_checker_flags_structures_the_sdk_refuses():
    body = {"properties": {"instanceView": {"disks": {"name": "an object where a list belongs"}}}}
    problems = type_problems(body, VM_SHAPE)
    assert "properties.instanceView.disks: expected a list, got dict" in problems
    assert any("refuses to deserialize" in problem for problem in problems)


def test_missing_key_comparison_uses_the_union_of_list_items():
    def with_statuses(*statuses):
        return {"properties": {"instanceView": {"statuses": list(statuses)}}}

    reference = with_statuses({"code": "a", "time": "t"}, {"code": "b", "level": "Info"})
    spread = with_statuses({"code": "a", "level": "Info"}, {"code": "b", "time": "t"})
    lacking = with_statuses({"code": "a"}, {"code": "b", "time": "t"})
    empty = with_statuses()
    assert missing_keys(reference, spread, VM_SHAPE) == []
    assert missing_keys(reference, lacking, VM_SHAPE) == ["properties.instanceView.statuses[].level"]
    assert missing_keys(reference, empty, VM_SHAPE) == ["properties.instanceView.statuses[] (no items to compare)"]


def test_missing_key_comparison_ignores_keys_unknown_to_the_model_and_free_form_map_keys():
    reference = {"renamedLongAgo": 1, "tags": {"owner": "a"}, "properties": {"vmId": "x"}}
    candidate = {"tags": {"team": "b"}, "properties": {"vmId": "y"}}
    assert missing_keys(reference, candidate, VM_SHAPE) == []


def test_exemptions_cover_unconfigured_features_only():
    assert exemption_for("value[].properties.hostGroup")
    assert exemption_for("properties.instanceView.statuses[].message")
    assert exemption_for("value[].properties.networkProfile.networkApiVersion", "VirtualMachineScaleSetVMs_List")
    assert exemption_for("value[].properties.networkProfile.networkApiVersion", "VirtualMachines_List") is None
    for core_key in ("properties.instanceView.statuses[].code", "properties.osProfile.computerName",
                     "value[].properties.storageProfile.osDisk.managedDisk.id", "instanceId", "zones"):
        assert exemption_for(core_key, "VirtualMachineScaleSetVMs_Get") is None, core_key


def test_route_table_knows_arm_routes_and_reports_unknown_ones():
    base = "https://emu/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web"
    assert shape_for("GET", base + "/virtualMachines/4/instanceView", 200) == model(
        compute.VirtualMachineScaleSetVMInstanceView)
    assert shape_for("GET", base, 404) == model(compute.CloudError)
    assert body_problems("GET", base + "/somethingNew", 200, "{}") == [
        f"GET {base[len('https://emu'):]}/somethingNew -> 200: no SDK model is known for this route"]
    assert body_problems("GET", "https://emu/tenant/v2.0/.well-known/openid-configuration", 200, '{"x": 1}') == []


# ---- the official examples ---------------------------------------------------------------------------------

def example_params():
    files = example_files()
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{EXAMPLES_DIR} is absent"), id="no-examples")]
    return [pytest.param(path, id=example_id(path)) for path in files]


@pytest.fixture
def targets(emulator):
    uniform = pick_vm(emulator, mode="Uniform", power_state="running", scale_set=UNIFORM_SET)
    flexible = pick_vm(emulator, mode="Flexible", power_state="running", scale_set=EPHEMERAL_SET)
    subscription = emulator.ready["subscription_id"]
    set_id = (f"/subscriptions/{subscription}/resourceGroups/{EPHEMERAL_RG}/providers/Microsoft.Compute/"
              f"virtualMachineScaleSets/{EPHEMERAL_SET}")
    return Targets(subscription, UNIFORM_RG, UNIFORM_SET, uniform["instance_id"], EPHEMERAL_RG, EPHEMERAL_SET,
                   set_id, flexible["name"])


def send(emulator, bearer, replay):
    return requests.request(replay.method, emulator.endpoint + replay.path, params=replay.query, json=replay.body,
                            headers={"Authorization": f"Bearer {bearer}"}, verify=emulator.ca_bundle, timeout=10)


def final_operation_status(emulator, bearer, url):
    """Poll an Azure-AsyncOperation URL until the operation leaves InProgress (bounded by attempts, not time)."""
    for _unused in range(200):
        status = requests.get(url, headers={"Authorization": f"Bearer {bearer}"}, verify=emulator.ca_bundle,
                              timeout=10).json()["status"]
        if status != "InProgress":
            return status
        time.sleep(0.05)
    raise AssertionError(f"the operation at {url} never finished")


@pytest.mark.parametrize("example_path", example_params())
def test_official_example(emulator, bearer, targets, example_path):
    example = Example.load(example_path)
    try:
        replay = replay_for(example, targets)
    except NotEmulated as reason:
        pytest.skip(str(reason))

    answer = send(emulator, bearer, replay)

    if replay.shape is not None:
        check_resource_example(example, replay, answer)
    else:
        check_action_example(emulator, bearer, example, replay, answer)


def check_resource_example(example, replay, answer):
    assert answer.status_code == 200, answer.text
    documented, served = example.response("200")["body"], answer.json()
    assert type_problems(documented, replay.shape) == [], "the example must deserialize with the installed SDK"
    assert type_problems(served, replay.shape) == []
    assert unknown_keys(served, replay.shape) == []
    assert unexplained(missing_keys(documented, served, replay.shape), example.operation) == []


def check_action_example(emulator, bearer, example, replay, answer):
    if replay.body is not None:
        assert unknown_keys(replay.body, replay.body_shape) == []
        assert type_problems(replay.body, replay.body_shape) == []
    assert str(answer.status_code) in example.data["responses"], answer.text
    documented_headers = example.response(str(answer.status_code)).get("headers", {})
    assert {name.lower() for name in documented_headers} <= {name.lower() for name in answer.headers}
    assert answer.content == b"", "an accepted action has no body"
    if answer.status_code == 202:
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.headers["Location"].startswith(emulator.endpoint)
        assert final_operation_status(emulator, bearer, answer.headers["Azure-AsyncOperation"]) == "Succeeded"


# ---- every response of a broad sweep: no key the SDK does not know -------------------------------------------

def shape_name(shape):
    if shape.kind == "page":
        return f"page of {shape.target.target.__name__}"
    if shape.kind == "model":
        return shape.target.__name__
    return shape.kind


def read_everything(clients):
    compute_client, network = clients.compute, clients.network
    list(clients.subscriptions.subscriptions.list())
    for scale_set in compute_client.virtual_machine_scale_sets.list_all():
        group = scale_set.id.split("/")[4]
        compute_client.virtual_machine_scale_sets.get(group, scale_set.name)
        if scale_set.orchestration_mode == "Uniform":
            compute_client.virtual_machine_scale_sets.get_instance_view(group, scale_set.name)
            scale_set_vms = compute_client.virtual_machine_scale_set_vms
            members = list(scale_set_vms.list(group, scale_set.name, expand="instanceView"))
            list(scale_set_vms.list(group, scale_set.name))
            scale_set_vms.get(group, scale_set.name, members[0].instance_id, expand="instanceView")
            scale_set_vms.get_instance_view(group, scale_set.name, members[0].instance_id)
            list(network.network_interfaces.list_virtual_machine_scale_set_network_interfaces(group, scale_set.name))
            list(network.public_ip_addresses.list_virtual_machine_scale_set_public_ip_addresses(group, scale_set.name))
        else:
            members = list(compute_client.virtual_machines.list(
                group, filter=f"'virtualMachineScaleSet/id' eq '{scale_set.id}'", expand="instanceView"))
            compute_client.virtual_machines.get(group, members[0].name, expand="instanceView")
            compute_client.virtual_machines.instance_view(group, members[0].name)
            list(network.network_interfaces.list(group))
            list(network.public_ip_addresses.list(group))
    list(compute_client.virtual_machines.list_all())
    list(compute_client.virtual_machines.list_all(status_only="true"))


def act_and_fail(emulator, clients):
    """Actions with their polling, a failed operation, and the error answers ARM gives."""
    vm = pick_vm(emulator, mode="Flexible", power_state="running")
    clients.compute.virtual_machines.begin_restart(vm["resource_group"], vm["name"]).result()
    emulator.faults(fail_operations={vm["name"]: "InternalExecutionError"})
    with pytest.raises(HttpResponseError):
        clients.compute.virtual_machines.begin_restart(vm["resource_group"], vm["name"]).result()
    uniform = pick_vm(emulator, mode="Uniform", power_state="running")
    clients.compute.virtual_machine_scale_sets.begin_restart(
        uniform["resource_group"], uniform["scale_set"],
        vm_instance_i_ds=compute.VirtualMachineScaleSetVMInstanceIDs(instance_ids=[uniform["instance_id"]])).result()
    failing_calls = [
        lambda: clients.compute.virtual_machine_scale_sets.get(UNIFORM_RG, "no-such-set"),
        lambda: clients.compute.virtual_machine_scale_sets.get_instance_view(EPHEMERAL_RG, EPHEMERAL_SET),
        lambda: clients.compute.virtual_machine_scale_sets.begin_restart(
            UNIFORM_RG, UNIFORM_SET, vm_instance_i_ds=compute.VirtualMachineScaleSetVMInstanceIDs(instance_ids=["x"])),
        lambda: clients.network.network_interfaces.get(UNIFORM_RG, "no-such-nic"),
    ]
    for call in failing_calls:
        with pytest.raises(HttpResponseError):
            call()


def throttle_and_expire(emulator, clients):
    emulator.settings(throttle=True, throttle_buckets={"GetVMScaleSet3Min": [1, 1]})
    for _unused in range(2):  # the second is throttled once, then retried after Retry-After
        clients.compute.virtual_machine_scale_sets.get(UNIFORM_RG, UNIFORM_SET)
    emulator.settings(throttle=False)
    emulator.expire_tokens()
    clients.compute.virtual_machine_scale_sets.get(UNIFORM_RG, UNIFORM_SET)


def test_every_response_of_a_broad_sweep_has_only_known_keys(emulator):
    recorder = ResponseRecorder()
    clients = sdk_clients(emulator.ready, polling_interval=0.1, raw_response_hook=recorder)
    outsider = sdk_clients(emulator.ready, polling_interval=0.1, raw_response_hook=recorder,
                           subscription_id=unreadable_subscription(ESTATE, emulator.ready["client_id"]))

    read_everything(clients)
    act_and_fail(emulator, clients)
    throttle_and_expire(emulator, clients)
    with pytest.raises(HttpResponseError):
        list(outsider.compute.virtual_machine_scale_sets.list_all())

    assert recorder.problems() == []
    seen = {shape_name(shape_for(r.method, r.url, r.status)) for r in recorder.responses}
    statuses = {r.status for r in recorder.responses}
    assert {"page of Subscription", "page of VirtualMachineScaleSet", "VirtualMachineScaleSet",
            "VirtualMachineScaleSetInstanceView", "page of VirtualMachineScaleSetVM", "VirtualMachineScaleSetVM",
            "VirtualMachineScaleSetVMInstanceView", "page of VirtualMachine", "VirtualMachine",
            "VirtualMachineInstanceView", "page of NetworkInterface", "page of PublicIPAddress", "fields",
            "empty", "CloudError"} <= seen
    assert {200, 202, 400, 401, 403, 404, 409, 429} <= statuses
    paged = [r for r in recorder.responses if "$skiptoken" in r.url.lower()]
    assert paged, f"with page size {PAGE_SIZE} the sweep must have followed nextLinks"
