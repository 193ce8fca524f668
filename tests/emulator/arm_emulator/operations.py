"""Long-running operations: a VM action takes ``operation_seconds``; while it runs the instance view shows
ProvisioningState/updating and a transitional power state, and when it ends the status times advance.

Operations settle lazily: whoever looks at a VM or at an operation status first after the end time applies
the outcome (no background task, so the outcome is exact and deterministic)."""

import itertools
import time
import uuid

from .errors import operation_not_allowed

ACTIONS = ("restart", "reimage", "reimageall", "start", "powerOff", "deallocate")

# transitional power state while the action runs
TRANSITION = {
    "restart": "starting",
    "reimage": "starting",
    "reimageall": "starting",
    "start": "starting",
    "powerOff": "stopping",
    "deallocate": "deallocating",
}

_counter = itertools.count(1)


def final_power(kind, before):
    if kind in ("restart", "reimage", "reimageall", "start"):
        return "running"
    if kind == "powerOff":
        return "deallocated" if before == "deallocated" else "stopped"
    return "deallocated"


class Operation:
    def __init__(self, kind, vms, seconds, subscription_id, location, initiator="api", name=None):
        self.id = str(uuid.uuid4())
        self.seq = next(_counter)
        self.kind = kind
        self.vms = list(vms)
        self.subscription_id = subscription_id
        self.location = location
        self.start = time.time()
        self.end = self.start + max(0.0, float(seconds))
        self.initiator = initiator
        self.name = name or kind
        self.settled = False
        self.error = None                   # (code, message) once settled as failed
        self.before = {}                    # vm -> (power, health)
        self.failures = {}                  # vm -> (code, message), decided at start

    def status(self, now=None):
        now = time.time() if now is None else now
        if now < self.end:
            return "InProgress"
        self.settle(now)
        return "Failed" if self.error else "Succeeded"

    def settle(self, now=None):
        if self.settled:
            return
        now = time.time() if now is None else now
        if now < self.end:
            return
        self.settled = True
        for vm in self.vms:
            if vm.op is not self:
                continue
            vm.op = None
            power_before, health_before = self.before[vm]
            failure = self.failures.get(vm)
            if failure:
                vm.provisioning = "Failed"
                vm.fail_code, vm.fail_message = failure
                vm.fail_time = self.end
                vm.power = power_before
                vm.health = health_before
                if self.error is None:
                    self.error = failure
                continue
            vm.provisioning = "Succeeded"
            vm.fail_code = vm.fail_message = vm.fail_time = None
            new_power = final_power(self.kind, power_before)
            if new_power != power_before or self.kind in ("restart", "reimage", "reimageall"):
                vm.power_time = self.end      # a restart or reimage boots the VM: it entered "running" anew
            vm.power = new_power
            vm.last_op_time = self.end
            if self.kind in ("reimage", "reimageall"):
                vm.os_disk_time = self.end
            if vm.health is not None or vm.scale_set.spec["health_extension"]:
                faults = vm.scale_set.rg.sub.state.faults
                if new_power != "running":
                    vm.health = "unknown"
                elif _take(faults.stay_unhealthy, vm):
                    vm.health = "unhealthy"
                elif self.kind == "powerOff" or self.kind == "deallocate":
                    vm.health = "unknown"
                else:
                    vm.health = "healthy"

    def body(self, now=None):
        status = self.status(now)
        body = {"startTime": _iso(self.start), "status": status, "name": self.id}
        if status != "InProgress":
            body["endTime"] = _iso(self.end)
        if status == "Failed":
            code, message = self.error
            body["error"] = {"code": code, "message": message}
        return body


def _take(names, vm):
    for candidate in (vm.name, vm.name.lower()):
        if candidate in names:
            names.remove(candidate)
            return True
    return False


def _iso(ts):
    from .render import iso
    return iso(ts)


def settle(vm, now=None):
    op = vm.op
    if op is not None and not op.settled:
        op.settle(now)


def check_allowed(kind, vms, now=None):
    """Raise the ARM 409 Azure gives for a conflicting or disallowed action; all-or-nothing."""
    for vm in vms:
        settle(vm, now)
        if vm.op is not None:
            raise operation_not_allowed(
                f"Operation '{kind}' is not allowed on VM '{vm.name}' since the VM is already being "
                f"updated by another operation ('{vm.op.name}'). Retry after it completes.")
        if vm.provisioning in ("Creating", "Deleting"):
            raise operation_not_allowed(
                f"Operation '{kind}' is not allowed on VM '{vm.name}' since the VM is {vm.provisioning.lower()}.")
        if kind == "restart" and vm.power != "running":
            raise operation_not_allowed(
                f"Operation 'restart' is not allowed on VM '{vm.name}' since the VM is {vm.power}.")
        if kind == "reimage" and not vm.uniform and not vm.scale_set.spec["ephemeral_os"]:
            raise operation_not_allowed(
                f"Operation 'reimage' is not allowed on VM '{vm.name}' since the VM does not use an ephemeral "
                "OS disk. Reimage of a single VM in a Virtual Machine Scale Set with Flexible orchestration "
                "mode is only supported for VMs with ephemeral OS disks.")


def start_operation(state, kind, vms, *, seconds, subscription_id, location, initiator="api", check=True,
                    now=None):
    if check:
        check_allowed(kind, vms, now)
    else:
        for vm in vms:
            settle(vm, now)
            if vm.op is not None:
                raise operation_not_allowed(f"VM '{vm.name}' is already busy with '{vm.op.name}'.")
    op = Operation(kind, vms, seconds, subscription_id, location, initiator=initiator)
    faults = state.faults
    for vm in vms:
        op.before[vm] = (vm.power, vm.health)
        failure = _failure_for(faults.fail_operations, vm, kind)
        if failure:
            op.failures[vm] = failure
        vm.op = op
        vm.provisioning = "Updating"
        target = final_power(kind, vm.power)
        if target != vm.power or kind in ("restart", "reimage", "reimageall"):
            vm.power = TRANSITION[kind]
        if vm.health is not None and kind in ("restart", "reimage", "reimageall", "start"):
            vm.health = "initializing"
    state.operations[op.id] = op
    if len(state.operations) > 20000:       # keep memory bounded under long benchmarks
        for old in sorted(state.operations.values(), key=lambda o: o.seq)[:5000]:
            if old.settled:
                state.operations.pop(old.id, None)
    return op


def _failure_for(fail_operations, vm, kind):
    spec = fail_operations.get(vm.name) or fail_operations.get(vm.name.lower())
    if not spec:
        return None
    if isinstance(spec, str):
        spec = {"code": spec}
    ops = spec.get("operations")
    if ops and kind not in ops:
        return None
    code = spec.get("code", "InternalOperationError")
    message = spec.get("message") or (
        f"The operation '{kind}' on VM '{vm.name}' failed: {code}.")
    times = spec.get("times")
    if times is not None:
        if times <= 1:
            fail_operations.pop(vm.name, None)
            fail_operations.pop(vm.name.lower(), None)
        else:
            spec["times"] = times - 1
            fail_operations[vm.name] = spec
    return (code, message)
