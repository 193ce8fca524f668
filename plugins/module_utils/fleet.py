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
    list_group_network,
    list_members,
    list_scale_set_network,
    list_scale_sets,
    match_names,
    orchestration_mode,
    resource_group_of,
    run_bounded,
)
from ansible_collections.vmss.fleet.plugins.module_utils.records import (
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


def _uniform_addresses(network, vmss):
    return ips_by_vm_id(*list_scale_set_network(network, vmss))


def _group_addresses(network, vmss):
    return ips_by_vm_id(*list_group_network(network, vmss))


def _attempt(what, function, *args):
    """(result, None) or (None, (what, FleetError)): one unit of work that may fail on its own."""
    try:
        return function(*args), None
    except FleetError as exc:
        return None, (what, exc)
    except Exception as exc:  # anything the SDK raises that from_azure did not see first
        return None, (what, from_azure(exc, "reading %s" % what))


def list_fleet(compute, network, scale_sets, instance_view=True, with_network=True, max_concurrency=8):
    """Records of every VM of the given scale-set dicts, with the plan described in the module docstring."""
    listing = FleetListing()
    listing.scale_sets = list(scale_sets)

    def read_set(vmss):
        members, failure = _attempt("scale set '%s'" % vmss["name"], list_members, compute, vmss, instance_view)
        addresses = None
        if failure is None and with_network and orchestration_mode(vmss) != FLEXIBLE:
            addresses, failure = _attempt("network of scale set '%s'" % vmss["name"], _uniform_addresses,
                                          network, vmss)
        return vmss, members, addresses, failure

    # One representative Flexible scale set per resource group: its NIC and public-IP lists serve them all.
    flexible_groups = {}
    for vmss in scale_sets:
        if with_network and orchestration_mode(vmss) == FLEXIBLE:
            flexible_groups.setdefault(resource_group_of(vmss["id"]).lower(), vmss)

    def read_group(vmss):
        group = resource_group_of(vmss["id"])
        addresses, failure = _attempt("network of resource group '%s'" % group, _group_addresses, network, vmss)
        return group, addresses, failure

    work = [("set", vmss) for vmss in scale_sets] + [("group", vmss) for _key, vmss in sorted(flexible_groups.items())]
    results = run_bounded(lambda item: read_set(item[1]) if item[0] == "set" else read_group(item[1]),
                          work, max_concurrency)

    group_addresses = {}
    set_results = []
    for item, result in zip(work, results):
        if item[0] == "group":
            group, addresses, failure = result
            group_addresses[group.lower()] = addresses or {}
        else:
            set_results.append(result)
        if result[-1] is not None:
            listing.failures.append(result[-1])

    for vmss, members, addresses, failure in set_results:
        if members is None:
            continue
        ref = scale_set_ref(vmss)
        if orchestration_mode(vmss) == FLEXIBLE:
            addresses = group_addresses.get(ref["resource_group"].lower(), {})
        for vm in members:
            listing.records.append(instance_record(vm, ref, network_for_vm(addresses, vm.get("id"))))
    return listing
