# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn Azure's raw JSON (``model.as_dict()``) into the collection's plain records.

One function builds the instance record for both orchestration modes, so the
modules, the facts module and the inventory plugin all report the same fields.
Everything here is pure: plain dicts in, plain dicts out, no SDK import.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re


UNIFORM = "Uniform"
FLEXIBLE = "Flexible"

STATUS_KEYS = ("code", "level", "display_status", "message", "time")

POWER_STATE_PREFIX = "PowerState/"
PROVISIONING_STATE_PREFIX = "ProvisioningState/"
HEALTH_STATE_PREFIX = "HealthState/"

# Status codes that a scale set's status summary counts.
SUMMARY_PREFIXES = (PROVISIONING_STATE_PREFIX, POWER_STATE_PREFIX)


# ---------------------------------------------------------------------------
# Small access helpers
# ---------------------------------------------------------------------------

def dig(obj, *path):
    """Follow ``path`` through nested dicts; None as soon as a step is missing."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _first_present(obj, *keys):
    """The value of the first key present in ``obj`` (raw camelCase or snake_case)."""
    if not isinstance(obj, dict):
        return None
    for key in keys:
        if obj.get(key) is not None:
            return obj[key]
    return None


def _lower(value):
    return value.lower() if isinstance(value, str) else None


def _same_id(left, right):
    """ARM resource IDs are case-insensitive."""
    return bool(left) and bool(right) and left.lower() == right.lower()


# ---------------------------------------------------------------------------
# Resource IDs
# ---------------------------------------------------------------------------

def parse_resource_id(resource_id):
    """Split an ARM resource ID into its parts.

    Returns ``subscription_id``, ``resource_group``, ``provider`` (namespace),
    ``type`` (top-level type), ``name`` (top-level name) and ``children``
    (a list of ``{type, name}`` below it). Parts that the ID does not reach are
    None. The keywords are matched case-insensitively because Azure returns
    both ``resourceGroups`` and ``resourcegroups``.
    """
    if not isinstance(resource_id, str) or not resource_id.strip("/"):
        raise ValueError("not an Azure resource ID: %r" % (resource_id,))
    segments = resource_id.strip("/").split("/")
    if segments[0].lower() != "subscriptions" or len(segments) < 2:
        raise ValueError(
            "not an Azure resource ID: %r (expected /subscriptions/<id>/resourceGroups/<name>/providers/...)"
            % (resource_id,))

    parts = {
        "subscription_id": segments[1],
        "resource_group": None,
        "provider": None,
        "type": None,
        "name": None,
        "children": [],
    }
    rest = segments[2:]
    if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
        parts["resource_group"] = rest[1]
        rest = rest[2:]
    if len(rest) >= 2 and rest[0].lower() == "providers":
        parts["provider"] = rest[1]
        _fill_type_and_name(parts, rest[2:])
    return parts


def _fill_type_and_name(parts, segments):
    """Read ``type/name[/childType/childName...]`` after the provider namespace."""
    pairs = [segments[index:index + 2] for index in range(0, len(segments), 2)]
    if not pairs:
        return
    parts["type"] = pairs[0][0]
    parts["name"] = pairs[0][1] if len(pairs[0]) == 2 else None
    for pair in pairs[1:]:
        parts["children"].append({"type": pair[0], "name": pair[1] if len(pair) == 2 else None})


# ---------------------------------------------------------------------------
# camelCase -> snake_case
# ---------------------------------------------------------------------------

# One word of a camelCase key: a plural acronym (``CPUs``), an acronym before
# the next word or at the end (``VM`` in ``isVMIn``), a word, or digits.
_CAMEL_WORD = re.compile(r"[A-Z]{2,}s(?=[A-Z]|$)|[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+\d*|[A-Z]+|\d+")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9]+$")


# Instance views repeat the same few dozen keys thousands of times: convert each once.
_SNAKE_CACHE = {}


def snake_case(key):
    """``rdpThumbPrint`` -> ``rdp_thumb_print``; keys that are not plain camelCase stay as they are."""
    if not isinstance(key, str):
        return key
    converted = _SNAKE_CACHE.get(key)
    if converted is None:
        if not _PLAIN_KEY.match(key) or key.islower():
            converted = key
        else:
            converted = "_".join(word.lower() for word in _CAMEL_WORD.findall(key))
        _SNAKE_CACHE[key] = converted
    return converted


# How a snake_cased key's value is treated: a list of statuses, one status, or anything else.
_PLAIN, _STATUS_LIST, _STATUS = 0, 1, 2
_KEY_KINDS = {}


def _key_and_kind(key):
    """(snake_case key, kind) of a raw key, computed once per distinct key."""
    found = _KEY_KINDS.get(key)
    if found is None:
        new_key = snake_case(key)
        kind = _STATUS_LIST if new_key.endswith("statuses") else _STATUS if new_key == "status" else _PLAIN
        found = _KEY_KINDS[key] = (new_key, kind)
    return found


def snake_case_keys(obj):
    """Recursively snake_case the keys of an instance view.

    Statuses (``statuses``, ``substatuses``, any ``...statuses`` list and a
    ``status`` object) always carry the five keys code, level, display_status,
    message and time, None where Azure left one out.
    """
    if isinstance(obj, list):
        return [snake_case_keys(item) for item in obj]
    if not isinstance(obj, dict):
        return obj
    converted = {}
    for key, value in obj.items():
        new_key, kind = _key_and_kind(key)
        if kind == _STATUS_LIST and isinstance(value, list):
            converted[new_key] = [normalize_status(status) for status in value]
        elif kind == _STATUS and isinstance(value, dict):
            converted[new_key] = normalize_status(value)
        elif isinstance(value, (dict, list)):
            converted[new_key] = snake_case_keys(value)
        else:
            converted[new_key] = value
    return converted


def normalize_status(status):
    """One InstanceViewStatus with all five keys (extra keys kept, snake_cased)."""
    if not isinstance(status, dict):
        return status
    converted = snake_case_keys(status)
    normalized = {key: converted.get(key) for key in STATUS_KEYS}
    for key, value in converted.items():
        normalized.setdefault(key, value)
    return normalized


# ---------------------------------------------------------------------------
# Instance view readings
# ---------------------------------------------------------------------------

def _statuses(instance_view):
    statuses = dig(instance_view, "statuses")
    return [status for status in statuses or [] if isinstance(status, dict)]


def _status_with_prefix(statuses, prefix):
    """The first status whose code starts with ``prefix`` (case-insensitive)."""
    for status in statuses:
        code = status.get("code")
        if isinstance(code, str) and code.lower().startswith(prefix.lower()):
            return status
    return None


def _code_word(status, prefix):
    """``ProvisioningState/failed/InternalError`` -> ``failed``."""
    return status["code"][len(prefix):].split("/")[0].lower()


def power_state(instance_view):
    """``running``, ``stopped``, ``deallocated``, ``starting``... or ``unknown`` when not reported."""
    status = _status_with_prefix(_statuses(instance_view), POWER_STATE_PREFIX)
    if status is None:
        return "unknown"
    return _code_word(status, POWER_STATE_PREFIX) or "unknown"


def provisioning_state(vm, instance_view=None):
    """Lowercase provisioning state, e.g. ``succeeded``, ``updating``, ``failed``.

    The instance view's status wins over ``properties.provisioningState``: it
    shows an operation in flight (a restart reports ``updating`` there).
    Without an explicit ``instance_view`` the VM's own embedded one is used.
    """
    if instance_view is None:
        instance_view = dig(vm, "properties", "instanceView")
    status = _status_with_prefix(_statuses(instance_view), PROVISIONING_STATE_PREFIX)
    if status is not None and _code_word(status, PROVISIONING_STATE_PREFIX):
        return _code_word(status, PROVISIONING_STATE_PREFIX)
    return _lower(dig(vm, "properties", "provisioningState"))


def health(instance_view):
    """``healthy``, ``unhealthy``, ``unknown`` from vmHealth; None when the VM reports no health."""
    vm_health = _first_present(instance_view, "vmHealth", "vm_health")
    if not isinstance(vm_health, dict):
        return None
    status = _status_with_prefix([vm_health.get("status") or {}], HEALTH_STATE_PREFIX)
    if status is None:
        return "unknown"
    return _code_word(status, HEALTH_STATE_PREFIX) or "unknown"


def os_disk_provisioned_at(instance_view, os_disk_name=None):
    """When the OS disk was last (re)provisioned, as an aware datetime, or None.

    The instance view lists disks by name only; Azure lists the OS disk first,
    so without ``os_disk_name`` the first disk is taken.
    """
    disk = _os_disk_view(instance_view, os_disk_name)
    status = _status_with_prefix(_statuses(disk), PROVISIONING_STATE_PREFIX)
    return parse_time(status.get("time")) if status else None


def _os_disk_view(instance_view, os_disk_name):
    disks = [disk for disk in dig(instance_view, "disks") or [] if isinstance(disk, dict)]
    if os_disk_name:
        for disk in disks:
            if _lower(disk.get("name")) == os_disk_name.lower():
                return disk
        return None
    return disks[0] if disks else None


def last_operation_at(instance_view):
    """When the VM's last operation completed (its ProvisioningState status time), or None."""
    status = _status_with_prefix(_statuses(instance_view), PROVISIONING_STATE_PREFIX)
    return parse_time(status.get("time")) if status else None


