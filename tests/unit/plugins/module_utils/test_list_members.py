# -*- coding: utf-8 -*-
"""list_members against the emulator (pages of 2 VMs): the whole list, or only as far as the wanted VMs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils.listing import list_members, list_scale_sets


def vm_list_pages(emu):
    return [entry for entry in emu.requests()
            if entry["method"] == "GET" and entry["path"].lower().endswith("/virtualmachines")]


@pytest.fixture
def compute(azure_clients):
    return azure_clients.compute()


def scale_set(compute, name):
    return [vmss for vmss in list_scale_sets(compute) if vmss["name"] == name][0]


@pytest.mark.parametrize("name", ["web", "batch"])   # Uniform (6 VMs, 3 pages), Flexible (4 VMs, 2 pages)
def test_the_list_stops_at_the_page_that_shows_the_last_wanted_vm(emu, compute, name):
    vmss = scale_set(compute, name)
    every_vm = list_members(compute, vmss)
    emu.clear_requests()

    first_two = set(vm["id"].lower() for vm in every_vm[:2])
    assert [vm["id"] for vm in list_members(compute, vmss, until_seen=first_two)] == [
        vm["id"] for vm in every_vm[:2]]
    assert len(vm_list_pages(emu)) == 1

    emu.clear_requests()
    third = set([every_vm[2]["id"].lower()])
    assert len(list_members(compute, vmss, until_seen=third)) == 3
    assert len(vm_list_pages(emu)) == 2


def test_a_wanted_vm_that_is_not_there_costs_the_whole_list(emu, compute):
    vmss = scale_set(compute, "web")
    every_vm = list_members(compute, vmss)
    emu.clear_requests()
    gone = vmss["id"].lower() + "/virtualmachines/99"
    assert len(list_members(compute, vmss, until_seen=set([every_vm[0]["id"].lower(), gone]))) == len(every_vm)
    assert len(vm_list_pages(emu)) == 3
