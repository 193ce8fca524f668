# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a fleet of scale-set VMs as records: which scale sets, and the request plan that lists their VMs.

Every module and the inventory choose scale sets with ``choose_scale_sets`` (names or globs, orchestration
modes, tags). Per scale set, one paged list carries every VM with its instance view (see
``listing.list_members``). Addresses come from lists too: a Uniform scale set's NICs and public IPs (one list
each per set), and for Flexible members the NICs and public IPs of their resource group (one list each per
group, shared by every Flexible set in it). Scale sets and resource groups are read concurrently, bounded by
``max_concurrency``; ``fleet_stream`` does the same across subscriptions and resource groups (the inventory).

A part that cannot be read is recorded in ``FleetListing.failures`` (``FleetRead.failures``) with what it was;
callers decide whether that fails the run (modules, the inventory by default) or becomes a named warning. Only
Azure's refusals are recorded so: any other exception is a bug and propagates.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import queue
from concurrent.futures import ThreadPoolExecutor

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
    claimed_vm_id,
    instance_record,
    ips_by_vm_id,
    named_nic_ids,
    network_for_vm,
    orchestration_mode,
    public_ip_refs,
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


def select_scale_sets(arm, resource_group=None, names=None, modes=None, tags=None):
    """The scale sets in scope of an ``ArmClient``'s subscription: those of a resource group (or all), chosen as
    above."""
    return choose_scale_sets(list_scale_sets(arm, resource_group), names, modes, tags)


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


