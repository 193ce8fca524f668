"""Microsoft.Compute: scale sets, scale-set VMs (Uniform), VMs (Flexible members), actions, operation status."""

import re

from . import render
from .errors import ArmError, invalid_parameter, not_found_resource, not_found_rg, not_found_subscription, \
    operation_not_allowed
from .http import empty_response, json_response, paginate
from .operations import ACTIONS, start_operation

ACTION_NAMES = {a.lower(): a for a in ACTIONS}

SUB = r"/subscriptions/(?P<sub>[^/]+)"
RG = SUB + r"/resourcegroups/(?P<rg>[^/]+)"
CP = RG + r"/providers/microsoft\.compute"
VMSS = CP + r"/virtualmachinescalesets/(?P<vmss>[^/]+)"
VMSSVM = VMSS + r"/virtualmachines/(?P<iid>[^/]+)"
VM = CP + r"/virtualmachines/(?P<vm>[^/]+)"
ACTION = r"/(?P<action>restart|reimage|reimageall|start|poweroff|deallocate)"

P_VMSS = ["Microsoft.Compute/GetVMScaleSet3Min", "Microsoft.Compute/GetVMScaleSet30Min"]
P_VMSS_VM = ["Microsoft.Compute/VMScaleSetVMViews3Min", "Microsoft.Compute/VMScaleSetVMViews30Min"]
P_LOW = ["Microsoft.Compute/LowCostGet3Min", "Microsoft.Compute/LowCostGet30Min"]
P_HIGH = ["Microsoft.Compute/HighCostGet3Min", "Microsoft.Compute/HighCostGet30Min"]
P_VMSS_ACT = ["Microsoft.Compute/VMScaleSetActions3Min", "Microsoft.Compute/VMScaleSetActions30Min"]
P_VM_ACT = ["Microsoft.Compute/UpdateVM3Min", "Microsoft.Compute/UpdateVM30Min"]

_FLEX_FILTER = re.compile(r"^\s*'?virtualmachinescaleset/id'?\s+eq\s+'([^']+)'\s*$", re.I)
_POWER_FILTER = re.compile(r"^\s*startswith\(\s*instanceview/statuses/code\s*,\s*'powerstate'\s*\)\s+eq\s+true\s*$",
                           re.I)
_MODEL_FILTER = re.compile(r"^\s*properties/latestmodelapplied\s+eq\s+(true|false)\s*$", re.I)


# ---- lookups ---------------------------------------------------------------------------------------------

def _rg(emu, ctx):
    p = ctx.params
    sub = emu.state.subscription(p["sub"])
    if sub is None:
        raise not_found_subscription(p["sub"])
    rg = sub.rgs.get(p["rg"].lower())
    if rg is None:
        raise not_found_rg(p["rg"])
    return rg


def _scale_set(emu, ctx):
    rg = _rg(emu, ctx)
    ss = rg.scale_sets.get(ctx.params["vmss"].lower())
    if ss is None:
        raise not_found_resource("Microsoft.Compute/virtualMachineScaleSets", ctx.params["vmss"], ctx.params["rg"])
    return ss


def _scale_set_vm(emu, ctx):
    ss = _scale_set(emu, ctx)
    iid = ctx.params["iid"]
    if not ss.uniform:
        raise not_found_resource("Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
                                 f"{ss.name}/{iid}", ctx.params["rg"])
    vm = ss.by_name.get(iid) if iid.isdigit() else None
    if vm is None:
        raise not_found_resource("Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
                                 f"{ss.name}/{iid}", ctx.params["rg"])
    return vm


def _vm(emu, ctx):
    rg = _rg(emu, ctx)
    vm = rg.flex_vms.get(ctx.params["vm"].lower())
    if vm is None:
        raise not_found_resource("Microsoft.Compute/virtualMachines", ctx.params["vm"], ctx.params["rg"])
    return vm


