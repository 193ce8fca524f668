# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request plan for reading scale sets and their VMs, shared by modules and the inventory plugin.

One paged list per scale set carries every VM with its instance view:
- Uniform: ``virtualMachineScaleSets/{name}/virtualMachines?$expand=instanceView``;
- Flexible: ``virtualMachines?$filter='virtualMachineScaleSet/id' eq '{id}'&$expand=instanceView``.
Never one GET per VM when a list can carry it. Everything returned is a plain dict: the REST API's own camelCase
JSON, read as such or through the SDK's ``as_dict()``, which gives the same.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, azure_errors
from ansible_collections.vmss.fleet.plugins.module_utils.records import FLEXIBLE, orchestration_mode

# The api-versions azure-mgmt-compute 39 and azure-mgmt-network 33 send for the same list operations. The big
# lists are read as JSON (see ``iter_json``), so the versions are named here, once.
COMPUTE_API_VERSION = "2026-04-01"
NETWORK_API_VERSION = "2026-03-01"
# Azure serves a scale set's NICs and public IPs under an older Microsoft.Compute-nested path and version.
SCALE_SET_NETWORK_API_VERSION = "2018-10-01"


def list_scale_sets(arm, resource_group=None):
    """Scale sets of a resource group, or of the whole subscription, of an ``ArmClient`` (clients.py)."""
    where = "resource group '%s'" % resource_group if resource_group else "the subscription"
    path = "/subscriptions/%s" % arm.subscription_id
    if resource_group:
        path += "/resourceGroups/%s" % quote(resource_group, safe="")
    with azure_errors("listing scale sets in %s" % where):
        return list(iter_json(arm, path + "/providers/Microsoft.Compute/virtualMachineScaleSets",
                              {"api-version": COMPUTE_API_VERSION}))


def resource_group_of(resource_id):
    """The resource group segment of an ARM id (Azure spells the keyword in either case)."""
    parts = resource_id.split("/")
    for index, part in enumerate(parts[:-1]):
        if part.lower() == "resourcegroups":
            return parts[index + 1]
    raise FleetError("'%s' is not a resource id inside a resource group." % resource_id)


def iter_json(client, path, params):
    """Items of a paged ARM list as plain dicts, through the SDK client's own pipeline.

    The client's pipeline brings authentication, azure-core's retries (Retry-After on 429) and TLS settings;
    azure-core's ItemPaged follows ``nextLink``. Reading JSON instead of SDK models matters at scale: building
    models costs about 5 ms per VM with its instance view, several times the cost of the request itself.
    """
    from azure.core.exceptions import (
        ClientAuthenticationError,
        DecodeError,
        HttpResponseError,
        ResourceExistsError,
        ResourceNotFoundError,
        map_error,
    )
    from azure.core.paging import ItemPaged
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    # The same status -> exception mapping the SDK's own operations use.
    error_map = {401: ClientAuthenticationError, 404: ResourceNotFoundError, 409: ResourceExistsError}

    def get_next(next_link=None):
        request = HttpRequest("GET", next_link) if next_link else HttpRequest("GET", path, params=params)
        # stream=True keeps azure-core's ContentDecodePolicy from parsing every page once more, unused.
        response = client.send_request(request, stream=True)
        response.read()
        if response.status_code != 200:
            map_error(status_code=response.status_code, response=response, error_map=error_map)
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        return response

    def extract_data(response):
        try:
            body = json.loads(response.content)
        except ValueError as exc:
            # A garbled page is Azure's (or a proxy's) fault, not this collection's: an azure-core error.
            raise DecodeError("The answer to %s is not JSON: %s" % (path, exc), response=response)
        return body.get("nextLink") or None, iter(body.get("value") or [])

    return ItemPaged(get_next, extract_data)


def group_provider_path(resource_id, provider_path):
    """``/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider_path}`` in the group of a resource."""
    subscription_id = resource_id.split("/")[2]
    return "/subscriptions/%s/resourceGroups/%s/providers/%s" % (
        subscription_id, resource_group_of(resource_id), provider_path)


def _members_request(vmss, instance_view):
    """(path, query) of the one paged list of a scale set's VMs."""
    params = {"api-version": COMPUTE_API_VERSION}
    if instance_view:
        params["$expand"] = "instanceView"
    if orchestration_mode(vmss) == FLEXIBLE:
        params["$filter"] = "'virtualMachineScaleSet/id' eq '%s'" % vmss["id"]
        return group_provider_path(vmss["id"], "Microsoft.Compute/virtualMachines"), params
    return vmss["id"] + "/virtualMachines", params


class PageMarks(object):
    """The page of its scale set's list each VM was last seen on, so that a later read can begin there.

    A page is named by its number and by the continuation token (ARM's ``nextLink``) that fetched it, which
    azure-core's ``by_page(continuation_token)`` resumes from. The rolling runs of ``vmss.fleet.instance`` read a
    batch's VMs after each batch, and a batch late in a large set sits on its last pages. Marks are kept per
    query (with or without instance views), because a token carries the query it was issued for.
    """

    def __init__(self):
        self._marks = {}
        self._lock = threading.Lock()

    def note(self, instance_view, number, token, vms):
        with self._lock:
            for vm in vms:
                self._marks[(instance_view, (vm.get("id") or "").lower())] = (number, token)

    def start_for(self, instance_view, vm_ids):
        """(page number, token) of the first page that shows any of ``vm_ids``; (0, None), the list's start,
        unless every one of them has been seen."""
        with self._lock:
            found = [self._marks.get((instance_view, vm_id)) for vm_id in vm_ids]
        if not found or None in found:
            return 0, None
        return min(found, key=lambda mark: mark[0])


