# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What instance_info and instance_facts do: find the instances asked for and return them as records.

instance_info: scope -> scale sets -> ``fleet.list_fleet`` (the shared request plan: one paged list per scale
set) -> identifiers -> filters -> ``instances`` plus a count per scale set. When exactly one instance of one
named scale set is asked for, that VM is read with one GET instead of listing its whole scale set.

instance_facts: one instance, located by its resource id or by scale set + instance ID, read with one GET.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, azure_errors
from ansible_collections.vmss.fleet.plugins.module_utils.fleet import is_glob, list_fleet, select_scale_sets
from ansible_collections.vmss.fleet.plugins.module_utils.records import (
    FLEXIBLE,
    instance_record,
    ips_by_vm_id,
    network_for_vm,
    orchestration_mode,
    parse_resource_id,
    scale_set_ref,
    scale_set_ref_from_vm,
)
from ansible_collections.vmss.fleet.plugins.module_utils.targets import (
    is_instance_id,
    missing_identifiers,
    resolve_identifiers,
    scale_sets_by_mode,
)

POWER_STATES = ("running", "starting", "stopping", "stopped", "deallocating", "deallocated", "unknown")
PROVISIONING_STATES = ("succeeded", "failed", "updating", "creating", "deleting", "migrating", "canceled")
HEALTH_STATES = ("healthy", "unhealthy", "unknown", "initializing", "none")

# Filters whose value only the instance view carries.
INSTANCE_VIEW_FILTERS = ("power_state", "health")


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

def check_info_options(params):
    """Fail on option combinations that cannot give what the user means, naming them."""
    if params.get("max_concurrency") is not None and params["max_concurrency"] < 1:
        raise FleetError("max_concurrency must be 1 or more, got %d." % params["max_concurrency"])
    if not params.get("instance_view", True):
        used = [name for name in INSTANCE_VIEW_FILTERS if params.get(name)]
        if used:
            raise FleetError("The %s filter needs the instance view, but instance_view is false: drop %s or set "
                             "instance_view: true." % (" and ".join(used), " and ".join(used)))
    blank = [str(value) for value in params.get("instances") or [] if not str(value).strip()]
    if blank:
        raise FleetError("instances contains an empty identifier: give instance IDs or VM names.")


# ---------------------------------------------------------------------------
# Filters and counts
# ---------------------------------------------------------------------------

def _health_word(record):
    """The record's health as the filter spells it: ``none`` when the VM reports no health."""
    return record["health"] or "none"


FILTER_VALUES = {
    "power_state": lambda record: record["power_state"],
    "provisioning_state": lambda record: record["provisioning_state"],
    "health": _health_word,
}


def apply_filters(records, power_state=None, provisioning_state=None, health=None):
    """Records whose power state, provisioning state and health are each among the wanted values (if given)."""
    wanted = {"power_state": power_state, "provisioning_state": provisioning_state, "health": health}
    chosen = list(records)
    for name, values in wanted.items():
        if values:
            allowed = set(value.lower() for value in values)
            chosen = [record for record in chosen if (FILTER_VALUES[name](record) or "").lower() in allowed]
    return chosen


def _count_by(records, value_of):
    counts = {}
    for record in records:
        value = value_of(record)
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    return counts


def scale_set_summary(vmss, read, returned, listed):
    """One entry of ``scale_sets``: which set, how many VMs were read and returned, and their states."""
    ref = scale_set_ref(vmss)
    return {
        "name": ref["name"],
        "id": ref["id"],
        "resource_group": ref["resource_group"],
        "subscription_id": ref["subscription_id"],
        "orchestration_mode": ref["orchestration_mode"],
        "location": vmss.get("location"),
        "listed": listed,
        "instance_count": len(read),
        "returned_count": len(returned),
        "power_states": _count_by(read, lambda record: record["power_state"]),
        "provisioning_states": _count_by(read, lambda record: record["provisioning_state"]),
        "health_states": _count_by(read, lambda record: record["health"]),
    }


def _by_scale_set(records):
    grouped = {}
    for record in records:
        grouped.setdefault((record["scale_set_id"] or "").lower(), []).append(record)
    return grouped


def summarize(scale_sets, read, returned, listed=True):
    """``scale_sets`` of the result, in the order the scale sets were selected."""
    read_by_set, returned_by_set = _by_scale_set(read), _by_scale_set(returned)
    return [scale_set_summary(vmss, read_by_set.get(vmss["id"].lower(), []),
                              returned_by_set.get(vmss["id"].lower(), []), listed)
            for vmss in scale_sets]