_ISO_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|z|[+-]\d{2}:?\d{2})?$")


def parse_time(value):
    """An Azure timestamp as a timezone-aware datetime (UTC when no offset is given); None if empty.

    Written out because Azure sends 7 fractional digits, which
    ``datetime.fromisoformat`` only accepts from Python 3.11.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    match = _ISO_TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError("not an ISO 8601 timestamp: %r" % (value,))
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    microsecond = int((match.group(7) or "0")[:6].ljust(6, "0"))
    return datetime.datetime(year, month, day, hour, minute, second, microsecond, _parse_offset(match.group(8)))


def _parse_offset(text):
    if not text or text in ("Z", "z"):
        return datetime.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return datetime.timezone(sign * offset)


# ---------------------------------------------------------------------------
# Scale set references
# ---------------------------------------------------------------------------

def orchestration_mode(vmss):
    """``Uniform`` or ``Flexible``; a scale set that does not say is Uniform (Azure's default)."""
    mode = dig(vmss, "properties", "orchestrationMode")
    if _lower(mode) == FLEXIBLE.lower():
        return FLEXIBLE
    return UNIFORM


def scale_set_ref(vmss):
    """The small dict that instance records carry about their scale set."""
    parts = parse_resource_id(vmss["id"])
    return {
        "name": vmss.get("name") or parts["name"],
        "id": vmss["id"],
        "resource_group": parts["resource_group"],
        "subscription_id": parts["subscription_id"],
        "orchestration_mode": orchestration_mode(vmss),
    }


def scale_set_ref_from_vm(vm):
    """The scale set reference read from a VM alone, when the scale set itself was not fetched.

    A Uniform VM's ID lives under its scale set; a Flexible member points at
    its scale set through ``properties.virtualMachineScaleSet.id``.
    """
    parts = parse_resource_id(vm["id"])
    if _lower(parts["type"]) == "virtualmachinescalesets":
        mode = UNIFORM
        scale_set_id = "/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s" % (
            parts["subscription_id"], parts["resource_group"], parts["provider"], parts["type"], parts["name"])
    else:
        mode = FLEXIBLE
        scale_set_id = dig(vm, "properties", "virtualMachineScaleSet", "id")
        if not scale_set_id:
            return None
    ref = scale_set_ref({"id": scale_set_id})
    ref["orchestration_mode"] = mode
    return ref


# ---------------------------------------------------------------------------
# The instance record
# ---------------------------------------------------------------------------

def instance_record(vm, scale_set, network=None, keep_instance_view=True):
    """The normalized record of one scale-set VM, Uniform or Flexible.

    ``vm`` is the raw JSON of a scale-set VM (Uniform) or of a member VM
    (Flexible); ``scale_set`` is a ``scale_set_ref``; ``network`` is an
    optional ``{"private_ips": [...], "public_ips": [...]}``. With
    ``keep_instance_view`` false the record's fields still come from the
    instance view, but ``instance_view`` itself is None (not converted).
    """
    if scale_set is None:
        scale_set = scale_set_ref_from_vm(vm) or {}
    properties = vm.get("properties") or {}
    view = properties.get("instanceView")
    uniform = scale_set.get("orchestration_mode") == UNIFORM
    id_parts = parse_resource_id(vm["id"])
    network = network or {}

    return {
        "name": vm.get("name"),
        "instance_id": _uniform_instance_id(vm, id_parts) if uniform else vm.get("name"),
        "id": vm["id"],
        "vm_id": properties.get("vmId"),
        "scale_set": scale_set.get("name"),
        "scale_set_id": scale_set.get("id"),
        "resource_group": id_parts["resource_group"] or scale_set.get("resource_group"),
        "subscription_id": id_parts["subscription_id"] or scale_set.get("subscription_id"),
        "orchestration_mode": scale_set.get("orchestration_mode"),
        "location": vm.get("location"),
        "zones": list(vm.get("zones") or []),
        "computer_name": dig(view, "computerName") or dig(properties, "osProfile", "computerName"),
        "power_state": power_state(view),
        "provisioning_state": provisioning_state(vm, view),
        "health": health(view),
        "fault_domain": _first_not_none(dig(view, "platformFaultDomain"), properties.get("platformFaultDomain")),
        "update_domain": dig(view, "platformUpdateDomain"),
        "latest_model_applied": properties.get("latestModelApplied") if uniform else None,
        "protection": _protection(properties) if uniform else None,
        "os_disk_ephemeral": is_ephemeral_os_disk(properties.get("storageProfile")),
        # Names the OS disk among the view's disks, whose status time tells when it was last (re)imaged.
        "os_disk_name": dig(properties, "storageProfile", "osDisk", "name"),
        "private_ips": list(network.get("private_ips") or []),
        "public_ips": list(network.get("public_ips") or []),
        "tags": dict(vm.get("tags") or {}),
        "instance_view": snake_case_keys(view) if view is not None and keep_instance_view else None,
    }


def _first_not_none(*values):
    for value in values:
        if value is not None:
            return value
    return None


def _uniform_instance_id(vm, id_parts):
    """The instance ID exactly as Azure reports it.

    Read from ``instanceId``; when a trimmed response leaves that out, from
    the VM's own resource ID (``.../virtualMachines/{instanceId}``). Never
    derived from the VM name or a position.
    """
    if vm.get("instanceId") is not None:
        return str(vm["instanceId"])
    children = id_parts["children"]
    if children and _lower(children[-1]["type"]) == "virtualmachines":
        return children[-1]["name"]
    return None


def _protection(properties):
    """A Uniform VM's protection policy; Azure leaves it out when nothing is protected."""
    policy = properties.get("protectionPolicy") or {}
    return {
        "protect_from_scale_in": bool(policy.get("protectFromScaleIn")),
        "protect_from_scale_set_actions": bool(policy.get("protectFromScaleSetActions")),
    }


def is_ephemeral_os_disk(storage_profile):
    """True when the OS disk lives on the host's local storage (``diffDiskSettings.option: Local``)."""
    option = dig(storage_profile, "osDisk", "diffDiskSettings", "option")
    return _lower(option) == "local"


# ---------------------------------------------------------------------------
# Network join
# ---------------------------------------------------------------------------

def ips_by_vm_id(nics, public_ips, vm_ids=None):
    """Join NICs and public IPs to ``{lowercased VM id: {"private_ips": [...], "public_ips": [...]}}``, for the
    VMs of ``vm_ids`` (lowercase) only when given: a resource group's list serves several scale sets.

    The primary NIC and, within a NIC, the primary IP configuration come first,
    so the first address of each list is the one to connect to.
    """
    public_ip_by_id = _public_ip_addresses(public_ips)
    nics_by_vm = {}
    for nic in nics or []:
        vm_id = claimed_vm_id(nic)
        if vm_id and (vm_ids is None or vm_id in vm_ids):
            nics_by_vm.setdefault(vm_id, []).append(nic)

    joined = {}
    for vm_id, vm_nics in nics_by_vm.items():
        addresses = {"private_ips": [], "public_ips": []}
        for nic in _primary_first(vm_nics):
            _add_nic_addresses(addresses, nic, public_ip_by_id)
        joined[vm_id] = addresses
    return joined


def claimed_vm_id(nic):
    """The lowercase id of the VM a NIC is attached to ("" when none)."""
    return (dig(nic, "properties", "virtualMachine", "id") or "").lower()


def named_nic_ids(vm):
    """The lowercase ids of the NICs a VM's network profile names."""
    return [nic["id"].lower() for nic in dig(vm, "properties", "networkProfile", "networkInterfaces") or []
            if nic.get("id")]


def public_ip_refs(nic):
    """The lowercase ids of the public IPs a NIC's IP configurations name."""
    refs = []
    for ip_configuration in dig(nic, "properties", "ipConfigurations") or []:
        public_ip_id = dig(ip_configuration, "properties", "publicIPAddress", "id")
        if public_ip_id:
            refs.append(public_ip_id.lower())
    return refs


def attach_network(record, network):
    """The record with the addresses of an ``ips_by_vm_id`` entry (None leaves both lists empty)."""
    network = network or {}
    record["private_ips"] = list(network.get("private_ips") or [])
    record["public_ips"] = list(network.get("public_ips") or [])
    return record


def network_for_vm(ips, vm_id):
    """The entry of an ``ips_by_vm_id`` result for one VM (IDs compared case-insensitively)."""
    return (ips or {}).get((vm_id or "").lower())


def _public_ip_addresses(public_ips):
    addresses = {}
    for public_ip in public_ips or []:
        address = dig(public_ip, "properties", "ipAddress")
        if public_ip.get("id") and address:
            addresses[public_ip["id"].lower()] = address
    return addresses


def _primary_first(items):
    """Stable sort: items flagged ``properties.primary`` first, the rest in API order."""
    return sorted(items, key=lambda item: not dig(item, "properties", "primary"))


def _add_nic_addresses(addresses, nic, public_ip_by_id):
    for ip_configuration in _primary_first(dig(nic, "properties", "ipConfigurations") or []):
        private_ip = dig(ip_configuration, "properties", "privateIPAddress")
        public_ip_id = dig(ip_configuration, "properties", "publicIPAddress", "id")
        public_ip = public_ip_by_id.get(public_ip_id.lower()) if public_ip_id else None
        _append_once(addresses["private_ips"], private_ip)
        _append_once(addresses["public_ips"], public_ip)


def _append_once(values, value):
    if value and value not in values:
        values.append(value)


# ---------------------------------------------------------------------------
# The scale set record
# ---------------------------------------------------------------------------

def scale_set_record(vmss, instance_view=None, members=None):
    """The record scaleset_info returns for one scale set.

    ``instance_view`` is the scale set's own instance view (Uniform only);
    ``members`` are instance records. The status summary comes from the
    instance view when there is one, else it is counted over the members.
    """
    properties = vmss.get("properties") or {}
    profile = properties.get("virtualMachineProfile") or {}
    ref = scale_set_ref(vmss)
    record = {
        "name": ref["name"],
        "id": ref["id"],
        "resource_group": ref["resource_group"],
        "subscription_id": ref["subscription_id"],
        "location": vmss.get("location"),
        "orchestration_mode": ref["orchestration_mode"],
        "sku": _sku(vmss.get("sku")),
        "capacity": dig(vmss, "sku", "capacity"),
        "computer_name_prefix": dig(profile, "osProfile", "computerNamePrefix"),
        "upgrade_policy": dig(properties, "upgradePolicy", "mode"),
        "zones": list(vmss.get("zones") or []),
        "tags": dict(vmss.get("tags") or {}),
        "provisioning_state": _lower(properties.get("provisioningState")),
        "platform_fault_domain_count": properties.get("platformFaultDomainCount"),
        "single_placement_group": properties.get("singlePlacementGroup"),
        "os_disk_ephemeral": is_ephemeral_os_disk(profile.get("storageProfile")),
        "unique_id": properties.get("uniqueId"),
        "time_created": properties.get("timeCreated"),
        "status_summary": _status_summary(instance_view, members),
    }
    if members is not None:
        record["instance_count"] = len(members)
    return record


def _sku(sku):
    if not isinstance(sku, dict):
        return None
    return {"name": sku.get("name"), "tier": sku.get("tier"), "capacity": sku.get("capacity")}


def _status_summary(instance_view, members):
    summary = dig(instance_view, "virtualMachine", "statusesSummary")
    if summary is not None:
        return status_summary_from_instance_view(instance_view)
    if members is not None:
        return status_summary_from_members(members)
    return None


def status_summary_from_instance_view(instance_view):
    """``{status code: count}`` from a Uniform scale set's ``virtualMachine.statusesSummary``."""
    summary = {}
    for entry in dig(instance_view, "virtualMachine", "statusesSummary") or []:
        if isinstance(entry, dict) and entry.get("code"):
            summary[entry["code"]] = summary.get(entry["code"], 0) + (entry.get("count") or 0)
    return summary


def status_summary_from_members(records):
    """``{status code: count}`` over instance records, the same shape as Uniform's summary.

    Counts each member's ProvisioningState/* and PowerState/* codes. A member
    listed without an instance view still counts under its provisioning state.
    """
    summary = {}
    for record in records:
        for code in _member_status_codes(record):
            summary[code] = summary.get(code, 0) + 1
    return summary


def _is_summary_code(code):
    return isinstance(code, str) and code.lower().startswith(tuple(prefix.lower() for prefix in SUMMARY_PREFIXES))


def _member_status_codes(record):
    view = record.get("instance_view")
    if view is not None:
        return [status["code"] for status in _statuses(view) if _is_summary_code(status.get("code"))]
    if record.get("provisioning_state"):
        return [PROVISIONING_STATE_PREFIX + record["provisioning_state"]]
    return []
