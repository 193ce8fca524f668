"""Microsoft.Network: NICs and public IPs of Uniform scale sets and of resource groups (Flexible members), so
private and public IPs can be joined to VMs without one GET per VM."""

from . import render
from .api_versions import vmss_network_route
from .errors import not_found_resource, not_found_subscription
from .http import json_response, paginate
from .routes_compute import RG, SUB, VMSS, _rg, _scale_set, _scale_set_vm

NP = RG + r"/providers/microsoft\.network"
VMSSVM = VMSS + r"/virtualmachines/(?P<iid>[^/]+)"
NIC = VMSSVM + r"/networkinterfaces"
PIP = NIC + r"/(?P<nic>[^/]+)/ipconfigurations/(?P<ipc>[^/]+)/publicipaddresses"


def _has_public_ip(vm):
    return vm.public_ip is not None


def vmss_nics(emu, ctx):
    ss = _scale_set(emu, ctx)
    if not ss.uniform:
        return json_response({"value": []})
    return json_response(paginate(emu, ctx, [("", ss.keys, ss.vms)], render.network_interface))


def vmss_public_ips(emu, ctx):
    ss = _scale_set(emu, ctx)
    if not ss.uniform:
        return json_response({"value": []})
    return json_response(paginate(emu, ctx, [("", ss.keys, ss.vms)], render.public_ip_address, _has_public_ip))


def vmss_vm_nics(emu, ctx):
    vm = _scale_set_vm(emu, ctx)
    return json_response({"value": [render.network_interface(vm)]})


def vmss_vm_nic(emu, ctx):
    vm = _scale_set_vm(emu, ctx)
    if ctx.params["nic"].lower() != vm.nic_name.lower():
        raise not_found_resource("Microsoft.Network/networkInterfaces", ctx.params["nic"], ctx.params["rg"])
    return json_response(render.network_interface(vm))


def vmss_vm_public_ips(emu, ctx):
    vm = _scale_set_vm(emu, ctx)
    return json_response({"value": [render.public_ip_address(vm)] if vm.public_ip else []})


def vmss_vm_public_ip(emu, ctx):
    vm = _scale_set_vm(emu, ctx)
    if not vm.public_ip or ctx.params["pip"].lower() != vm.public_ip_name.lower():
        raise not_found_resource("Microsoft.Network/publicIPAddresses", ctx.params["pip"], ctx.params["rg"])
    return json_response(render.public_ip_address(vm))


def rg_nics(emu, ctx):
    rg = _rg(emu, ctx)
    return json_response(paginate(emu, ctx, [("", rg.flex_keys, rg.flex_vms)], render.network_interface))


def rg_public_ips(emu, ctx):
    rg = _rg(emu, ctx)
    return json_response(paginate(emu, ctx, [("", rg.flex_keys, rg.flex_vms)], render.public_ip_address,
                                  _has_public_ip))


def _flex_vm_by_suffix(emu, ctx, suffix, rtype):
    rg = _rg(emu, ctx)
    name = ctx.params["name"]
    vm = rg.flex_vms.get(name[: -len(suffix)].lower()) if name.lower().endswith(suffix) else None
    if vm is None or (suffix == "-pip" and not vm.public_ip):
        raise not_found_resource(rtype, name, ctx.params["rg"])
    return vm


def rg_nic(emu, ctx):
    return json_response(render.network_interface(
        _flex_vm_by_suffix(emu, ctx, "-nic01", "Microsoft.Network/networkInterfaces")))


def rg_public_ip(emu, ctx):
    return json_response(render.public_ip_address(
        _flex_vm_by_suffix(emu, ctx, "-pip", "Microsoft.Network/publicIPAddresses")))


def _sub(emu, ctx):
    sub = emu.state.subscription(ctx.params["sub"])
    if sub is None:
        raise not_found_subscription(ctx.params["sub"])
    return sub


def sub_nics(emu, ctx):
    sub = _sub(emu, ctx)
    sources = [(rg.name.lower(), rg.flex_keys, rg.flex_vms) for rg in sub.sorted_rgs()]
    return json_response(paginate(emu, ctx, sources, render.network_interface))


def sub_public_ips(emu, ctx):
    sub = _sub(emu, ctx)
    sources = [(rg.name.lower(), rg.flex_keys, rg.flex_vms) for rg in sub.sorted_rgs()]
    return json_response(paginate(emu, ctx, sources, render.public_ip_address, _has_public_ip))


_R = "Microsoft.Network/networkInterfaces/read"
_P = "Microsoft.Network/publicIPAddresses/read"
_VMSS_NIC = "virtualMachineScaleSets/networkInterfaces"
_VMSS_PIP = "virtualMachineScaleSets/publicIPAddresses"
_VM_NIC = "virtualMachineScaleSets/virtualMachines/networkInterfaces"
_VM_PIP = "virtualMachineScaleSets/virtualMachines/networkInterfaces/ipConfigurations/publicIPAddresses"
ROUTES = [
    # Scale-set network views take Compute's api-versions only (see api_versions.py).
    ("GET", VMSS + r"/networkinterfaces", vmss_network_route(vmss_nics, _VMSS_NIC, _rg), "rg", _R, None, False),
    ("GET", VMSS + r"/publicipaddresses", vmss_network_route(vmss_public_ips, _VMSS_PIP, _rg), "rg", _P, None,
     False),
    ("GET", NIC, vmss_network_route(vmss_vm_nics, _VM_NIC, _rg), "rg", _R, None, False),
    ("GET", NIC + r"/(?P<nic>[^/]+)", vmss_network_route(vmss_vm_nic, _VM_NIC, _rg), "rg", _R, None, False),
    ("GET", PIP, vmss_network_route(vmss_vm_public_ips, _VM_PIP, _rg), "rg", _P, None, False),
    ("GET", PIP + r"/(?P<pip>[^/]+)", vmss_network_route(vmss_vm_public_ip, _VM_PIP, _rg), "rg", _P, None, False),
    ("GET", NP + r"/networkinterfaces", rg_nics, "rg", _R, None, False),
    ("GET", NP + r"/networkinterfaces/(?P<name>[^/]+)", rg_nic, "rg", _R, None, False),
    ("GET", NP + r"/publicipaddresses", rg_public_ips, "rg", _P, None, False),
    ("GET", NP + r"/publicipaddresses/(?P<name>[^/]+)", rg_public_ip, "rg", _P, None, False),
    ("GET", SUB + r"/providers/microsoft\.network/networkinterfaces", sub_nics, "sub", _R, None, False),
    ("GET", SUB + r"/providers/microsoft\.network/publicipaddresses", sub_public_ips, "sub", _P, None, False),
]