def _expand_instance_view(ctx, allowed=("instanceview", "userdata", "resiliencyview")):
    expand = ctx.query.get("$expand")
    if not expand:
        return False
    values = {v.strip().lower() for v in expand.split(",")}
    bad = values - set(allowed)
    if bad:
        raise invalid_parameter(f"The value '{expand}' of parameter '$expand' is invalid. Allowed values are: "
                                f"{', '.join(allowed)}.", target="$expand")
    return "instanceview" in values


# ---- scale sets ------------------------------------------------------------------------------------------

def list_scale_sets_all(emu, ctx):
    sub = emu.state.subscription(ctx.params["sub"])
    if sub is None:
        raise not_found_subscription(ctx.params["sub"])
    sources = [(rg.name.lower(), sorted(rg.scale_sets), rg.scale_sets) for rg in sub.sorted_rgs()]
    return json_response(paginate(emu, ctx, sources, render.scale_set))


def list_scale_sets(emu, ctx):
    rg = _rg(emu, ctx)
    return json_response(paginate(emu, ctx, [("", sorted(rg.scale_sets), rg.scale_sets)], render.scale_set))


def get_scale_set(emu, ctx):
    return json_response(render.scale_set(_scale_set(emu, ctx)))


def scale_set_instance_view(emu, ctx):
    ss = _scale_set(emu, ctx)
    if not ss.uniform:
        raise operation_not_allowed(
            "Operation 'VirtualMachineScaleSets.instanceView.GET' is not allowed on Virtual Machine Scale Set "
            f"'{ss.name}' since it has orchestration mode 'Flexible'.")
    return json_response(render.scale_set_instance_view(ss))


def scale_set_action(emu, ctx):
    ss = _scale_set(emu, ctx)
    kind = ACTION_NAMES[ctx.params["action"].lower()]
    if not ss.uniform:
        raise operation_not_allowed(
            f"Operation 'VirtualMachineScaleSets.{kind}.POST' is not allowed on Virtual Machine Scale Set "
            f"'{ss.name}' since it has orchestration mode 'Flexible'. Use the operation on the virtual machines.")
    body = ctx.body or {}
    if not isinstance(body, dict):
        raise invalid_parameter("The request body is invalid.")
    ids = body.get("instanceIds")
    if ids is None:
        vms = ss.ordered_vms()
    else:
        if not isinstance(ids, list):
            raise invalid_parameter("instanceIds must be an array of strings.", target="instanceIds")
        vms = []
        for raw in ids:
            text = str(raw).strip()
            if not text.isdigit():
                raise invalid_parameter("Virtual Machine Scale Set VM instanceId must be a number",
                                        target="instanceIds")
        for raw in ids:
            text = str(raw).strip()
            vm = ss.by_name.get(str(int(text)))
            if vm is None:
                raise invalid_parameter(
                    f"The provided instanceId {text} is not an active Virtual Machine Scale Set VM instanceId.",
                    target="instanceIds")
            if vm not in vms:
                vms.append(vm)
    return _accepted(emu, ss, kind, vms)


def _accepted(emu, ss, kind, vms):
    op = start_operation(emu.state, kind, vms, seconds=emu.settings.operation_seconds,
                         subscription_id=ss.rg.sub.id, location=_location(ss))
    base = (f"{emu.endpoint}/subscriptions/{op.subscription_id}/providers/Microsoft.Compute/locations/"
            f"{op.location}/operations/{op.id}")
    return empty_response(202, {
        "Azure-AsyncOperation": f"{base}?p=571046f6-b640-41c1-86f7-f9f044b5adf9&api-version=2026-04-01",
        "Location": f"{base}?p=571046f6-b640-41c1-86f7-f9f044b5adf9&monitor=true&api-version=2026-04-01",
        "Retry-After": "1",
    })


def _location(ss):
    return ss.location.replace(" ", "").lower()


# ---- scale-set VMs (Uniform) ------------------------------------------------------------------------------

