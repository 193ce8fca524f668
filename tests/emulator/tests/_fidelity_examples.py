"""The official Azure REST examples, and how to replay each one against the emulator's estate.

An example file holds the request parameters (path parameters, query parameters, the body) and the responses
Azure documents. `replay_for(example, targets)` builds the same request with its path parameters mapped onto
an estate resource that suits the operation (a Uniform scale set and one of its running instances, a running
Flexible VM with an ephemeral OS disk) and its query and body parameters kept. Only placeholder values that
the API would refuse ("aaaa" as a `$filter`) are replaced by valid ones; each such case is said below.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from azure.mgmt.compute import models as compute

from _fidelity_schema import Shape, model, page_of

REPOSITORY = Path(__file__).resolve().parents[3]
EXAMPLES_DIR = REPOSITORY.parent / "shared" / "azure-examples"


def example_files() -> list[Path]:
    return sorted(EXAMPLES_DIR.glob("*/*.json")) if EXAMPLES_DIR.is_dir() else []


@dataclass
class Example:
    path: Path
    data: dict

    @classmethod
    def load(cls, path: Path) -> "Example":
        return cls(path, json.loads(path.read_text()))

    @property
    def operation(self) -> str:
        """The operationId, or (for the few files without one) the same name built from the file name:
        `VirtualMachineScaleSet_Deallocate_MaximumSet_Gen` -> `VirtualMachineScaleSets_Deallocate`."""
        if self.data.get("operationId"):
            return self.data["operationId"]
        parts = self.path.stem.split("_")
        return f"{parts[0]}s_{parts[1]}" if len(parts) > 1 else self.path.stem

    @property
    def parameters(self) -> dict:
        return self.data.get("parameters", {})

    @property
    def api_version(self) -> str:
        return self.parameters["api-version"]

    def response(self, status: str) -> dict:
        return self.data["responses"][status]


@dataclass
class Targets:
    """Estate resources the examples are mapped onto (names from the control API's VM listing)."""
    subscription: str
    uniform_group: str
    uniform_set: str
    uniform_instance: str            # a running instance of the Uniform set
    flexible_group: str
    flexible_set: str                # a Flexible set with ephemeral OS disks
    flexible_set_id: str
    flexible_vm: str                 # a running member of that set


@dataclass
class Replay:
    method: str
    path: str
    query: dict = field(default_factory=dict)
    body: dict | None = None
    shape: Shape | None = None       # the response body's model; None for actions (no body)
    body_shape: Shape | None = None  # the request body's model, for actions that send one
    note: str = ""                   # what had to be adapted from the example


class NotEmulated(Exception):
    """The example's operation is not one the emulator serves."""


SCALE_SET_ACTIONS = {"Restart": "restart", "Start": "start", "PowerOff": "poweroff", "Deallocate": "deallocate",
                     "Reimage": "reimage", "ReimageAll": "reimageall"}
VM_ACTIONS = {"Restart": "restart", "Start": "start", "PowerOff": "poweroff", "Deallocate": "deallocate",
              "Reimage": "reimage"}
# Query parameters of the actions, passed on as the example gives them.
ACTION_QUERY = ("skipShutdown", "hibernate")
# The model of each request-body parameter the action examples use.
BODY_MODELS = {
    "vmInstanceIDs": model(compute.VirtualMachineScaleSetVMInstanceIDs),
    "vmScaleSetReimageInput": model(compute.VirtualMachineScaleSetReimageParameters),
    "vmScaleSetVMReimageInput": model(compute.VirtualMachineScaleSetVMReimageParameters),
    "parameters": model(compute.VirtualMachineReimageParameters),
}


def replay_for(example: Example, t: Targets) -> Replay:
    resource, _sep, action = example.operation.partition("_")
    builder = {
        "VirtualMachineScaleSets": _scale_set,
        "VirtualMachineScaleSetVMs": _scale_set_vm,
        "VirtualMachines": _virtual_machine,
    }.get(resource)
    if builder is None:
        raise NotEmulated(f"{example.path.parent.name}/{example.path.name}: not an operation the emulator serves")
    replay = builder(action, example, t)
    replay.query = {"api-version": example.api_version, **replay.query}
    return replay


def _uniform_set_path(t: Targets) -> str:
    return (f"/subscriptions/{t.subscription}/resourceGroups/{t.uniform_group}/providers/Microsoft.Compute/"
            f"virtualMachineScaleSets/{t.uniform_set}")


def _flexible_set_path(t: Targets) -> str:
    return (f"/subscriptions/{t.subscription}/resourceGroups/{t.flexible_group}/providers/Microsoft.Compute/"
            f"virtualMachineScaleSets/{t.flexible_set}")


def _vm_path(t: Targets) -> str:
    return (f"/subscriptions/{t.subscription}/resourceGroups/{t.flexible_group}/providers/Microsoft.Compute/"
            f"virtualMachines/{t.flexible_vm}")


def _action_query(example: Example) -> dict:
    return {name: str(example.parameters[name]).lower() for name in ACTION_QUERY if name in example.parameters}


def _with_instance_ids(body: dict | None, instance: str) -> dict | None:
    if body is not None and "instanceIds" in body:
        return {**body, "instanceIds": [instance]}
    return body


def _scale_set(action: str, example: Example, t: Targets) -> Replay:
    if action == "Get":
        return Replay("GET", _uniform_set_path(t), shape=model(compute.VirtualMachineScaleSet))
    if action == "CreateOrUpdate":
        # PUT is not emulated, but its 200 body is the scale set as GET returns it; these examples were chosen
        # as the Flexible scale-set representations, so they are compared with a GET of a Flexible set.
        return Replay("GET", _flexible_set_path(t), shape=model(compute.VirtualMachineScaleSet),
                      note="PUT not emulated: the response is compared with GET of a Flexible scale set")
    if action == "GetInstanceView":
        return Replay("GET", _uniform_set_path(t) + "/instanceView",
                      shape=model(compute.VirtualMachineScaleSetInstanceView))
    if action in SCALE_SET_ACTIONS:
        body_name = "vmScaleSetReimageInput" if action.startswith("Reimage") else "vmInstanceIDs"
        body = _with_instance_ids(example.parameters.get(body_name), t.uniform_instance)
        return Replay("POST", f"{_uniform_set_path(t)}/{SCALE_SET_ACTIONS[action]}", _action_query(example), body,
                      body_shape=BODY_MODELS[body_name])
    raise NotEmulated(f"{example.operation} is not emulated")


def _scale_set_vm(action: str, example: Example, t: Targets) -> Replay:
    instance_path = f"{_uniform_set_path(t)}/virtualMachines/{t.uniform_instance}"
    if action == "Get":
        query = {"$expand": example.parameters["expand"]} if "expand" in example.parameters else {}
        return Replay("GET", instance_path, query, shape=model(compute.VirtualMachineScaleSetVM))
    if action == "GetInstanceView":
        return Replay("GET", instance_path + "/instanceView",
                      shape=model(compute.VirtualMachineScaleSetVMInstanceView))
    if action == "List":
        return Replay("GET", _uniform_set_path(t) + "/virtualMachines", {"$expand": "instanceView"},
                      shape=page_of(model(compute.VirtualMachineScaleSetVM)),
                      note="placeholder $filter/$select dropped, $expand=instanceView (the example's VMs carry it)")
    if action in VM_ACTIONS:
        body = example.parameters.get("vmScaleSetVMReimageInput")
        return Replay("POST", f"{instance_path}/{VM_ACTIONS[action]}", _action_query(example), body,
                      body_shape=BODY_MODELS["vmScaleSetVMReimageInput"])
    raise NotEmulated(f"{example.operation} is not emulated")


def _virtual_machine(action: str, example: Example, t: Targets) -> Replay:
    vms = page_of(model(compute.VirtualMachine))
    if action == "InstanceView":
        return Replay("GET", _vm_path(t) + "/instanceView", shape=model(compute.VirtualMachineInstanceView))
    if action == "List":
        return Replay("GET", f"/subscriptions/{t.subscription}/resourceGroups/{t.flexible_group}/providers/"
                             "Microsoft.Compute/virtualMachines",
                      {"$filter": f"'virtualMachineScaleSet/id' eq '{t.flexible_set_id}'", "$expand": "instanceView"},
                      shape=vms, note="placeholder $filter replaced by the scale-set filter, with $expand=instanceView "
                                      "(the example's VMs carry virtualMachineScaleSet.id and instanceView)")
    if action == "ListAll":
        return Replay("GET", f"/subscriptions/{t.subscription}/providers/Microsoft.Compute/virtualMachines",
                      shape=vms, note="placeholder statusOnly/$filter dropped (the example's VMs carry no "
                                      "instanceView)")
    if action in VM_ACTIONS:
        return Replay("POST", f"{_vm_path(t)}/{VM_ACTIONS[action]}", _action_query(example),
                      example.parameters.get("parameters"), body_shape=BODY_MODELS["parameters"])
    raise NotEmulated(f"{example.operation} is not emulated")


def example_id(path: Path) -> str:
    """A readable pytest id: the file name without its extension."""
    return re.sub(r"\.json$", "", path.name)