def list_members(compute, vmss, instance_view=True, until_seen=None, marks=None, on_page=None):
    """Every VM of one scale set, in one paged request, with instance views when asked; ``on_page(vms)`` is told
    each page as it comes (a whole list's only: a read with ``until_seen`` may begin again from the start).

    With ``until_seen`` (lowercase VM resource ids), paging stops once each of those VMs has been listed: a
    batch's instances usually sit on the first pages of their set. With ``marks`` (PageMarks) as well, the read
    begins at the page where the first of them was seen last. A VM that is not there is known to be gone only
    when the whole list has been read, so that case (or a resumed read Azure refuses) reads it from the start.
    """
    from azure.core.exceptions import HttpResponseError

    wanted = None if until_seen is None else set(until_seen)
    marks = marks or PageMarks()
    number, token = marks.start_for(instance_view, wanted) if wanted else (0, None)
    with azure_errors("listing the VMs of scale set '%s'" % vmss["name"]):
        if token is not None:
            try:
                vms, missing = _read_pages(compute, vmss, instance_view, wanted, marks, number, token)
            except HttpResponseError:
                missing = True     # the token no longer works (expired): the list's start always does
            if not missing:
                return vms
        return _read_pages(compute, vmss, instance_view, wanted, marks, 0, None,
                           on_page if wanted is None else None)[0]


def _read_pages(compute, vmss, instance_view, wanted, marks, number, token, on_page=None):
    """(VMs of the pages read from page ``number`` on, the wanted ids not seen): to the end, or until every
    wanted VM has been listed."""
    missing = set(wanted or ())
    vms = []
    pages = iter_json(compute, *_members_request(vmss, instance_view)).by_page(continuation_token=token)
    for page in pages:
        page = list(page)
        marks.note(instance_view, number, token, page)
        vms.extend(page)
        if on_page is not None:
            on_page(page)
        number, token = number + 1, pages.continuation_token
        if wanted is not None:
            missing.difference_update((vm.get("id") or "").lower() for vm in page)
            if not missing:
                break
    return vms, missing


# The two address lists of the plan: (path under a Uniform scale set, provider path in a resource group, what).
ADDRESS_LISTS = {
    "nics": ("/networkInterfaces", "Microsoft.Network/networkInterfaces", "network interfaces"),
    "public_ips": ("/publicipaddresses", "Microsoft.Network/publicIPAddresses", "public IP addresses"),
}


def list_scale_set_addresses(network, vmss, kind, on_page=None):
    """A Uniform scale set's NICs or public IPs (``kind``: ``nics`` or ``public_ips``), in one paged list;
    ``on_page(items)`` is told each page as it comes."""
    set_path, _group_path, what = ADDRESS_LISTS[kind]
    params = {"api-version": SCALE_SET_NETWORK_API_VERSION}
    with azure_errors("listing the %s of scale set '%s'" % (what, vmss["name"])):
        return _pages_told(iter_json(network, vmss["id"] + set_path, params), on_page)


def list_group_addresses(network, vmss, kind, on_page=None):
    """The NICs or public IPs of a scale set's resource group, where Flexible members' NICs live: one list.
    ``on_page(items)`` is told each page as it comes (the group's sets need not wait for the whole list)."""
    _set_path, group_path, what = ADDRESS_LISTS[kind]
    params = {"api-version": NETWORK_API_VERSION}
    path = group_provider_path(vmss["id"], group_path)
    with azure_errors("listing the %s of resource group '%s'" % (what, resource_group_of(vmss["id"]))):
        return _pages_told(iter_json(network, path, params), on_page)


def _pages_told(paged, on_page):
    """Every item of a paged list, telling ``on_page`` each page as it comes (when given)."""
    if on_page is None:
        return list(paged)
    items = []
    for page in paged.by_page():
        page = list(page)
        items.extend(page)
        on_page(page)
    return items


def uniform_instance_view(compute, vmss):
    """The scale-set instance view (with ``statusesSummary``); Azure offers it for Uniform sets only."""
    group = resource_group_of(vmss["id"])
    with azure_errors("reading the instance view of scale set '%s'" % vmss["name"]):
        view = compute.virtual_machine_scale_sets.get_instance_view(group, vmss["name"])
    return view.as_dict()


def run_bounded(function, items, max_workers, executor=None):
    """``function`` over items on at most ``max_workers`` threads, results in the items' order; on ``executor``'s
    threads when given (a caller that keeps them from one call to the next), else on threads made for the call.

    The SDK clients are synchronous and thread-safe; ARM latency, not CPU, is what this hides.
    """
    items = list(items)
    if len(items) <= 1 or max_workers <= 1:
        return [function(item) for item in items]
    if executor is not None:
        return list(executor.map(function, items))
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        return list(pool.map(function, items))
