"""The control API under /_emulator/ (no token, loopback only). Documented in tests/emulator/README.md.
Control requests are not written to the request log."""

import ipaddress
import json
import re
import time

from aiohttp import web

from .estate import HEALTH_STATES, POWER_STATES, PROVISIONING_STATES
from .errors import ArmError
from .operations import ACTIONS, settle, start_operation
from .render import iso


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _json(body, status=200):
    return web.Response(status=status, text=json.dumps(body, default=str), content_type="application/json")


def _loopback(request):
    remote = request.remote or ""
    try:
        return ipaddress.ip_address(remote.split("%")[0]).is_loopback
    except ValueError:
        return remote in ("", "localhost")


async def handle(emu, request):
    if not _loopback(request):
        return _json({"error": "the control API only answers on loopback"}, 403)
    path = request.path.rstrip("/")[len("/_emulator"):] or "/"
    key = (request.method, path)
    body = {}
    if request.method in ("POST", "PATCH", "PUT", "DELETE") and request.can_read_body:
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                return _json({"error": "body must be JSON"}, 400)
    handler = ROUTES.get(key)
    if handler is None:
        return _json({"error": f"no control route {request.method} /_emulator{path}",
                      "routes": sorted(f"{m} /_emulator{p}" for m, p in ROUTES)}, 404)
    try:
        result = handler(emu, request, body or {})
        if hasattr(result, "__await__"):
            result = await result
    except ControlError as err:
        return _json({"error": err.message}, err.status)
    except ArmError as err:
        return _json({"error": err.message, "code": err.code}, err.status)
    except (ValueError, KeyError, TypeError) as err:
        return _json({"error": str(err)}, 400)
    return _json(result)


def vm_summary(vm):
    settle(vm)
    ss = vm.scale_set
    return {
        "name": vm.name,
        "instance_id": vm.instance_id,
        "id": vm.id,
        "scale_set": ss.name,
        "resource_group": ss.rg.name,
        "subscription_id": ss.rg.sub.id,
        "mode": ss.mode,
        "computer_name": vm.computer_name,
        "power_state": vm.power,
        "provisioning_state": vm.provisioning,
        "health": vm.health,
        "busy": vm.op.kind if vm.op else None,
        "operation_id": vm.op.id if vm.op else None,
        "zone": vm.zone,
        "fault_domain": vm.fault_domain,
        "update_domain": vm.update_domain,
        "private_ip": vm.private_ip,
        "public_ip": vm.public_ip,
        "os_disk_time": iso(vm.os_disk_time),
        "last_operation_time": iso(vm.last_op_time),
        "latest_model_applied": vm.latest_model_applied,
        "protect_from_scale_in": vm.protect_from_scale_in,
    }


# ---- lookups ----------------------------------------------------------------------------------------------

def _scale_set(emu, body):
    name = body.get("scale_set")
    if not name:
        raise ControlError(400, "scale_set is required")
    found = []
    for sub in emu.state.subscriptions.values():
        if body.get("subscription") and sub.id != str(body["subscription"]).lower():
            continue
        for rg in sub.rgs.values():
            if body.get("resource_group") and rg.name.lower() != str(body["resource_group"]).lower():
                continue
            ss = rg.scale_sets.get(str(name).lower())
            if ss:
                found.append(ss)
    if not found:
        raise ControlError(404, f"no scale set {name!r} matches {body}")
    if len(found) > 1:
        raise ControlError(400, f"scale set {name!r} is ambiguous: give resource_group and/or subscription")
    return found[0]


def _vms(emu, body):
    """VMs named by body: 'name' or 'names' (VM names), or scale_set + 'instance_id(s)'."""
    names = body.get("names") or ([body["name"]] if body.get("name") else [])
    ids = body.get("instance_ids") or ([body["instance_id"]] if body.get("instance_id") is not None else [])
    vms = []
    if ids:
        ss = _scale_set(emu, body)
        for ident in ids:
            vm = ss.find(ident)
            if vm is None:
                raise ControlError(404, f"no instance {ident!r} in scale set {ss.name}")
            vms.append(vm)
    for name in names:
        found = emu.state.find_vms(name, body.get("resource_group"), body.get("subscription"))
        if not found:
            raise ControlError(404, f"no VM named {name!r}")
        if len(found) > 1:
            raise ControlError(400, f"VM name {name!r} is ambiguous: give resource_group and/or subscription")
        vms.append(found[0])
    if not vms:
        raise ControlError(400, "name the VMs: 'name', 'names', or 'scale_set' with 'instance_id(s)'")
    return vms