# ---------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------

def choose_instances(identifiers, records, modes, allow_missing=False):
    """(records named by the identifiers, identifiers that name nothing).

    Unknown identifiers fail the task, all named at once, unless ``allow_missing``; even then an identifier
    of the wrong shape for the scale sets' mode, an ambiguous or a duplicate one still fails.
    """
    identifiers = [str(identifier) for identifier in identifiers]
    missing = missing_identifiers(identifiers, records, modes) if allow_missing else []
    identifiers = [identifier for identifier in identifiers if identifier not in missing]
    return resolve_identifiers(identifiers, records, modes), missing


# ---------------------------------------------------------------------------
# Reading one instance (one GET instead of a list)
# ---------------------------------------------------------------------------

def _get_or_none(what, function, *args, **kwargs):
    """The resource as a dict, or None when Azure answers 404."""
    try:
        with azure_errors("reading %s" % what):
            resource = function(*args, **kwargs)
    except FleetError as error:
        if error.status == 404:
            return None
        raise
    return resource.as_dict()


def uniform_instance_id(identifier, scale_set_name):
    """The instance ID an identifier names in a Uniform set: the ID itself or the VM name ``{set}_{id}``."""
    if is_instance_id(identifier):
        return identifier
    prefix = scale_set_name.lower() + "_"
    suffix = identifier[len(prefix):]
    if identifier.lower().startswith(prefix) and is_instance_id(suffix):
        return suffix
    return None


def get_uniform_vm(compute, resource_group, scale_set_name, instance_id, instance_view=True):
    return _get_or_none("instance '%s' of scale set '%s'" % (instance_id, scale_set_name),
                        compute.virtual_machine_scale_set_vms.get, resource_group, scale_set_name, instance_id,
                        expand="instanceView" if instance_view else None)


def get_flexible_vm(compute, resource_group, name, instance_view=True):
    return _get_or_none("VM '%s'" % name, compute.virtual_machines.get, resource_group, name,
                        expand="instanceView" if instance_view else None)


def _is_member(vm, vmss):
    member_of = ((vm.get("properties") or {}).get("virtualMachineScaleSet") or {}).get("id") or ""
    return member_of.lower() == vmss["id"].lower()


def get_member_vm(compute, vmss, identifier, instance_view=True):
    """The raw VM an identifier names in one scale set, or None when the set has no such instance."""
    group = scale_set_ref(vmss)["resource_group"]
    if orchestration_mode(vmss) == FLEXIBLE:
        vm = get_flexible_vm(compute, group, identifier, instance_view)
        return vm if vm is not None and _is_member(vm, vmss) else None
    instance_id = uniform_instance_id(identifier, vmss["name"])
    if instance_id is None:
        return None
    return get_uniform_vm(compute, group, vmss["name"], instance_id, instance_view)


def _nic_ids(vm):
    profile = (vm.get("properties") or {}).get("networkProfile") or {}
    return [nic["id"] for nic in profile.get("networkInterfaces") or [] if nic.get("id")]


def _public_ip_ids(nics):
    ids = []
    for nic in nics:
        for ip_configuration in (nic.get("properties") or {}).get("ipConfigurations") or []:
            public_ip = (ip_configuration.get("properties") or {}).get("publicIPAddress") or {}
            if public_ip.get("id"):
                ids.append(public_ip["id"])
    return ids


def _read_nic(network, nic_id):
    """A NIC by id: a Uniform VM's NIC lives under its scale-set VM, a Flexible member's is a plain NIC."""
    parts = parse_resource_id(nic_id)
    if parts["children"]:  # .../virtualMachineScaleSets/{set}/virtualMachines/{id}/networkInterfaces/{nic}
        return _get_or_none("network interface '%s'" % nic_id,
                            network.network_interfaces.get_virtual_machine_scale_set_network_interface,
                            parts["resource_group"], parts["name"], parts["children"][0]["name"],
                            parts["children"][1]["name"])
    return _get_or_none("network interface '%s'" % nic_id, network.network_interfaces.get,
                        parts["resource_group"], parts["name"])


