# -*- coding: utf-8 -*-
"""Aimed polling (when the status request goes) and waves of single-VM operations (who leads, and when a
follower starts polling)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from types import SimpleNamespace

from ansible_collections.vmss.fleet.plugins.module_utils._actions.pacing import (
    AIM_MARGIN,
    EARLY_POLLS,
    BatchEnd,
    FollowerPolling,
    OnCallerThread,
    Pace,
    PastDeadline,
    Waves,
    aimed_polling,
    operation_seconds,
)


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
    polling, lead = waves.join(expected=2.0)
    assert not isinstance(polling, FollowerPolling) and lead is not None
    following, none = waves.join()
    assert none is None and isinstance(following, FollowerPolling)
    assert following._lead is lead   # pylint: disable=protected-access
    clock.now += 2.0
    lead.end()
    assert lead.duration == 2.0
    polling, new_lead = waves.join()
    assert not isinstance(polling, FollowerPolling) and new_lead is not None and new_lead is not lead


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


def test_a_follower_that_knows_the_expected_duration_is_asked_at_its_own_end_if_the_lead_is_not_over():
    _polling, lead = Waves(0.25, 200.0).join()         # a lead that never ends
    polling = RecordingPolling()
    follower = FollowerPolling(polling, lead, time.monotonic(), deadline=time.monotonic() + 1000,
                               clock=time.monotonic, sleep=time.sleep, expected=0.1)
    follower.initialize("client", "response", "callback")
    worker = threading.Thread(target=follower.run)
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and polling.ran


def test_a_follower_that_knows_the_expected_duration_still_starts_with_a_lead_that_ended_sooner():
    clock = Clock()
    _polling, lead = Waves(0.25, 200.0, clock=clock).join()
    follower = FollowerPolling(RecordingPolling(), lead, requested_at=100.0, deadline=200.0, clock=clock,
                               sleep=clock.sleep, expected=5.0)
    follower.initialize("client", "response", "callback")
    clock.now = 101.0
    lead.end()                         # 1 s, sooner than the 5 s expected
    follower.run()
    assert clock.slept == []           # its own operation has already run as long as the lead's


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


def answered(headers=None, body=None):
    """The parts of an azure-core pipeline response the polling reads."""
    response = SimpleNamespace(headers=headers or {}, text=lambda: body or "")
    return SimpleNamespace(http_response=response)


def test_before_the_expected_end_status_requests_are_spread_and_one_goes_at_that_end():
    # pylint: disable=protected-access
    clock = Clock()
    polling = aimed_polling(0.25, 2.0, clock)
    polling._aim = clock() + 2.0 + AIM_MARGIN      # what initialize() sets once the POST is answered
    polling._pipeline_response = answered()
    assert polling._extract_delay() == 2.0 / EARLY_POLLS     # not every polling_interval before the end
    clock.now += 1.7
    assert abs(polling._extract_delay() - (0.3 + AIM_MARGIN)) < 1e-9    # the next one at the expected end
    polling._pipeline_response = answered({"Retry-After": "5"})
    assert abs(polling._extract_delay() - (0.3 + AIM_MARGIN)) < 1e-9
    clock.now += 1.0                              # past the aim: Retry-After, or the interval, again
    assert polling._extract_delay() == 5
    polling._pipeline_response = answered()
    assert polling._extract_delay() == 0.25


def test_a_polling_interval_longer_than_the_spread_is_kept_before_the_end():
    # pylint: disable=protected-access
    clock = Clock()
    polling = aimed_polling(1.0, 2.0, clock)
    polling._aim = clock() + 2.0 + AIM_MARGIN
    polling._pipeline_response = answered()
    assert polling._extract_delay() == 1.0
    clock.now += 1.5
    assert abs(polling._extract_delay() - (0.5 + AIM_MARGIN)) < 1e-9


def test_without_an_expected_duration_the_polling_is_the_sdks():
    # pylint: disable=protected-access
    clock = Clock()
    polling = aimed_polling(0.25, None, clock)
    polling._aim = None                           # what initialize() sets without an expected duration
    polling._pipeline_response = answered()
    assert polling._extract_delay() == 0.25


def test_an_operation_lasts_from_its_start_time_to_its_end_time_by_azures_clock():
    status = '{"status": "Succeeded", "startTime": "2026-12-03T08:00:00.1234567+00:00", ' \
             '"endTime": "2026-12-03T08:00:02.6234567Z"}'
    assert operation_seconds(answered(body=status).http_response) == 2.5
    for body in ('{"status": "Succeeded"}', '', '{"startTime": "2026-12-03T08:00:00Z", "endTime": null}'):
        assert operation_seconds(answered(body=body).http_response) is None


def test_a_pace_keeps_the_last_duration_of_each_kind():
    pace = Pace()
    pace.learn(("vm", "restart"), SimpleNamespace(took=2.0))
    pace.learn(("vm", "restart"), SimpleNamespace(took=None))     # not known: the last known one stays
    pace.learn(("scale_set", "restart"), SimpleNamespace(took=3.0))
    assert pace.expected(("vm", "restart")) == 2.0 and pace.expected(("scale_set", "restart")) == 3.0
    assert pace.expected(("vm", "reimage")) is None


def test_a_lane_without_its_own_duration_takes_the_one_another_lane_taught_the_fleet():
    fleet = Pace()
    first, second = Pace(fleet=fleet), Pace(fleet=fleet)
    kind = ("vm", "restart")
    assert second.expected(kind) is None
    first.learn(kind, SimpleNamespace(took=2.0))
    assert second.expected(kind) == 2.0          # the fleet's, before the lane's own first operation is over
    second.learn(kind, SimpleNamespace(took=3.0))
    first.learn(kind, SimpleNamespace(took=2.5))
    assert second.expected(kind) == 3.0          # then its own, whatever the other lanes learn
    assert second.expected(("scale_set", "restart")) is None


def test_polling_without_an_expected_duration_is_aimed_once_another_lane_learns_one():
    # pylint: disable=protected-access
    clock = Clock()
    known = []
    polling = aimed_polling(0.25, None, clock, learned=lambda: known[0] if known else None)
    polling._answered_at = clock()                 # what initialize() sets when the POST is answered
    polling._pipeline_response = answered({"Retry-After": "1"})
    assert polling._extract_delay() == 1           # nothing known: Azure's Retry-After
    clock.now += 1.9
    known.append(2.0)                              # another scale set's restart took 2 s
    assert abs(polling._extract_delay() - (0.1 + AIM_MARGIN)) < 1e-9     # at 2 s after the answer


def test_polling_stops_at_the_deadline_instead_of_asking_after_it():
    # pylint: disable=protected-access
    clock = Clock()
    polling = aimed_polling(0.25, None, clock, deadline=clock() + 0.6, sleep=clock.sleep)
    polling._pipeline_response = answered()
    polling._delay()
    polling._delay()
    assert clock.slept == [0.25, 0.25]
    with pytest.raises(PastDeadline):
        polling._delay()                           # the next request would be at 0.75 s, past 0.6 s
    assert abs(clock.now - 100.6) < 1e-9          # it waited until the deadline, no longer


def test_polling_on_the_callers_thread_starts_no_thread_and_runs_when_followed():
    inner = RecordingPolling()
    polling = OnCallerThread(inner)
    polling.initialize("client", "response", "callback")
    assert inner.initialized == ("client", "response", "callback")
    assert polling.finished()                      # so azure-core's LROPoller starts no thread of its own
    ran_on = []
    inner.run = lambda: ran_on.append(threading.current_thread())
    polling.follow()
    assert ran_on == [threading.current_thread()]
    assert not polling.finished()                  # from now on, the polling's own answer


def test_a_batch_ends_at_the_latest_expected_end_once_every_request_is_answered():
    clock = Clock()
    end = BatchEnd(3, clock=clock)
    end.answered(2.0)                              # at 100: over at 102
    clock.now += 0.5
    end.refused()                                  # no operation
    clock.now += 0.25
    end.answered(1.5)                              # at 100.75: over at 102.25
    assert abs(end.moment(deadline=200) - (102.25 + AIM_MARGIN)) < 1e-9


def test_a_batch_end_is_unknown_with_an_operation_of_unknown_duration_or_an_unanswered_request():
    clock = Clock()
    end = BatchEnd(2, clock=clock)
    end.answered(2.0)
    end.answered(None)
    assert end.moment(deadline=200) is None
    waiting = BatchEnd(2, clock=time.monotonic)
    waiting.answered(2.0)
    assert waiting.moment(deadline=time.monotonic() + 0.05) is None     # the second request never answered