# ---- handlers -------------------------------------------------------------------------------------------

def ready(emu, request, body):
    return emu.ready


def health(emu, request, body):
    return {"status": "ok", "endpoint": emu.endpoint, "time": time.time()}


def get_requests(emu, request, body):
    since = int(request.query.get("since", 0))
    entries = emu.log.snapshot(since)
    if request.query.get("clear", "").lower() in ("1", "true", "yes"):
        emu.log.clear()
    return {"requests": entries}


def clear_requests(emu, request, body):
    count = len(emu.log.entries)
    emu.log.clear()
    return {"cleared": count}


def get_settings(emu, request, body):
    return emu.settings.as_dict()


def set_settings(emu, request, body):
    emu.settings.update(body)
    if "throttle_buckets" in body or body.get("throttle_reset"):
        emu.throttler.reset()
    return emu.settings.as_dict()


def get_faults(emu, request, body):
    return emu.faults.as_dict()


def set_faults(emu, request, body):
    emu.faults.update(body)
    if "seed" in body:
        emu.rng.seed(emu.faults.seed)
    return emu.faults.as_dict()


def clear_faults(emu, request, body):
    emu.faults.__init__()
    return emu.faults.as_dict()


def list_vms(emu, request, body):
    q = request.query
    out = []
    for vm in emu.state.all_vms():
        ss = vm.scale_set
        if q.get("subscription") and ss.rg.sub.id != q["subscription"].lower():
            continue
        if q.get("resource_group") and ss.rg.name.lower() != q["resource_group"].lower():
            continue
        if q.get("scale_set") and ss.name.lower() != q["scale_set"].lower():
            continue
        out.append(vm_summary(vm))
    return {"vms": out}


def set_vm(emu, request, body):
    vms = _vms(emu, body)
    for vm in vms:
        settle(vm)
        if "power_state" in body:
            if body["power_state"] not in POWER_STATES:
                raise ControlError(400, f"power_state must be one of {POWER_STATES}")
            if vm.power != body["power_state"]:
                vm.power_time = time.time()
            vm.power = body["power_state"]
        if "provisioning_state" in body:
            value = str(body["provisioning_state"]).capitalize()
            if value not in PROVISIONING_STATES:
                raise ControlError(400, f"provisioning_state must be one of {PROVISIONING_STATES}")
            vm.provisioning = value
            if value == "Failed":
                vm.fail_code = body.get("error_code", "InternalOperationError")
                vm.fail_message = body.get("error_message", "The last operation failed.")
                vm.fail_time = time.time()
        if "health" in body:
            if body["health"] is not None and body["health"] not in HEALTH_STATES:
                raise ControlError(400, f"health must be one of {HEALTH_STATES} or null")
            vm.health = body["health"]
        if "latest_model_applied" in body:
            vm.latest_model_applied = bool(body["latest_model_applied"])
        if "protect_from_scale_in" in body:
            vm.protect_from_scale_in = bool(body["protect_from_scale_in"])
    return {"vms": [vm_summary(vm) for vm in vms]}


def start_op(emu, request, body):
    kind = body.get("operation", "restart")
    names = {a.lower(): a for a in ACTIONS}
    if kind.lower() not in names:
        raise ControlError(400, f"operation must be one of {ACTIONS}")
    vms = _vms(emu, body)
    seconds = float(body.get("seconds", emu.settings.operation_seconds))
    if body.get("on_request"):
        # Deferred: a test starts the operation when the client's first matching ARM request arrives, so the
        # operation is still running when the client reads the VMs, however slowly the client started.
        pattern = str(body["on_request"])
        try:
            re.compile(pattern)
        except re.error as err:
            raise ControlError(400, f"on_request must be a regular expression on the ARM path: {err}") from err
        emu.pending_operations.append({"pattern": pattern, "kind": names[kind.lower()], "vms": vms,
                                       "seconds": seconds, "body": body})
        return {"pending": True, "on_request": pattern, "vms": [vm_summary(vm) for vm in vms]}
    return {**_start_now(emu, names[kind.lower()], vms, seconds, body), "pending": False}