def _read_public_ip(network, public_ip_id):
    """A public IP by id, under its scale-set VM's IP configuration (Uniform) or as a plain resource."""
    parts = parse_resource_id(public_ip_id)
    children = parts["children"]
    if children:  # .../virtualMachines/{id}/networkInterfaces/{nic}/ipConfigurations/{ipc}/publicIPAddresses/{ip}
        return _get_or_none("public IP '%s'" % public_ip_id,
                            network.public_ip_addresses.get_virtual_machine_scale_set_public_ip_address,
                            parts["resource_group"], parts["name"], children[0]["name"], children[1]["name"],
                            children[2]["name"], children[3]["name"])
    return _get_or_none("public IP '%s'" % public_ip_id, network.public_ip_addresses.get,
                        parts["resource_group"], parts["name"])


def read_vm_addresses(network, vm):
    """``{"private_ips", "public_ips"}`` of one VM: its NICs and their public IPs, each read by id."""
    nics = [nic for nic in (_read_nic(network, nic_id) for nic_id in _nic_ids(vm)) if nic is not None]
    public_ips = [ip for ip in (_read_public_ip(network, ip_id) for ip_id in _public_ip_ids(nics))
                  if ip is not None]
    return network_for_vm(ips_by_vm_id(nics, public_ips), vm["id"])


def member_record(compute, network, vmss, identifier, instance_view=True, with_network=True):
    """The record of one named instance of one scale-set dict, or None when there is no such instance.

    Raises the usual identifier error for a Uniform instance ID given for a Flexible scale set.
    """
    if orchestration_mode(vmss) == FLEXIBLE and is_instance_id(identifier):
        resolve_identifiers([identifier], [], {FLEXIBLE: [vmss["name"]]})
    vm = get_member_vm(compute, vmss, identifier, instance_view)
    if vm is None:
        return None
    addresses = read_vm_addresses(network, vm) if with_network else None
    return instance_record(vm, scale_set_ref(vmss), addresses)


def not_an_instance(identifier, vmss):
    """The error for an identifier that names no instance of a scale set (same words as the list path)."""
    try:
        resolve_identifiers([identifier], [], {orchestration_mode(vmss): [vmss["name"]]})
    except FleetError as exc:
        return exc
    return FleetError("'%s' is not an instance of scale set '%s'." % (identifier, vmss["name"]))


# ---------------------------------------------------------------------------
# instance_info
# ---------------------------------------------------------------------------

def single_instance_scope(params, scale_sets):
    """The one scale set when the single-instance path applies: one named (not globbed) set, one identifier."""
    names = params.get("scale_set") or []
    identifiers = params.get("instances") or []
    if len(identifiers) == 1 and len(names) == 1 and not is_glob(names[0]) and len(scale_sets) == 1:
        return scale_sets[0]
    return None


def _read_single(compute, network, vmss, params):
    """(records read, records chosen, missing identifiers, listed=False) for the single-instance path."""
    identifier = str(params["instances"][0])
    record = member_record(compute, network, vmss, identifier, params["instance_view"], params["network"])
    if record is not None:
        return [record], [record], []
    if params.get("allow_missing"):
        return [], [], [identifier]
    raise not_an_instance(identifier, vmss)


def _read_listed(compute, network, scale_sets, params):
    """(records read, records chosen, missing identifiers) through the shared list plan."""
    listing = list_fleet(compute, network, scale_sets, instance_view=params["instance_view"],
                         with_network=params["network"], max_concurrency=params["max_concurrency"])
    listing.raise_failures()
    if not params.get("instances"):
        return listing.records, listing.records, []
    chosen, missing = choose_instances(params["instances"], listing.records, scale_sets_by_mode(scale_sets),
                                       params.get("allow_missing"))
    return listing.records, chosen, missing


def query_instances(clients, params):
    """The result of instance_info for its module params."""
    check_info_options(params)
    compute, network = clients.compute(), clients.network()
    scale_sets = select_scale_sets(clients.arm(), params.get("resource_group"), params.get("scale_set"))
    single = single_instance_scope(params, scale_sets)
    if single is not None:
        read, chosen, missing = _read_single(compute, network, single, params)
    else:
        read, chosen, missing = _read_listed(compute, network, scale_sets, params)
    returned = apply_filters(chosen, params.get("power_state"), params.get("provisioning_state"),
                             params.get("health"))
    return {
        "changed": False,
        "instances": returned,
        "scale_sets": summarize(scale_sets, read, returned, listed=single is None),
        "missing": missing,
    }


# ---------------------------------------------------------------------------
# instance_facts
# ---------------------------------------------------------------------------

