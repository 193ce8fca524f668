# -*- coding: utf-8 -*-
"""Waves of single-VM operations: who leads, and when a follower starts polling."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.vmss.fleet.plugins.module_utils._actions.pacing import FollowerPolling, Waves


class Clock(object):
    def __init__(self, now=100.0):
        self.now = now
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


class RecordingPolling(object):
    def __init__(self):
        self.ran = False
        self.initialized = None

    def run(self):
        self.ran = True

    def initialize(self, client, initial_response, deserialization_callback):
        self.initialized = (client, initial_response, deserialization_callback)

    def status(self):
        return "InProgress"

    def finished(self):
        return False

    def resource(self):
        return "resource"

    def get_continuation_token(self):
        return "token"


def test_the_first_request_leads_and_the_next_ones_follow_until_the_lead_is_over():
    clock = Clock()
    waves = Waves(0.25, deadline=200.0, clock=clock, sleep=clock.sleep)
    polling, lead = waves.join()
    assert polling is True and lead is not None
    following, none = waves.join()
    assert none is None and isinstance(following, FollowerPolling)
    assert following._lead is lead   # pylint: disable=protected-access
    clock.now += 2.0
    lead.end()
    assert lead.duration == 2.0
    polling, new_lead = waves.join()
    assert polling is True and new_lead is not None and new_lead is not lead


def test_a_follower_starts_once_its_own_operation_ran_as_long_as_the_lead_took():
    clock = Clock()
    _polling, lead = Waves(0.25, 200.0, clock=clock).join()
    polling = RecordingPolling()
    follower = FollowerPolling(polling, lead, requested_at=100.5, deadline=200.0, clock=clock, sleep=clock.sleep)
    clock.now = 102.0
    lead.end()                         # the lead took 2 s; the follower was requested 0.5 s after it
    follower.run()
    assert clock.slept == [0.5]
    assert polling.ran


def test_a_follower_waits_for_the_lead_and_never_past_the_deadline():
    clock = Clock()
    _polling, lead = Waves(0.25, 200.0, clock=clock).join()
    follower = FollowerPolling(RecordingPolling(), lead, 100.0, deadline=100.0, clock=clock, sleep=clock.sleep)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (follower.run(), done.set()))
    worker.start()
    worker.join(5)                     # the deadline has passed: it polls without waiting for the lead
    assert done.is_set() and clock.slept == []

    patient = FollowerPolling(RecordingPolling(), lead, 100.0, deadline=1000.0, clock=clock, sleep=clock.sleep)
    waiting = threading.Thread(target=patient.run)
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive()          # still waiting for the lead
    lead.end()
    waiting.join(5)
    assert not waiting.is_alive()


def test_a_follower_is_the_arm_polling_for_everything_but_when_it_starts():
    polling = RecordingPolling()
    _polling, lead = Waves(0.25, 200.0).join()
    follower = FollowerPolling(polling, lead, 0.0, 0.0, clock=lambda: 0.0, sleep=lambda seconds: None)
    follower.initialize("client", "response", "callback")
    assert polling.initialized == ("client", "response", "callback")
    assert (follower.status(), follower.finished(), follower.resource(), follower.get_continuation_token()) == (
        "InProgress", False, "resource", "token")


def test_waves_hand_out_arm_polling_at_the_polling_interval():
    _polling, lead = Waves(0.25, 200.0).join()
    follower = Waves(0.25, 200.0).follower(lead)
    from azure.mgmt.core.polling.arm_polling import ARMPolling

    assert isinstance(follower, FollowerPolling)
    assert isinstance(follower._polling, ARMPolling)   # pylint: disable=protected-access