def start_pending(emu, path):
    """Start the deferred operations whose pattern matches this ARM path; returns their ids."""
    started = []
    for pending in list(emu.pending_operations):
        if re.search(pending["pattern"], path, re.I):
            emu.pending_operations.remove(pending)
            try:
                started.append(_start_now(emu, pending["kind"], pending["vms"], pending["seconds"],
                                          pending["body"])["operation_id"])
            except ArmError as err:     # the VM got busy meanwhile: the test sees it in the log entry
                started.append(f"not started: {err.message}")
    return started


def _start_now(emu, kind, vms, seconds, body):
    ss = vms[0].scale_set
    if body.get("fail_code"):
        for vm in vms:
            emu.faults.fail_operations[vm.name] = {"code": body["fail_code"], "times": 1,
                                                   "message": body.get("fail_message")}
    op = start_operation(emu.state, kind, vms, seconds=seconds, subscription_id=ss.rg.sub.id,
                         location=ss.location.replace(" ", "").lower(), initiator="control",
                         check=bool(body.get("check", False)))
    return {"operation_id": op.id, "ends": op.end, "vms": [vm_summary(vm) for vm in vms]}


def add_instances(emu, request, body):
    ss = _scale_set(emu, body)
    added = []
    for _unused in range(int(body.get("count", 1))):
        vm = emu.state.add_vm(ss)
        if body.get("power_state"):
            vm.power = body["power_state"]
        added.append(vm)
    return {"added": [vm_summary(vm) for vm in added], "capacity": len(ss.vms)}


def remove_instances(emu, request, body):
    ss = _scale_set(emu, body)
    idents = body.get("instances") or ([body["instance"]] if body.get("instance") is not None else [])
    if not idents:
        raise ControlError(400, "give 'instance' or 'instances' (instance ids or VM names)")
    removed = []
    for ident in idents:
        vm = ss.find(ident)
        if vm is None:
            raise ControlError(404, f"no instance {ident!r} in scale set {ss.name}")
        removed.append(vm_summary(vm))
        emu.state.remove_vm(vm)
    return {"removed": removed, "capacity": len(ss.vms)}


def expire_tokens(emu, request, body):
    return {"expired": emu.tokens.expire_all()}


def list_tokens(emu, request, body):
    return {"tokens": emu.tokens.listing()}


def reset(emu, request, body):
    emu.reset()
    return {"reset": True}


def shutdown(emu, request, body):
    if emu.stop_event is not None:
        emu.stop_event.set()
    return {"stopping": True}


ROUTES = {
    ("GET", "/ready"): ready,
    ("GET", "/health"): health,
    ("GET", "/requests"): get_requests,
    ("DELETE", "/requests"): clear_requests,
    ("POST", "/requests/clear"): clear_requests,
    ("GET", "/settings"): get_settings,
    ("PATCH", "/settings"): set_settings,
    ("POST", "/settings"): set_settings,
    ("GET", "/faults"): get_faults,
    ("PATCH", "/faults"): set_faults,
    ("POST", "/faults"): set_faults,
    ("DELETE", "/faults"): clear_faults,
    ("GET", "/vms"): list_vms,
    ("POST", "/vms/state"): set_vm,
    ("POST", "/operations"): start_op,
    ("POST", "/instances/add"): add_instances,
    ("POST", "/instances/remove"): remove_instances,
    ("POST", "/tokens/expire"): expire_tokens,
    ("GET", "/tokens"): list_tokens,
    ("POST", "/reset"): reset,
    ("POST", "/shutdown"): shutdown,
}