def _member_records(compute, vmss, instance_view, keep_instance_view, until_seen=None, marks=None, on_page=None):
    """(records, {VM id: NIC ids it names}) of one scale set's VMs, built on the reading thread as each page
    arrives, so this CPU work overlaps the other lists' round trips (addresses are attached later); ``on_page`` is
    told each page's ``(records, nic ids)``. With ``until_seen``, only the records of those VMs: the rest of their
    pages is not wanted, and normalizing it is most of a read's CPU."""
    ref = scale_set_ref(vmss)
    records, nic_ids = [], {}

    def build(vms):
        if until_seen is not None:
            vms = [vm for vm in vms if (vm.get("id") or "").lower() in until_seen]
        page = ([instance_record(vm, ref, keep_instance_view=keep_instance_view) for vm in vms],
                dict(((vm.get("id") or "").lower(), named_nic_ids(vm)) for vm in vms))
        records.extend(page[0])
        nic_ids.update(page[1])
        return page

    if on_page is None or until_seen is not None:
        build(list_members(compute, vmss, instance_view, until_seen, marks))
    else:
        list_members(compute, vmss, instance_view, until_seen, marks, on_page=lambda vms: on_page(build(vms)))
    return records, nic_ids


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
    independent read, run concurrently up to ``max_concurrency``. Records come in the scale sets' order.
    """
    listing = FleetListing()
    listing.scale_sets = list(scale_sets)
    stream = FleetStream(lambda _vmss: (compute, network), listing.scale_sets, instance_view, with_network,
                         max_concurrency, keep_instance_view, until_seen, marks)
    by_set = dict((vmss["id"].lower(), records) for vmss, records in stream)
    for vmss in listing.scale_sets:
        listing.records.extend(by_set.get(vmss["id"].lower()) or [])
    listing.failures = stream.failures
    return listing


class FleetStream(object):
    """The plan of ``list_fleet`` as a stream: iterating yields ``(scale set dict, records)`` for each set as soon
    as its own lists are in, so a caller can use the first sets while the others are still being listed
    (``pages()`` yields them a page at a time). ``records`` is None when the set's VMs could not be read. After
    the iteration, ``failures`` holds ``(what, FleetError)`` in the plan's order.

    A Uniform set waits for its VMs and its own address lists. A Flexible set shares its resource group's
    address lists, the longest chains of pages, and is ready as soon as its VMs are listed and so are the NICs
    they name and the public IPs those NICs name: usually long before the group's lists end.

    ``clients_for(vmss)`` gives the (compute, network) clients of the set's subscription, so one bounded pool
    serves every subscription; ``describe(what, vmss)`` words a failure.
    """

    def __init__(self, clients_for, scale_sets, instance_view=True, with_network=True, max_concurrency=8,
                 keep_instance_view=True, until_seen=None, marks=None, describe=None, by_page=False):
        self.clients_for = clients_for
        self.describe = describe or (lambda what, _vmss: what)
        self.scale_sets = list(scale_sets)
        self.reads = _reads(self.scale_sets, instance_view, with_network, keep_instance_view, until_seen, marks)
        self.with_network = with_network
        self.max_concurrency = max_concurrency
        self.by_page = by_page     # members lists tell their pages: iterate with pages()
        self.failures = []

    def __iter__(self):
        collected = {}
        for vmss, records, over in self.pages():
            key = vmss["id"].lower()
            if records is None:
                collected.pop(key, None)
                yield vmss, None
            elif over:
                yield vmss, collected.pop(key, []) + records
            else:
                collected.setdefault(key, []).extend(records)

    def pages(self):
        """The stream a page at a time (with ``by_page``; without it a set's VMs are one page): yields
        ``(scale set dict, records, over)``.

        A set's pages come in its list's order, each as soon as the addresses its VMs name are listed. The last
        yield of a set has ``over`` true, with the records still to come (often none), or None when its VMs could
        not be read: then the records yielded before are not the whole set. ``failures`` as after iterating.
        """
        pending = dict((vmss["id"].lower(), vmss) for vmss in self.scale_sets)
        needs = dict((key, set(_needed(vmss, self.with_network))) for key, vmss in pending.items())
        waiting = dict((key, []) for key in pending)    # member pages not handed out yet: (records, nic ids)
        told, members_read, failed, lists = set(), {}, {}, {}
        for event, position, read, payload in self._events():
            kind, key = read[0], read[1]
            if kind == "members":
                if event == "page":
                    told.add(key)
                    waiting[key].append(payload)
                else:
                    value = payload[0]
                    members_read[key] = value is not None
                    if value is not None and key not in told:
                        waiting[key].append(value)      # read whole: one page
            else:
                progress = lists.setdefault((kind, key), ListProgress())
                if event == "page":
                    progress.add(payload)
                else:
                    progress.finish(payload[0])
            if event == "done" and payload[1] is not None:
                failed[position] = (self.describe(payload[1][0], read[4][0]), payload[1][1])
            for set_key in [name for name in pending if (kind, key) in needs[name]]:
                vmss = pending[set_key]
                if members_read.get(set_key) is False:
                    yield pending.pop(set_key), None, True
                    continue
                ready = self._ready_pages(vmss, waiting[set_key], lists)
                over = set_key in members_read and not waiting[set_key]
                for index, records in enumerate(ready):
                    yield vmss, records, over and index == len(ready) - 1
                if over:
                    pending.pop(set_key)
                    if not ready:
                        yield vmss, [], True
        self.failures = [failed[position] for position in sorted(failed)]

    def _ready_pages(self, vmss, waiting, lists):
        """Pops from ``waiting`` the pages, in order, whose VMs' addresses are all listed; returns their records
        with the addresses."""
        nics, public_ips = [lists.get((kind, _address_key(vmss)), ListProgress()) for kind in ADDRESS_LISTS]
        ready = []
        while waiting:
            records, nic_ids = waiting[0]
            if self.with_network and not addresses_listed(nic_ids, nics, public_ips):
                break
            waiting.pop(0)
            if self.with_network:
                addresses = named_addresses(nic_ids, nics, public_ips)
                records = [attach_network(record, network_for_vm(addresses, record["id"])) for record in records]
            ready.append(records)
        return ready

    def _events(self):
        """``("page", position, read, items)`` for each page of a group's address list and ``("done", position,
        read, (value, failure))`` for each read, as they happen, from at most ``max_concurrency`` threads; a
        single read (a rolling batch's) runs on this thread, as starting one for it only delayed it."""
        events = queue.Queue()
        if len(self.reads) == 1:
            self._run(0, self.reads[0], events)
            while not events.empty():
                yield _raised_or(events.get())
            return
        with ThreadPoolExecutor(max_workers=max(1, min(self.max_concurrency, len(self.reads)))) as pool:
            for position, read in enumerate(self.reads):
                pool.submit(self._run, position, read, events)
            done = 0
            while done < len(self.reads):
                event = _raised_or(events.get())
                done += event[0] == "done"
                yield event

    def _run(self, position, read, events):
        kind, _key, what, function, args = read
        compute, network = self.clients_for(args[0])
        extra = {}
        told = (list_group_addresses, _member_records, list_scale_set_addresses) if self.by_page else (
            list_group_addresses,)
        if function in told:
            extra["on_page"] = lambda items: events.put(("page", position, read, items))
        try:
            result = _attempt(what, lambda *call: function(*call, **extra),
                              compute if kind == "members" else network, *args)
        except Exception as exc:  # pylint: disable=broad-except
            events.put(("error", position, read, exc))
        else:
            events.put(("done", position, read, result))


def _raised_or(event):
    if event[0] == "error":
        raise event[3]  # a bug, not Azure's refusal: not a part that could not be read
    return event


class ListProgress(object):
    """What an address list has given so far: its items, the lowercase ids among them, the NICs by the VM they
    claim, and whether it ended (a list that failed has ended too: waiting longer would not bring its items)."""

    def __init__(self):
        self.items = []
        self.ids = {}      # lowercase id -> item
        self.by_vm = {}    # lowercase VM id -> the NICs that claim it, in list order
        self.ended = False

    def add(self, items):
        self.items.extend(items)
        for item in items:
            self.ids[(item.get("id") or "").lower()] = item
            vm_id = claimed_vm_id(item)
            if vm_id:
                self.by_vm.setdefault(vm_id, []).append(item)

    def finish(self, value):
        """The read is over; ``value`` is the whole list when its pages were not told one by one."""
        if value is not None and not self.items:
            self.add(value)
        self.ended = True


def addresses_listed(nic_ids, nics, public_ips):
    """True when the addresses of a set's VMs are all in what the lists gave so far (``ListProgress``): every NIC
    a VM names (``nic_ids``: {vm id: [lowercase NIC ids]}) is listed, and so is every public IP those NICs name.
    A VM that names no NIC waits for the end of the NIC list."""
    if nics.ended and public_ips.ended:
        return True
    for vm_nic_ids in nic_ids.values():
        if not vm_nic_ids and not nics.ended:
            return False
        for nic_id in vm_nic_ids:
            if nic_id not in nics.ids:
                if nics.ended:
                    continue
                return False
            if public_ips.ended:
                continue
            if any(ref not in public_ips.ids for ref in public_ip_refs(nics.ids[nic_id])):
                return False
    return True


def named_addresses(nic_ids, nics, public_ips):
    """``ips_by_vm_id`` for the VMs of ``nic_ids`` ({vm id: [lowercase NIC ids]}) from the NICs they name (once
    ``addresses_listed``). Once both lists have ended, or when a VM names no NIC, from every NIC that claims one
    of those VMs (which finds a NIC that claims a VM not naming it too), as a join over the whole lists would.
    Either way only those NICs and the public IPs they name are joined: walking a resource group's whole lists
    again for every page of its sets was most of a listing's CPU."""
    if (nics.ended and public_ips.ended) or any(not ids for ids in nic_ids.values()):
        chosen = [nic for vm_id in nic_ids for nic in nics.by_vm.get(vm_id, ())]
    else:
        chosen = [nics.ids[nic_id] for ids in nic_ids.values() for nic_id in ids if nic_id in nics.ids]
    refs = set(ref for nic in chosen for ref in public_ip_refs(nic))
    return ips_by_vm_id(chosen, [public_ips.ids[ref] for ref in refs if ref in public_ips.ids], vm_ids=nic_ids)


def _address_key(vmss):
    return _group_key(vmss) if orchestration_mode(vmss) == FLEXIBLE else vmss["id"].lower()


def _needed(vmss, with_network):
    """The reads a set's records wait for: its VMs, and the address lists that serve it."""
    needed = [("members", vmss["id"].lower())]
    if with_network:
        needed.extend((kind, _address_key(vmss)) for kind in ADDRESS_LISTS)
    return needed


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
    """What reading across subscriptions could not read, as ``(what, FleetError)``, and how many scopes it read."""

    def __init__(self):
        self.failures = []
        self.scopes_read = 0


def discover_scale_sets(clients, subscriptions, resource_groups, modes, names, max_concurrency, read):
    """``{subscription: [scale set dicts]}`` in scope; unreadable scopes go to ``read.failures``."""
    scopes = read_scopes(subscriptions, resource_groups)

    # Made before the pool starts: the clients' cache is not shared safely between threads.
    arm = dict((subscription, clients.arm(subscription)) for subscription in subscriptions)

    def attempt(scope):
        try:
            return scope, list_scale_sets(arm[scope[0]], scope[1]), None
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


def fleet_stream(read, clients, subscriptions, resource_groups, modes, names, max_concurrency,
                 keep_instance_view=True, by_page=False):
    """The ``FleetStream`` of every scale set in scope, across subscriptions, with one pool of
    ``max_concurrency`` reads for all of them. The scale sets are discovered now (a scope that cannot be read
    goes to ``read.failures``); the stream's own failures name their subscription."""
    by_subscription = discover_scale_sets(clients, subscriptions, resource_groups, modes, names, max_concurrency,
                                          read)
    subscription_of, scale_sets = {}, []
    for subscription in subscriptions:
        for vmss in by_subscription.get(subscription) or []:
            subscription_of[vmss["id"].lower()] = subscription
            scale_sets.append(vmss)
    # Every list is raw JSON, so one ArmClient per subscription serves as both clients of a FleetStream (no
    # management SDK is imported).
    per_subscription = dict((subscription, (clients.arm(subscription),) * 2)
                            for subscription in set(subscription_of.values()))

    def describe(what, vmss):
        return "%s of subscription '%s'" % (what, subscription_of[vmss["id"].lower()])

    return FleetStream(lambda vmss: per_subscription[subscription_of[vmss["id"].lower()]], scale_sets,
                       max_concurrency=max_concurrency, keep_instance_view=keep_instance_view, describe=describe,
                       by_page=by_page)
