"""Which SDK model describes the body of each response the emulator sends, and a recorder of responses.

`shape_for(method, url, status)` answers with a Shape from `_fidelity_schema`, `NOT_ARM` for the token service,
metadata and control endpoints (not ARM bodies, so not ours to check), or `UNKNOWN_ROUTE` for an ARM path this
table does not know (reported as a problem, so the sweep cannot silently skip a new kind of response).
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass
from urllib.parse import urlsplit

from azure.core.exceptions import ResponseNotReadError
from azure.mgmt.compute import models as compute
from azure.mgmt.network import models as network
from azure.mgmt.resource.subscriptions import models as subscriptions

from _fidelity_schema import ANY, Shape, model, page_of, type_problems, unknown_keys

NOT_ARM = Shape("not-arm")
UNKNOWN_ROUTE = Shape("unknown-route")
EMPTY_BODY = Shape("empty")  # action POSTs answer 202 (or 200) with no body

# The Azure-AsyncOperation status resource has no model class in the SDK: azure-core's poller reads it.
# Its fields are those of the ARM async-operation contract; `error` has Compute's ApiError shape.
ASYNC_OPERATION_STATUS = Shape("fields", {
    "id": ANY, "name": ANY, "status": Shape("scalar", str), "percentComplete": ANY,
    "startTime": Shape("scalar", str), "endTime": Shape("scalar", str), "properties": ANY,
    "error": model(compute.ApiError),
})

_RG = r"/subscriptions/[^/]+/resourcegroups/[^/]+"
_SUB = r"/subscriptions/[^/]+"
_COMPUTE = r"/providers/microsoft\.compute"
_NETWORK = r"/providers/microsoft\.network"
_VMSS = _RG + _COMPUTE + r"/virtualmachinescalesets/[^/]+"
_VMSS_VM = _VMSS + r"/virtualmachines/[^/]+"
_VM = _RG + _COMPUTE + r"/virtualmachines/[^/]+"
_ACTIONS = r"/(restart|reimage|reimageall|start|poweroff|deallocate)"

# (method, path regex) -> shape of a successful body. Paths are matched lower-cased and whole.
_ROUTES: list[tuple[str, str, Shape]] = [
    ("GET", r"/subscriptions", page_of(model(subscriptions.Subscription))),
    ("GET", _SUB, model(subscriptions.Subscription)),
    ("GET", f"({_SUB}|{_RG}){_COMPUTE}/virtualmachinescalesets", page_of(model(compute.VirtualMachineScaleSet))),
    ("GET", _VMSS, model(compute.VirtualMachineScaleSet)),
    ("GET", _VMSS + "/instanceview", model(compute.VirtualMachineScaleSetInstanceView)),
    ("GET", _VMSS + "/virtualmachines", page_of(model(compute.VirtualMachineScaleSetVM))),
    ("GET", _VMSS_VM, model(compute.VirtualMachineScaleSetVM)),
    ("GET", _VMSS_VM + "/instanceview", model(compute.VirtualMachineScaleSetVMInstanceView)),
    ("GET", f"({_SUB}|{_RG}){_COMPUTE}/virtualmachines", page_of(model(compute.VirtualMachine))),
    ("GET", _VM, model(compute.VirtualMachine)),
    ("GET", _VM + "/instanceview", model(compute.VirtualMachineInstanceView)),
    ("POST", _VMSS + _ACTIONS, EMPTY_BODY),
    ("POST", _VMSS_VM + _ACTIONS, EMPTY_BODY),
    ("POST", _VM + _ACTIONS, EMPTY_BODY),
    ("GET", _SUB + _COMPUTE + r"/locations/[^/]+/operations/[^/]+", ASYNC_OPERATION_STATUS),
    ("GET", _VMSS + "/networkinterfaces", page_of(model(network.NetworkInterface))),
    ("GET", _VMSS_VM + "/networkinterfaces", page_of(model(network.NetworkInterface))),
    ("GET", _VMSS + "/publicipaddresses", page_of(model(network.PublicIPAddress))),
    ("GET", _RG + _NETWORK + "/networkinterfaces", page_of(model(network.NetworkInterface))),
    ("GET", _RG + _NETWORK + "/networkinterfaces/[^/]+", model(network.NetworkInterface)),
    ("GET", _RG + _NETWORK + "/publicipaddresses", page_of(model(network.PublicIPAddress))),
    ("GET", _RG + _NETWORK + "/publicipaddresses/[^/]+", model(network.PublicIPAddress)),
]
_COMPILED = [(method, re.compile(pattern + r"/?"), shape) for method, pattern, shape in _ROUTES]


def _is_arm_path(path: str) -> bool:
    return path.lower().startswith("/subscriptions")


def shape_for(method: str, url: str, status: int) -> Shape:
    path = urlsplit(url).path
    if not _is_arm_path(path):
        return NOT_ARM
    if status >= 400:
        error_model = network.CloudError if "/microsoft.network/" in path.lower() else compute.CloudError
        return model(error_model)
    for route_method, pattern, shape in _COMPILED:
        if route_method == method.upper() and pattern.fullmatch(path.lower()):
            return shape
    return UNKNOWN_ROUTE


def body_problems(method: str, url: str, status: int, text: str) -> list[str]:
    """Everything wrong with one response body, measured against the SDK's models."""
    shape = shape_for(method, url, status)
    where = f"{method} {urlsplit(url).path} -> {status}"
    if shape is NOT_ARM or not text.strip():
        return []
    if shape is UNKNOWN_ROUTE:
        return [f"{where}: no SDK model is known for this route"]
    if shape is EMPTY_BODY:
        return [f"{where}: an action should answer with no body"]
    try:
        body = json.loads(text)
    except ValueError:
        return [f"{where}: body is not JSON"]
    return [f"{where}: {problem}" for problem in _problems(body, shape)]


def _problems(body: typing.Any, shape: Shape, path: str = "") -> list[str]:
    if shape.kind == "fields":
        return _problems_in_fields(body, shape.target, path)
    unknown = [f"unknown key {key_path}" for key_path in unknown_keys(body, shape, path)]
    return unknown + type_problems(body, shape, path)


def _problems_in_fields(body: typing.Any, fields: dict[str, Shape], path: str) -> list[str]:
    if not isinstance(body, dict):
        return [f"{path or '<body>'}: expected an object"]
    problems = []
    for key, value in body.items():
        key_path = f"{path}.{key}" if path else key
        expected = fields.get(key)
        if expected is None:
            problems.append(f"unknown key {key_path}")
        elif expected.kind == "model":
            problems.extend(_problems(value, expected, key_path))
        elif expected.kind == "scalar" and not isinstance(value, expected.target):
            problems.append(f"{key_path}: expected {expected.target.__name__}, got {value!r}")
    return problems


@dataclass
class RecordedResponse:
    method: str
    url: str
    status: int
    text: str


class ResponseRecorder:
    """An azure-core `raw_response_hook` that keeps every response a client receives."""

    def __init__(self) -> None:
        self.responses: list[RecordedResponse] = []

    def __call__(self, pipeline_response: typing.Any) -> None:
        request = pipeline_response.http_request
        response = pipeline_response.http_response
        try:
            text = response.text()
        except ResponseNotReadError:
            # The initial request of an LRO is streamed and read later by the poller; reading it here would
            # consume it. Those answers carry no body (test_fidelity's example tests assert that directly).
            text = ""
        self.responses.append(RecordedResponse(request.method, request.url, response.status_code, text))

    def problems(self) -> list[str]:
        return [problem for seen in self.responses
                for problem in body_problems(seen.method, seen.url, seen.status, seen.text)]