def _vmss_vm_options(ctx):
    with_iv = _expand_instance_view(ctx)
    statuses_only = power_only = False
    select = ctx.query.get("$select")
    if select:
        value = select.strip().lower()
        if value == "instanceview":
            with_iv = True
        elif value == "instanceview/statuses":
            with_iv = statuses_only = True
        else:
            raise invalid_parameter(f"The value '{select}' of parameter '$select' is invalid. Allowed values are: "
                                    "instanceView, instanceView/statuses.", target="$select")
    predicate = None
    flt = ctx.query.get("$filter")
    if flt:
        if _POWER_FILTER.match(flt):
            power_only = True
        else:
            match = _MODEL_FILTER.match(flt)
            if not match:
                raise invalid_parameter(f"The value '{flt}' of parameter '$filter' is invalid.", target="$filter")
            wanted = match.group(1).lower() == "true"

            def predicate(vm):
                return vm.latest_model_applied == wanted
    return with_iv, statuses_only, power_only, predicate


def list_scale_set_vms(emu, ctx):
    ss = _scale_set(emu, ctx)
    with_iv, statuses_only, power_only, predicate = _vmss_vm_options(ctx)
    if not ss.uniform:
        # Flexible members are plain VMs: Azure answers this listing with an empty page.
        return json_response({"value": []})

    def one(vm):
        return render.scale_set_vm(vm, with_iv, statuses_only, power_only)

    return json_response(paginate(emu, ctx, [("", ss.keys, ss.vms)], one, predicate))


def get_scale_set_vm(emu, ctx):
    vm = _scale_set_vm(emu, ctx)
    return json_response(render.scale_set_vm(vm, _expand_instance_view(ctx)))


def scale_set_vm_instance_view(emu, ctx):
    return json_response(render.instance_view(_scale_set_vm(emu, ctx), True))


def scale_set_vm_action(emu, ctx):
    vm = _scale_set_vm(emu, ctx)
    return _accepted(emu, vm.scale_set, ACTION_NAMES[ctx.params["action"].lower()], [vm])


# ---- VMs (Flexible members) ---------------------------------------------------------------------------------

def _vm_list_options(emu, ctx):
    flt = ctx.query.get("$filter")
    scale_set = None
    if flt:
        match = _FLEX_FILTER.match(flt)
        if not match:
            raise invalid_parameter(f"The value '{flt}' of parameter '$filter' is invalid. Only "
                                    "'virtualMachineScaleSet/id' eq '<id>' is supported.", target="$filter")
        scale_set = _scale_set_by_id(emu, match.group(1))
    with_iv = _expand_instance_view(ctx, allowed=("instanceview",))
    if with_iv and not flt:
        raise invalid_parameter("The $expand=instanceView query option is only supported together with "
                                "$filter='virtualMachineScaleSet/id' eq '<scale set id>'.", target="$expand")
    if ctx.query.get("statusonly", "").lower() == "true":
        with_iv = True
    return scale_set, bool(flt), with_iv


def _scale_set_by_id(emu, ss_id):
    parts = [p for p in ss_id.split("/") if p]
    if len(parts) != 8 or parts[0].lower() != "subscriptions" or parts[6].lower() != "virtualmachinescalesets":
        return None
    return emu.state.scale_set(parts[1], parts[3], parts[7])


def list_vms(emu, ctx):
    rg = _rg(emu, ctx)
    scale_set, filtered, with_iv = _vm_list_options(emu, ctx)

    def one(vm):
        return render.virtual_machine(vm, with_iv)

    if filtered:
        if scale_set is None or scale_set.rg is not rg or scale_set.uniform:
            return json_response({"value": []})
        return json_response(paginate(emu, ctx, [("", scale_set.keys, scale_set.vms)], one))
    return json_response(paginate(emu, ctx, [("", rg.flex_keys, rg.flex_vms)], one))


def list_vms_all(emu, ctx):
    sub = emu.state.subscription(ctx.params["sub"])
    if sub is None:
        raise not_found_subscription(ctx.params["sub"])
    scale_set, filtered, with_iv = _vm_list_options(emu, ctx)

    def one(vm):
        return render.virtual_machine(vm, with_iv)

    if filtered:
        if scale_set is None or scale_set.rg.sub is not sub or scale_set.uniform:
            return json_response({"value": []})
        return json_response(paginate(emu, ctx, [("", scale_set.keys, scale_set.vms)], one))
    sources = [(rg.name.lower(), rg.flex_keys, rg.flex_vms) for rg in sub.sorted_rgs()]
    return json_response(paginate(emu, ctx, sources, one))


