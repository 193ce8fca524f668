# -*- coding: utf-8 -*-
"""The share instance_facts uses across the worker processes of one task: one listing per scale set."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import multiprocessing
import os
import stat
import time

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.plugin_utils.shared_listing import (
    ListingShare,
    hosts_per_scale_set,
)

SET_A = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web"
SET_B = "/subscriptions/s2/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/api"


def vm_id(scale_set, index):
    return "%s/virtualMachines/%d" % (scale_set, index)


def records_of(scale_set, count=3):
    return [{"id": vm_id(scale_set, index), "name": "vm%d" % index} for index in range(count)]


def test_the_first_host_lists_and_the_others_read_its_listing(tmp_path):
    calls = []

    def list_set(scale_set_id):
        calls.append(scale_set_id)
        return records_of(scale_set_id)

    share = ListingShare(str(tmp_path / "share"))
    assert share.record(SET_A, vm_id(SET_A, 1), list_set)["name"] == "vm1"
    # Ids are case-insensitive, as Azure's are.
    assert share.record(SET_A.upper(), vm_id(SET_A, 2).lower(), list_set)["name"] == "vm2"
    assert share.record(SET_B, vm_id(SET_B, 0), list_set)["name"] == "vm0"
    assert calls == [SET_A, SET_B]
    assert stat.S_IMODE(os.stat(str(tmp_path / "share")).st_mode) == 0o700


def test_a_vm_missing_from_the_listing_fails_naming_it_and_its_set(tmp_path):
    share = ListingShare(str(tmp_path))
    with pytest.raises(FleetError) as failure:
        share.record(SET_A, vm_id(SET_A, 9), records_of)
    assert failure.value.status == 404
    assert vm_id(SET_A, 9) in failure.value.message and "scale set 'web' any more" in failure.value.message
    assert share.record(SET_A, vm_id(SET_A, 0), pytest.fail)["name"] == "vm0"  # no second listing


def test_a_failed_listing_fails_every_host_of_that_set_without_listing_again(tmp_path):
    calls = []

    def refuse(scale_set_id):
        calls.append(scale_set_id)
        raise FleetError("Azure refused the request (AuthorizationFailed, status 403): no", status=403,
                         code="AuthorizationFailed")

    share = ListingShare(str(tmp_path))
    for index in range(3):
        with pytest.raises(FleetError) as failure:
            share.record(SET_A, vm_id(SET_A, index), refuse)
        assert failure.value.code == "AuthorizationFailed" and failure.value.status == 403
    assert calls == [SET_A]


def test_once_computes_a_value_for_the_first_caller_only(tmp_path):
    share = ListingShare(str(tmp_path))
    assert share.once("counts", lambda: {"a": 1}) == {"a": 1}
    assert share.once("counts", pytest.fail) == {"a": 1}
    assert share.once("other", lambda: [2]) == [2]


def _worker(root, index, calls_dir, results):
    def list_set(scale_set_id):
        # Slow enough that every worker asks while the first is still listing.
        open(os.path.join(calls_dir, "call-%d" % index), "w").close()
        time.sleep(0.5)
        return records_of(scale_set_id, 8)

    record = ListingShare(root).record(SET_A, vm_id(SET_A, index), list_set)
    results.put((index, record["name"]))


def test_worker_processes_of_one_task_share_one_listing(tmp_path):
    """As Ansible's forks do: separate processes, started together, one listing between them."""
    root, calls_dir = str(tmp_path / "share"), str(tmp_path / "calls")
    os.makedirs(calls_dir)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(root, index, calls_dir, results)) for index in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert all(worker.exitcode == 0 for worker in workers)
    assert sorted(results.get(timeout=5) for _unused in workers) == [(i, "vm%d" % i) for i in range(6)]
    assert len(os.listdir(calls_dir)) == 1


def test_hosts_are_counted_per_scale_set_from_their_own_variables():
    variables = {
        "a1": {"vmss_scale_set_id": SET_A},
        "a2": {"vmss_scale_set_id": SET_A.upper()},
        "b1": {"vmss_scale_set_id": SET_B},
        "plain": {},
        "other_prefix": {"az_scale_set_id": SET_B},
    }
    counts = hosts_per_scale_set(sorted(variables), lambda name: variables[name], "vmss_")
    assert counts == {SET_A.lower(): {"id": SET_A, "hosts": 2}, SET_B.lower(): {"id": SET_B, "hosts": 1}}
    assert hosts_per_scale_set(sorted(variables), lambda name: variables[name], "az_") == {
        SET_B.lower(): {"id": SET_B, "hosts": 1}}


def test_prefetch_lists_the_sets_concurrently_and_record_then_reads_only(tmp_path):
    started = []

    def slow_list(scale_set_id):
        started.append(time.monotonic())
        time.sleep(0.3)
        return records_of(scale_set_id)

    share = ListingShare(str(tmp_path))
    share.prefetch([SET_A, SET_B], slow_list)
    assert len(started) == 2 and abs(started[0] - started[1]) < 0.25  # both ran at once
    assert share.record(SET_B, vm_id(SET_B, 2), pytest.fail)["name"] == "vm2"
    share.prefetch([SET_A], pytest.fail)  # already listed: nothing more


def test_an_unexpected_error_is_recorded_once_not_retried_per_host(tmp_path):
    calls = []

    def broken(scale_set_id):
        calls.append(scale_set_id)
        raise KeyError("properties")

    share = ListingShare(str(tmp_path))
    for index in range(2):
        with pytest.raises(FleetError) as failure:
            share.record(SET_A, vm_id(SET_A, index), broken)
        assert "failed unexpectedly (KeyError" in failure.value.message
    assert calls == [SET_A]
