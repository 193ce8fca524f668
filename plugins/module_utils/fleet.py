# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a fleet of scale-set VMs as records: which scale sets, and the request plan that lists their VMs.

Every module and the inventory choose scale sets with ``choose_scale_sets`` (names or globs, orchestration
modes, tags). Per scale set, one paged list carries every VM with its instance view (see
``listing.list_members``). Addresses come from lists too: a Uniform scale set's NICs and public IPs (one list
each per set), and for Flexible members the NICs and public IPs of their resource group (one list each per
group, shared by every Flexible set in it). Scale sets and resource groups are read concurrently, bounded by
``max_concurrency``; ``read_fleet`` does the same across subscriptions and resource groups (the inventory).

A part that cannot be read is recorded in ``FleetListing.failures`` (``FleetRead.failures``) with what it was;
callers decide whether that fails the run (modules, the inventory by default) or becomes a named warning. Only
Azure's refusals are recorded so: any other exception is a bug and propagates.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.listing import (
    ADDRESS_LISTS,
    list_group_addresses,
    list_members,
    list_scale_set_addresses,
    list_scale_sets,
    resource_group_of,
    run_bounded,
)
from ansible_collections.vmss.fleet.plugins.module_utils.records import (
    FLEXIBLE,
    attach_network,
    instance_record,
    ips_by_vm_id,
    network_for_vm,
    orchestration_mode,
    scale_set_ref,
)

GLOB_CHARS = "*?["
ALL_SUBSCRIPTIONS = "all"


# ---------------------------------------------------------------------------
# Which scale sets
# ---------------------------------------------------------------------------

def is_glob(pattern):
    return any(char in pattern for char in GLOB_CHARS)


def _matches(name, pattern):
    # Azure's names compare case-insensitively.
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def unmatched_names(items, patterns):
    """The patterns (exact names or globs) that match no item's ``name``."""
    return [pattern for pattern in patterns or [] if not any(_matches(item["name"], pattern) for item in items)]


def match_names(items, patterns, what="scale set"):
    """Items whose ``name`` matches any pattern, in the items' order; no patterns keep every item.

    A pattern that matches nothing is an error naming it: a typo must not look like an empty fleet.
    """
    if not patterns:
        return list(items)
    unmatched = unmatched_names(items, patterns)
    if unmatched:
        available = ", ".join(sorted(item["name"] for item in items)) or "none"
        raise FleetError("No %s matches %s (available: %s)." % (
            what, ", ".join("'%s'" % p for p in unmatched), available))
    return [item for item in items if any(_matches(item["name"], pattern) for pattern in patterns)]


def matches_tags(item, tags):
    """True when every wanted tag is present; a wanted value of None (or '') only requires the key."""
    have = item.get("tags") or {}
    for key, value in (tags or {}).items():
        if key not in have or (value not in (None, "") and have[key] != value):
            return False
    return True


def choose_scale_sets(scale_sets, names=None, modes=None, tags=None):
    """The scale-set dicts in scope, sorted by id: names or globs, then orchestration modes, then tags.

    Names come first, so a glob that only matches scale sets of the other mode is not reported as a typo.
    """
    chosen = match_names(scale_sets, names)
    if modes:
        wanted = set(mode.lower() for mode in modes)
        chosen = [vmss for vmss in chosen if orchestration_mode(vmss).lower() in wanted]
    chosen = [vmss for vmss in chosen if matches_tags(vmss, tags)]
    return sorted(chosen, key=lambda vmss: vmss["id"].lower())


def select_scale_sets(compute, resource_group=None, names=None, modes=None, tags=None):
    """The scale sets in scope of one subscription: those of a resource group (or all), chosen as above."""
    return choose_scale_sets(list_scale_sets(compute, resource_group), names, modes, tags)


# ---------------------------------------------------------------------------
# The VMs of scale sets, as records
# ---------------------------------------------------------------------------

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


def _member_records(compute, vmss, instance_view, keep_instance_view, until_seen=None, marks=None):
    """Records of one scale set's VMs, built on the reading thread as soon as its list arrives, so this CPU
    work overlaps the other lists' round trips (addresses are attached later). With ``until_seen``, only the
    records of those VMs: the rest of their pages is not wanted, and normalizing it is most of a read's CPU."""
    ref = scale_set_ref(vmss)
    vms = list_members(compute, vmss, instance_view, until_seen, marks)
    if until_seen is not None:
        vms = [vm for vm in vms if (vm.get("id") or "").lower() in until_seen]
    return [instance_record(vm, ref, keep_instance_view=keep_instance_view) for vm in vms]


def _attempt(what, function, *args):
    """(result, None) or (None, (what, FleetError)): one unit of work that may fail on its own."""
    try:
        return function(*args), None
    except FleetError as exc:  # Azure's refusal, already translated by the listing (errors.azure_errors)
        return None, (what, exc)


def _reads(scale_sets, instance_view, with_network, keep_instance_view=True, until_seen=None, marks=None):
    """Every independent read of the plan as (kind, key, description, function, args).

    NICs and public IPs are separate reads, so neither waits for the other's pages.
    """
    reads = []
    flexible_groups = {}
    for vmss in scale_sets:
        reads.append(("members", vmss["id"].lower(), "scale set '%s'" % vmss["name"], _member_records,
                      (vmss, instance_view, keep_instance_view, until_seen, marks)))
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
               keep_instance_view=True, until_seen=None, marks=None):
    """Records of every VM of the given scale-set dicts, with the plan described in the module docstring.

    ``instance_view`` asks Azure for the instance views (power state, health... come from them);
    ``keep_instance_view`` false leaves the whole view out of the records once those fields are read;
    ``until_seen`` (lowercase VM ids) reads each set's list only until those VMs are in it (list_members), and
    returns only their records; ``marks`` (listing.PageMarks) remembers the page each VM was on, and lets a
    read with ``until_seen`` begin at the page of the first wanted VM.

    Every list (a set's VMs, a Uniform set's NICs and public IPs, a resource group's NICs and public IPs) is an
    independent read, run concurrently up to ``max_concurrency``.
    """
    listing = FleetListing()
    listing.scale_sets = list(scale_sets)
    reads = _reads(listing.scale_sets, instance_view, with_network, keep_instance_view, until_seen, marks)
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