def get_vm(emu, ctx):
    vm = _vm(emu, ctx)
    return json_response(render.virtual_machine(vm, _expand_instance_view(ctx, ("instanceview", "userdata",
                                                                                "resiliencyview"))))


def vm_instance_view(emu, ctx):
    return json_response(render.instance_view(_vm(emu, ctx), False))


def vm_action(emu, ctx):
    vm = _vm(emu, ctx)
    return _accepted(emu, vm.scale_set, ACTION_NAMES[ctx.params["action"].lower()], [vm])


# ---- operation status -----------------------------------------------------------------------------------------

def operation_status(emu, ctx):
    op = emu.state.operations.get(ctx.params["op"])
    if op is None or op.subscription_id != ctx.params["sub"].lower():
        raise ArmError(404, "NotFound", f"The operation '{ctx.params['op']}' was not found.")
    if ctx.query.get("monitor", "").lower() == "true":
        if op.status() == "InProgress":
            return empty_response(202, {"Location": f"{emu.endpoint}{ctx.path}?" + "&".join(
                f"{k}={v}" for k, v in ctx.query_items), "Retry-After": "1"})
        return empty_response(200)
    return json_response(op.body())


def _vm_list_policies(ctx):
    return P_HIGH if ctx.query.get("$expand") or ctx.query.get("statusonly") else P_LOW


# (method, regex, handler, scope kind, RBAC action, throttling policies or a callable, write?)
ROUTES = [
    ("GET", SUB + r"/providers/microsoft\.compute/virtualmachinescalesets", list_scale_sets_all, "sub",
     "Microsoft.Compute/virtualMachineScaleSets/read", P_VMSS, False),
    ("GET", CP + r"/virtualmachinescalesets", list_scale_sets, "rg",
     "Microsoft.Compute/virtualMachineScaleSets/read", P_VMSS, False),
    ("GET", VMSS, get_scale_set, "rg", "Microsoft.Compute/virtualMachineScaleSets/read", P_VMSS, False),
    ("GET", VMSS + r"/instanceview", scale_set_instance_view, "rg",
     "Microsoft.Compute/virtualMachineScaleSets/instanceView/read", P_VMSS, False),
    ("POST", VMSS + ACTION, scale_set_action, "rg", "Microsoft.Compute/virtualMachineScaleSets/{action}/action",
     P_VMSS_ACT, True),
    ("GET", VMSS + r"/virtualmachines", list_scale_set_vms, "rg",
     "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read", P_VMSS_VM, False),
    ("GET", VMSSVM, get_scale_set_vm, "rg", "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read",
     P_VMSS_VM, False),
    ("GET", VMSSVM + r"/instanceview", scale_set_vm_instance_view, "rg",
     "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/instanceView/read", P_VMSS_VM, False),
    ("POST", VMSSVM + ACTION, scale_set_vm_action, "rg",
     "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/{action}/action", P_VMSS_ACT, True),
    ("GET", SUB + r"/providers/microsoft\.compute/virtualmachines", list_vms_all, "sub",
     "Microsoft.Compute/virtualMachines/read", _vm_list_policies, False),
    ("GET", CP + r"/virtualmachines", list_vms, "rg", "Microsoft.Compute/virtualMachines/read",
     _vm_list_policies, False),
    ("GET", VM, get_vm, "rg", "Microsoft.Compute/virtualMachines/read", P_LOW, False),
    ("GET", VM + r"/instanceview", vm_instance_view, "rg", "Microsoft.Compute/virtualMachines/instanceView/read",
     P_LOW, False),
    ("POST", VM + ACTION, vm_action, "rg", "Microsoft.Compute/virtualMachines/{action}/action", P_VM_ACT, True),
    ("GET", SUB + r"/providers/microsoft\.compute/locations/(?P<loc>[^/]+)/operations/(?P<op>[^/]+)",
     operation_status, "visible", "Microsoft.Compute/locations/operations/read", False, False),
]
