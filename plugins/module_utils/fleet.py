# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a fleet of scale-set VMs as records: the request plan shared by instance_info and the inventory.

Per scale set, one paged list carries every VM with its instance view (see ``listing.list_members``).
Addresses come from lists too: a Uniform scale set's NICs and public IPs (one list each per set), and for
Flexible members the NICs and public IPs of their resource group (one list each per group, shared by every
Flexible set in it). Scale sets and resource groups are read concurrently, bounded by ``max_concurrency``.

A part that cannot be read is recorded in ``FleetListing.failures`` with what it was; callers decide
whether that fails the run (modules, the inventory by default) or becomes a named warning.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, from_azure
from ansible_collections.vmss.fleet.plugins.module_utils.listing import (
    FLEXIBLE,
    ADDRESS_LISTS,
    list_group_addresses,
    list_members,
    list_scale_set_addresses,
    list_scale_sets,
    match_names,
    orchestration_mode,
    resource_group_of,
    run_bounded,
)
from ansible_collections.vmss.fleet.plugins.module_utils.records import (
    attach_network,
    instance_record,
    ips_by_vm_id,
    network_for_vm,
    scale_set_ref,
)


class FleetListing(object):
    """What a listing found: scale-set dicts, instance records, and the parts it could not read."""

    def __init__(self):
        self.scale_sets = []
        self.records = []
        self.failures = []  # (description, FleetError)

    def raise_failures(self):
        """Fail naming every part that could not be read."""
        if self.failures:
            if len(self.failures) == 1:
                raise self.failures[0][1]
            raise FleetError("Could not read %d parts of the fleet: %s" % (
                len(self.failures), "; ".join(error.message for _what, error in self.failures)))


def select_scale_sets(compute, resource_group=None, names=None, modes=None):
    """The scale sets in scope: resource group or subscription, names/globs, orchestration modes."""
    found = match_names(list_scale_sets(compute, resource_group), names)
    if modes:
        wanted = set(mode.lower() for mode in modes)
        found = [vmss for vmss in found if orchestration_mode(vmss).lower() in wanted]
    return sorted(found, key=lambda vmss: vmss["id"].lower())


def _member_records(compute, vmss, instance_view, keep_instance_view):
    """Records of one scale set's VMs, built on the reading thread as soon as its list arrives, so this CPU
    work overlaps the other lists' round trips (addresses are attached later)."""
    ref = scale_set_ref(vmss)
    return [instance_record(vm, ref, keep_instance_view=keep_instance_view)
            for vm in list_members(compute, vmss, instance_view)]


def _attempt(what, function, *args):
    """(result, None) or (None, (what, FleetError)): one unit of work that may fail on its own."""
    try:
        return function(*args), None
    except FleetError as exc:
        return None, (what, exc)
    except Exception as exc:  # anything the SDK raises that from_azure did not see first
        return None, (what, from_azure(exc, "reading %s" % what))


def _reads(scale_sets, instance_view, with_network, keep_instance_view=True):
    """Every independent read of the plan as (kind, key, description, function, args).

    NICs and public IPs are separate reads, so neither waits for the other's pages.
    """
    reads = []
    flexible_groups = {}
    for vmss in scale_sets:
        reads.append(("members", vmss["id"].lower(), "scale set '%s'" % vmss["name"], _member_records,
                      (vmss, instance_view, keep_instance_view)))
        if not with_network:
            continue
        if orchestration_mode(vmss) == FLEXIBLE:
            # One representative per resource group: the group's NIC and public-IP lists serve every set in it.
            flexible_groups.setdefault(_group_key(vmss), vmss)
            continue
        for kind in ADDRESS_LISTS:
            reads.append((kind, vmss["id"].lower(), "network of scale set '%s'" % vmss["name"],
                          list_scale_set_addresses, (vmss, kind)))
    for key, vmss in sorted(flexible_groups.items()):
        for kind in ADDRESS_LISTS:
            reads.append((kind, key, "network of resource group '%s'" % resource_group_of(vmss["id"]),
                          list_group_addresses, (vmss, kind)))
    # Group lists carry every Flexible member of a group, the longest chains of pages: start them first.
    return sorted(reads, key=lambda read: not read[1].startswith(_GROUP_PREFIX))


_GROUP_PREFIX = "group:"


def _group_key(vmss):
    parts = vmss["id"].split("/")
    return "%s%s/%s" % (_GROUP_PREFIX, parts[2].lower(), resource_group_of(vmss["id"]).lower())


def list_fleet(compute, network, scale_sets, instance_view=True, with_network=True, max_concurrency=8,
               keep_instance_view=True):
    """Records of every VM of the given scale-set dicts, with the plan described in the module docstring.

    ``instance_view`` asks Azure for the instance views (power state, health... come from them);
    ``keep_instance_view`` false leaves the whole view out of the records once those fields are read.

    Every list (a set's VMs, a Uniform set's NICs and public IPs, a resource group's NICs and public IPs) is an
    independent read, run concurrently up to ``max_concurrency``.
    """
    listing = FleetListing()
    listing.scale_sets = list(scale_sets)
    reads = _reads(listing.scale_sets, instance_view, with_network, keep_instance_view)
    clients = {"members": compute, "nics": network, "public_ips": network}

    def perform(read):
        kind, _key, what, function, args = read
        return _attempt(what, function, clients[kind], *args)

    found = {}
    for read, (value, failure) in zip(reads, run_bounded(perform, reads, max_concurrency)):
        if failure is not None:
            listing.failures.append(failure)
        found[(read[0], read[1])] = value

    addresses_by_key = {}
    for vmss in listing.scale_sets:
        members = found.get(("members", vmss["id"].lower()))
        if members is None:
            continue
        address_key = _group_key(vmss) if orchestration_mode(vmss) == FLEXIBLE else vmss["id"].lower()
        if address_key not in addresses_by_key:
            addresses_by_key[address_key] = ips_by_vm_id(found.get(("nics", address_key)),
                                                         found.get(("public_ips", address_key)))
        addresses = addresses_by_key[address_key]
        for record in members:
            listing.records.append(attach_network(record, network_for_vm(addresses, record["id"])))
    return listing