def check_facts_options(params):
    """Exactly one way to locate the instance: ``id``, or ``scale_set`` + ``resource_group`` + ``instance_id``."""
    by_name = [name for name in ("scale_set", "resource_group", "instance_id") if params.get(name)]
    if params.get("id") and by_name:
        raise FleetError("Give either id or scale_set + resource_group + instance_id, not both (got id and %s)."
                         % ", ".join(by_name))
    if params.get("id"):
        return
    missing = [name for name in ("scale_set", "resource_group", "instance_id") if not params.get(name)]
    if missing:
        prefix = params.get("hostvars_prefix") or "vmss_"
        hostvars = ", ".join(prefix + name for name in ("id", "scale_set", "resource_group", "instance_id"))
        raise FleetError(
            "Cannot tell which instance to describe: missing %s. Give id, or scale_set + resource_group + "
            "instance_id, or run the task for a host of the vmss.fleet.azure_vmss inventory, whose host "
            "variables (%s) locate it." % (", ".join(missing), hostvars))


def _vm_from_resource_id(compute, resource_id):
    """The raw VM (None when it does not exist) for a Uniform scale-set VM id or a Flexible member VM id."""
    parts = parse_resource_id(resource_id)
    kind = (parts["type"] or "").lower()
    children = parts["children"]
    if kind == "virtualmachinescalesets" and len(children) == 1 and children[0]["type"].lower() == "virtualmachines":
        return get_uniform_vm(compute, parts["resource_group"], parts["name"], children[0]["name"])
    if kind == "virtualmachines" and not children and parts["name"]:
        return get_flexible_vm(compute, parts["resource_group"], parts["name"])
    raise FleetError("id '%s' is not the resource id of a scale-set VM: expected .../virtualMachineScaleSets/"
                     "{name}/virtualMachines/{instance id} (Uniform) or .../virtualMachines/{name} (Flexible)."
                     % resource_id)


def _record_by_resource_id(clients, resource_id, with_network):
    try:
        subscription_id = parse_resource_id(resource_id)["subscription_id"]
    except ValueError as exc:
        raise FleetError("id: %s" % exc)
    compute = clients.compute(subscription_id)
    vm = _vm_from_resource_id(compute, resource_id)
    if vm is None:
        raise FleetError("The instance '%s' does not exist (any more)." % resource_id, status=404,
                         code="NotFound")
    ref = scale_set_ref_from_vm(vm)
    if ref is None:
        raise FleetError("VM '%s' is not a member of a scale set." % resource_id)
    addresses = read_vm_addresses(clients.network(subscription_id), vm) if with_network else None
    return instance_record(vm, ref, addresses)


def _get_scale_set(compute, resource_group, name):
    vmss = _get_or_none("scale set '%s' in resource group '%s'" % (name, resource_group),
                        compute.virtual_machine_scale_sets.get, resource_group, name)
    if vmss is None:
        raise FleetError("Scale set '%s' does not exist in resource group '%s'." % (name, resource_group),
                         status=404, code="NotFound")
    return vmss


def _record_by_name(clients, params):
    compute = clients.compute()
    vmss = _get_scale_set(compute, params["resource_group"], params["scale_set"])
    identifier = str(params["instance_id"])
    record = member_record(compute, clients.network(), vmss, identifier, True, params["network"])
    if record is None:
        raise not_an_instance(identifier, vmss)
    return record


def scale_set_records(clients, scale_set_id, with_network=True):
    """Every VM of one scale set as records with their instance views (the listing instance_facts shares
    among a task's hosts): one GET of the set plus its paged lists."""
    try:
        parts = parse_resource_id(scale_set_id)
    except ValueError as exc:
        raise FleetError("scale set id: %s" % exc)
    compute = clients.compute(parts["subscription_id"])
    vmss = _get_scale_set(compute, parts["resource_group"], parts["name"])
    network = clients.network(parts["subscription_id"]) if with_network else None
    listing = list_fleet(compute, network, [vmss], instance_view=True, with_network=with_network)
    listing.raise_failures()
    return listing.records


def instance_facts(clients, params):
    """The result of instance_facts: ``ansible_facts.vmss_instance`` = the record with its instance view."""
    check_facts_options(params)
    if params.get("id"):
        record = _record_by_resource_id(clients, params["id"], params["network"])
    else:
        record = _record_by_name(clients, params)
    return {"changed": False, "ansible_facts": {"vmss_instance": record}}
