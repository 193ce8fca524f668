# -*- coding: utf-8 -*-
"""plugin_utils.collector: full garbage collections wait while the inventory adds hosts; young ones do not."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc
import weakref

import pytest

from ansible_collections.vmss.fleet.plugins.plugin_utils.collector import full_collections_deferred


class Node(object):
    pass


def generations_collected_while(function):
    seen = []

    def callback(phase, info):
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(callback)
    try:
        function()
    finally:
        gc.callbacks.remove(callback)
    return set(seen)


def keep_many_alive():
    """What adding hosts does: objects that all stay alive, so the collector keeps promoting them."""
    kept = [[index] for index in range(300000)]
    return len(kept)


@pytest.fixture(autouse=True)
def collector_on():
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_no_full_collection_runs_inside_and_the_thresholds_come_back_after():
    before = gc.get_threshold()
    assert 2 in generations_collected_while(keep_many_alive)      # what happens without it
    with full_collections_deferred():
        assert gc.get_threshold()[:2] == before[:2] and gc.get_threshold()[2] > before[2]
        collected = generations_collected_while(keep_many_alive)
    assert 2 not in collected and 0 in collected
    assert gc.get_threshold() == before


def test_young_garbage_cycles_are_still_freed_inside():
    with full_collections_deferred():
        node = Node()
        node.itself = node
        gone = weakref.ref(node)
        del node
        generations_collected_while(keep_many_alive)
        assert gone() is None


def test_the_thresholds_come_back_when_adding_hosts_fails():
    before = gc.get_threshold()
    with pytest.raises(ValueError):
        with full_collections_deferred():
            raise ValueError("a host could not be added")
    assert gc.get_threshold() == before