# ---------------------------------------------------------------------------
# Across subscriptions and resource groups (the inventory's scope)
# ---------------------------------------------------------------------------

def subscription_scope(wanted, default_subscription, list_all):
    """Subscription ids to read, in order, without duplicates (ids compare case-insensitively).

    ``wanted`` may contain ``all`` (every subscription ``list_all()`` returns); empty means the credential's
    default subscription. ``default_subscription()`` and ``list_all()`` are only called when needed.
    """
    wanted = [value.strip() for value in wanted or [] if value and value.strip()]
    if not wanted:
        wanted = [default_subscription()]
    chosen, seen = [], set()
    for value in wanted:
        ids = [value]
        if value.lower() == ALL_SUBSCRIPTIONS:
            ids = list_all()
            if not ids:
                raise FleetError("subscriptions: all, but the credential can see no subscription.")
        for subscription_id in ids:
            if subscription_id.lower() not in seen:
                seen.add(subscription_id.lower())
                chosen.append(subscription_id)
    return chosen


def read_scopes(subscriptions, resource_groups):
    """(subscription, resource group or None) pairs: where scale sets are listed."""
    groups = [group for group in resource_groups or [] if group] or [None]
    return [(subscription, group) for subscription in subscriptions for group in groups]


def describe_scope(subscription, resource_group=None):
    if resource_group:
        return "resource group '%s' of subscription '%s'" % (resource_group, subscription)
    return "subscription '%s'" % subscription


def is_missing_group(error):
    """A 404 for a resource group: nothing to list there (other 404s are real failures)."""
    return error.status == 404 and (error.code or "").lower() in ("resourcegroupnotfound", "notfound")


def drop_groups_found_elsewhere(failures, found_groups):
    """Resource groups absent from one subscription are fine when another subscription has them.

    ``failures`` are ``(subscription, group, FleetError)``; ``found_groups`` the lower-cased groups that were
    listed somewhere. A group found nowhere stays a failure.
    """
    return [(subscription, group, error) for subscription, group, error in failures
            if not (group and is_missing_group(error) and group.lower() in found_groups)]


class FleetRead(object):
    """Records read across subscriptions, and ``(what, FleetError)`` for every part that could not be."""

    def __init__(self):
        self.records = []
        self.failures = []
        self.scopes_read = 0


def discover_scale_sets(clients, subscriptions, resource_groups, modes, names, max_concurrency, read):
    """``{subscription: [scale set dicts]}`` in scope; unreadable scopes go to ``read.failures``."""
    scopes = read_scopes(subscriptions, resource_groups)

    def attempt(scope):
        try:
            return scope, list_scale_sets(clients.compute(scope[0]), scope[1]), None
        except FleetError as exc:
            return scope, None, exc

    found, failures, found_groups = {}, [], set()
    for (subscription, group), scale_sets, error in run_bounded(attempt, scopes, max_concurrency):
        if error is not None:
            failures.append((subscription, group, error))
            continue
        read.scopes_read += 1
        if group:
            found_groups.add(group.lower())
        found.setdefault(subscription, []).extend(scale_sets)
    for subscription, group, error in drop_groups_found_elsewhere(failures, found_groups):
        read.failures.append((describe_scope(subscription, group), error))
    return _choose_across(found, names, modes, read)


def _choose_across(found, names, modes, read):
    """``choose_scale_sets`` over everything found, kept per subscription.

    A name matching nothing is an error naming it; when parts could not be read, the scale set may be in them,
    so it is reported with those parts instead.
    """
    everything = [vmss for scale_sets in found.values() for vmss in scale_sets]
    unmatched = unmatched_names(everything, names) if read.failures else []
    if unmatched:
        read.failures.append(("scale sets %s" % ", ".join("'%s'" % p for p in unmatched),
                              FleetError("no scale set matches in what could be read")))
    matched = [pattern for pattern in names or [] if pattern not in unmatched]
    chosen = choose_scale_sets(everything, matched, modes) if matched or not names else []
    kept = set(vmss["id"].lower() for vmss in chosen)
    return dict((subscription, [vmss for vmss in scale_sets if vmss["id"].lower() in kept])
                for subscription, scale_sets in found.items())


def read_fleet(clients, subscriptions, resource_groups, modes, names, max_concurrency, keep_instance_view=True):
    """Every instance record in scope, through ``list_fleet`` (one paged list per scale set)."""
    read = FleetRead()
    by_subscription = discover_scale_sets(clients, subscriptions, resource_groups, modes, names, max_concurrency,
                                          read)
    busy = [subscription for subscription in subscriptions if by_subscription.get(subscription)]
    outer = max(1, min(len(busy), max_concurrency))
    inner = max(1, max_concurrency // outer)

    def list_subscription(subscription):
        return subscription, list_fleet(clients.compute(subscription), clients.network(subscription),
                                        by_subscription[subscription], instance_view=True, with_network=True,
                                        max_concurrency=inner, keep_instance_view=keep_instance_view)

    for subscription, listing in run_bounded(list_subscription, busy, outer):
        read.records.extend(listing.records)
        for what, error in listing.failures:
            read.failures.append(("%s of subscription '%s'" % (what, subscription), error))
    read.records.sort(key=lambda record: record["id"].lower())
    return read
