# -*- coding: utf-8 -*-
"""plugin_utils/forked.py: what a forked child sends comes out as it is sent; its errors come back as
FleetErrors, never as a traceback; a parent that stops reading stops the child."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import threading
import time

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.plugin_utils.forked import can_fork, stream_from_child


def test_items_come_from_another_process_in_the_order_they_are_sent():
    def produce(send):
        for number in range(3):
            send((number, os.getpid()))

    items = list(stream_from_child(produce))
    assert [number for number, _pid in items] == [0, 1, 2]
    assert set(pid for _number, pid in items) != set([os.getpid()])


def test_an_item_is_read_before_the_child_is_done():
    def produce(send):
        send("first")
        time.sleep(30)  # the parent must not wait for this
        send("late")

    started = time.monotonic()
    stream = stream_from_child(produce)
    assert next(stream) == "first"
    stream.close()  # stops the child
    assert time.monotonic() - started < 20


def test_a_fleet_error_in_the_child_is_raised_as_it_was():
    def produce(send):
        send("partial")
        raise FleetError("Azure refused it.", status=403, code="AuthorizationFailed")

    stream = stream_from_child(produce)
    assert next(stream) == "partial"
    with pytest.raises(FleetError) as info:
        next(stream)
    error = info.value
    assert (error.message, error.status, error.code) == ("Azure refused it.", 403, "AuthorizationFailed")


def test_a_bug_in_the_child_is_an_internal_error_naming_its_type():
    def produce(send):
        raise KeyError("missing")

    with pytest.raises(FleetError) as info:
        list(stream_from_child(produce))
    assert info.value.message.startswith("internal error in vmss.fleet: KeyError")
    assert info.value.__cause__ is None


def test_a_process_running_threads_does_not_fork():
    before = can_fork()  # True when the suite left no thread running
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        worker.join()
    assert can_fork() == before
