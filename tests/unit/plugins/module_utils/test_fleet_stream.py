# -*- coding: utf-8 -*-
"""fleet.FleetStream: scale sets come out as soon as their own lists are in; a Flexible set does not wait for the
end of its resource group's address lists once the NICs and public IPs its VMs name are listed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils.fleet import (
    FleetStream,
    ListProgress,
    addresses_listed,
    list_fleet,
    named_addresses,
)
from ansible_collections.vmss.fleet.plugins.module_utils.listing import (
    list_group_addresses,
    list_members,
    list_scale_sets,
)
from ansible_collections.vmss.fleet.plugins.module_utils.records import ips_by_vm_id, named_nic_ids, public_ip_refs


def nic(nic_id, *public_ip_ids):
    configurations = [{"properties": {"publicIPAddress": {"id": pip}}} for pip in public_ip_ids]
    return {"id": nic_id, "properties": {"ipConfigurations": configurations}}


def progress(items, ended=False):
    listed = ListProgress()
    listed.add(items)
    if ended:
        listed.finish(None)
    return listed


@pytest.mark.parametrize("nic_ids, nics, public_ips, expected", [
    ({"vm1": ["n1"]}, progress([nic("N1")]), progress([]), True),                  # no public IP named
    ({"vm1": ["n1"]}, progress([]), progress([], ended=True), False),              # its NIC is not listed yet
    ({"vm1": ["n1"]}, progress([nic("n1", "P1")]), progress([]), False),           # its NIC's public IP is not
    ({"vm1": ["n1"]}, progress([nic("n1", "P1")]), progress([{"id": "p1"}]), True),
    ({"vm1": ["n1"]}, progress([], ended=True), progress([]), True),               # gone from the list: no wait
    ({"vm1": []}, progress([nic("n1")]), progress([]), False),                     # names no NIC: the whole list
    ({"vm1": []}, progress([], ended=True), progress([], ended=True), True),
    ({"vm1": ["n1"], "vm2": ["n2"]}, progress([nic("n1")]), progress([]), False),  # every VM of the set
])
def test_a_set_is_ready_once_every_address_its_vms_name_is_listed(nic_ids, nics, public_ips, expected):
    assert addresses_listed(nic_ids, nics, public_ips) is expected


class GatedNetwork(object):
    """The network client, except that once every id in ``wanted`` has been served, its next list request
    waits (up to 10 s) until the test opens the gate."""

    def __init__(self, real, wanted):
        self.real = real
        self.wanted = set(wanted)
        self.gate = threading.Event()
        self.waited_out = False

    def send_request(self, request, **kwargs):
        if not self.wanted and not self.gate.is_set():
            self.waited_out = not self.gate.wait(10) or self.waited_out
        response = self.real.send_request(request, **kwargs)
        response.read()
        for item in json.loads(response.content).get("value") or []:
            self.wanted.discard(item["id"].lower())
        return response


def test_a_flexible_set_comes_out_before_its_groups_address_lists_end(emu, azure_clients):
    compute, network = azure_clients.compute(), azure_clients.network()
    scale_sets = dict((vmss["name"], vmss) for vmss in list_scale_sets(azure_clients.arm()))
    flexible = [scale_sets["batch"], scale_sets["legacy"]]
    nics = list_group_addresses(network, flexible[0], "nics")  # the group's, in list order, pages of 2
    position = dict((item["id"].lower(), index) for index, item in enumerate(nics))
    named = dict((vmss["name"], [nic_id for vm in list_members(compute, vmss) for nic_id in named_nic_ids(vm)])
                 for vmss in flexible)
    # The set whose NICs are all listed first; the group's list goes on for more than a page after them.
    early = min(named, key=lambda name: max(position[nic_id] for nic_id in named[name]))
    assert max(position[nic_id] for nic_id in named[early]) < len(nics) - 2
    by_id = dict((item["id"].lower(), item) for item in nics)
    wanted = set(named[early]) | set(ref for nic_id in named[early] for ref in public_ip_refs(by_id[nic_id]))
    gated = GatedNetwork(network, wanted)

    seen = {}
    for vmss, records in FleetStream(lambda _vmss: (compute, gated), flexible, max_concurrency=4):
        seen[vmss["name"]] = (gated.gate.is_set(), gated.waited_out)
        if vmss["name"] == early:
            gated.gate.set()
        expected = list_fleet(compute, network, [vmss]).records
        assert sorted(records, key=lambda r: r["id"]) == sorted(expected, key=lambda r: r["id"])
    # Out before the gate opened: the group's NIC list, which goes on after the set's NICs, had not ended.
    assert seen[early] == (False, False)
    assert sorted(seen) == ["batch", "legacy"] and not gated.waited_out


def test_a_single_read_runs_on_the_callers_thread_and_several_on_the_pools(emu, azure_clients, monkeypatch):
    from ansible_collections.vmss.fleet.plugins.module_utils import fleet

    threads = []
    real = fleet.list_members

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(fleet, "list_members", recorded)
    compute = azure_clients.compute()
    scale_sets = list_scale_sets(azure_clients.arm())
    # A rolling batch's read: one set, no addresses. Starting a thread for it only delayed it.
    assert list_fleet(compute, None, scale_sets[:1], with_network=False).records
    assert threads == [threading.current_thread()]
    del threads[:]
    assert list_fleet(compute, None, scale_sets[:2], with_network=False).records
    assert len(threads) == 2 and threading.current_thread() not in threads


def test_pages_hand_out_each_set_a_page_at_a_time_with_the_records_a_whole_read_has(emu, azure_clients):
    compute, network = azure_clients.compute(), azure_clients.network()
    scale_sets = list_scale_sets(azure_clients.arm())
    yields = {}
    for vmss, records, over in FleetStream(lambda _vmss: (compute, network), scale_sets, max_concurrency=4,
                                           by_page=True).pages():
        assert vmss["name"] not in yields or not yields[vmss["name"]][-1][1]     # nothing after "over"
        yields.setdefault(vmss["name"], []).append((records, over))
    assert sorted(yields) == sorted(vmss["name"] for vmss in scale_sets)
    for vmss in scale_sets:
        got = yields[vmss["name"]]
        assert got[-1][1] and not any(over for _records, over in got[:-1])
        records = [record for page, _over in got for record in page]
        expected = list_fleet(compute, network, [vmss]).records
        assert sorted(records, key=lambda r: r["id"]) == sorted(expected, key=lambda r: r["id"])
    assert max(len(got) for got in yields.values()) > 1      # pages of 2: some set came out in several


def test_a_set_whose_list_fails_after_a_page_ends_with_none(monkeypatch):
    from ansible_collections.vmss.fleet.plugins.module_utils import fleet
    from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

    def failing_after_a_page(_compute, vmss, *_args, **kwargs):
        kwargs["on_page"]([{"id": vmss["id"] + "/virtualMachines/0", "name": "web_0", "properties": {}}])
        raise FleetError("listing the VMs of scale set 'web': throttled", status=429, code="TooManyRequests")

    monkeypatch.setattr(fleet, "list_members", failing_after_a_page)
    vmss = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web",
            "name": "web", "properties": {"orchestrationMode": "Uniform"}}
    stream = FleetStream(lambda _vmss: (None, None), [vmss], with_network=False, by_page=True)
    got = list(stream.pages())
    assert [(len(records), over) for _vmss, records, over in got[:-1]] == [(1, False)]
    assert got[-1][1:] == (None, True)
    assert [error.code for _what, error in stream.failures] == ["TooManyRequests"]


def attached_nic(nic_id, vm_id, private_ip, *public_ip_ids):
    configurations = [{"properties": {"privateIPAddress": private_ip,
                                      "publicIPAddress": {"id": pip} if pip else None}}
                      for pip in (public_ip_ids or (None,))]
    return {"id": nic_id, "properties": {"virtualMachine": {"id": vm_id}, "ipConfigurations": configurations}}


def test_a_pages_addresses_come_from_the_nics_its_vms_name_and_from_everything_once_the_lists_end():
    named = attached_nic("n1", "VM1", "10.0.0.4", "P1")
    claiming = attached_nic("n9", "VM1", "10.0.0.9")      # claims vm1, which does not name it
    other = attached_nic("n2", "VM2", "10.0.0.5")
    nics, public_ips = progress([named, claiming, other]), progress([{"id": "P1", "properties": {"ipAddress": "52.1.1.1"}}])
    page = {"vm1": ["n1"]}
    assert named_addresses(page, nics, public_ips) == {"vm1": {"private_ips": ["10.0.0.4"], "public_ips": ["52.1.1.1"]}}
    nics.finish(None)
    public_ips.finish(None)
    assert named_addresses(page, nics, public_ips) == {
        "vm1": {"private_ips": ["10.0.0.4", "10.0.0.9"], "public_ips": ["52.1.1.1"]}}
    assert named_addresses({"vm2": []}, progress([other]), progress([])) == {
        "vm2": {"private_ips": ["10.0.0.5"], "public_ips": []}}      # names no NIC: the whole list


def test_once_the_lists_end_a_pages_addresses_are_the_whole_lists_join_for_its_vms():
    """The join from the NICs that claim a page's VMs (ListProgress.by_vm) gives what the join over every item of
    both lists gives: primary NICs and configurations first, other sets' VMs left out, each address once."""
    nics, public_ips = [], []
    for number in range(30):
        vm_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/VM%d" % (number % 12)
        public_ip = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip%d" % number
        nic_item = attached_nic("nic%d" % number, vm_id, "10.0.%d.%d" % (number % 3, number), public_ip)
        nic_item["properties"]["primary"] = number % 4 == 3
        nics.append(nic_item)
        public_ips.append({"id": public_ip.upper(), "properties": {"ipAddress": "52.0.0.%d" % number}})
    nics.append(nics[5])        # listed twice (a list that moved under its pages)
    nics.append({"id": "detached", "properties": {"ipConfigurations": []}})
    page = dict((("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm%d" % n).lower(),
                 []) for n in (1, 4, 7, 11, 20))
    whole = ips_by_vm_id(nics, public_ips, vm_ids=page)
    assert sorted(whole) == sorted(vm_id for vm_id in page if not vm_id.endswith("vm20"))
    assert named_addresses(page, progress(nics, ended=True), progress(public_ips, ended=True)) == whole
