# -*- coding: utf-8 -*-
"""list_members against the emulator (pages of 2 VMs): the whole list, only as far as the wanted VMs, or from
the page where they were seen last."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils.fleet import list_fleet
from ansible_collections.vmss.fleet.plugins.module_utils.listing import PageMarks, list_members, list_scale_sets


def vm_list_pages(emu):
    return [entry for entry in emu.requests()
            if entry["method"] == "GET" and entry["path"].lower().endswith("/virtualmachines")]


@pytest.fixture
def compute(azure_clients):
    return azure_clients.compute()


@pytest.fixture
def scale_set(azure_clients):
    return lambda name: [vmss for vmss in list_scale_sets(azure_clients.arm()) if vmss["name"] == name][0]


@pytest.mark.parametrize("name", ["web", "batch"])   # Uniform (6 VMs, 3 pages), Flexible (4 VMs, 2 pages)
def test_the_list_stops_at_the_page_that_shows_the_last_wanted_vm(emu, compute, name, scale_set):
    vmss = scale_set(name)
    every_vm = list_members(compute, vmss)
    emu.clear_requests()

    first_two = set(vm["id"].lower() for vm in every_vm[:2])
    assert [vm["id"] for vm in list_members(compute, vmss, until_seen=first_two)] == [
        vm["id"] for vm in every_vm[:2]]
    assert len(vm_list_pages(emu)) == 1

    emu.clear_requests()
    third = set([every_vm[2]["id"].lower()])
    assert len(list_members(compute, vmss, until_seen=third)) == 4     # two whole pages
    assert len(vm_list_pages(emu)) == 2


def test_a_wanted_vm_that_is_not_there_costs_the_whole_list(emu, compute, scale_set):
    vmss = scale_set("web")
    every_vm = list_members(compute, vmss)
    emu.clear_requests()
    gone = vmss["id"].lower() + "/virtualmachines/99"
    assert len(list_members(compute, vmss, until_seen=set([every_vm[0]["id"].lower(), gone]))) == len(every_vm)
    assert len(vm_list_pages(emu)) == 3


def test_a_fleet_read_until_seen_returns_only_the_wanted_records(emu, compute, scale_set):
    vmss = scale_set("web")
    every_vm = list_members(compute, vmss)
    wanted = set([every_vm[0]["id"].lower(), every_vm[3]["id"].lower()])
    listing = list_fleet(compute, None, [vmss], with_network=False, until_seen=wanted)
    assert sorted(record["id"].lower() for record in listing.records) == sorted(wanted)
    assert not listing.failures


def ids(vms):
    return [vm["id"].lower() for vm in vms]


def test_a_read_with_marks_begins_at_the_page_of_the_first_wanted_vm(emu, compute, scale_set):
    vmss = scale_set("web")    # 6 VMs, 3 pages
    marks = PageMarks()
    every_vm = list_members(compute, vmss, marks=marks)
    emu.clear_requests()

    last_two = set(ids(every_vm[4:]))
    assert ids(list_members(compute, vmss, until_seen=last_two, marks=marks)) == ids(every_vm[4:])
    pages = vm_list_pages(emu)
    assert len(pages) == 1 and "$skiptoken" in pages[0]["query"]

    emu.clear_requests()
    assert ids(list_members(compute, vmss, until_seen=set(ids(every_vm[3:5])), marks=marks)) == ids(every_vm[2:6])
    assert len(vm_list_pages(emu)) == 2


def test_a_vm_never_seen_reads_from_the_start(emu, compute, scale_set):
    vmss = scale_set("web")
    every_vm = list_members(compute, vmss)
    marks = PageMarks()
    list_members(compute, vmss, until_seen=set(ids(every_vm[:1])), marks=marks)    # marks the first page only
    emu.clear_requests()
    found = list_members(compute, vmss, until_seen=set(ids([every_vm[1], every_vm[4]])), marks=marks)
    assert ids(found) == ids(every_vm)
    assert ["$skiptoken" in page["query"] for page in vm_list_pages(emu)] == [False, True, True]


def test_a_vm_no_longer_on_its_page_is_looked_for_from_the_start(emu, compute, scale_set):
    vmss = scale_set("web")
    marks = PageMarks()
    every_vm = list_members(compute, vmss, marks=marks)
    last_page = marks.start_for(True, ids(every_vm[4:5]))
    assert last_page[0] == 2 and last_page[1]
    # As if the first VM had been seen on the last page: that page does not show it, and the list ends there.
    marks.note(True, last_page[0], last_page[1], every_vm[:1])
    emu.clear_requests()
    found = list_members(compute, vmss, until_seen=set(ids([every_vm[0], every_vm[4]])), marks=marks)
    assert ids(found) == ids(every_vm)
    assert ["$skiptoken" in page["query"] for page in vm_list_pages(emu)] == [True, False, True, True]


def test_a_token_azure_refuses_costs_a_read_from_the_start(emu, compute, scale_set):
    vmss = scale_set("web")
    marks = PageMarks()
    every_vm = list_members(compute, vmss, marks=marks)
    stale = "%s%s/virtualMachines?api-version=2026-04-01&$expand=instanceView&$skiptoken=expired" % (
        emu.endpoint, vmss["id"])
    marks.note(True, 2, stale, every_vm[4:])
    emu.clear_requests()
    found = list_members(compute, vmss, until_seen=set(ids(every_vm[4:])), marks=marks)
    assert ids(found) == ids(every_vm)
    queries = [page["query"] for page in vm_list_pages(emu)]
    assert queries[0].get("$skiptoken") == "expired" and "$skiptoken" not in queries[1]
