# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Following a wave of single-VM operations (Flexible members) without polling each one all along.

A batch sends one request per VM, and those operations run side by side and take about as long as each other.
Polling every one of them every polling_interval costs a status request per VM per interval, which Azure counts
against the subscription's read limit. So the first operation of a wave is followed at polling_interval (the
wave's lead); each other operation of the wave waits until the lead has ended and until as much time has passed
since its own request as the lead took, then is followed the usual way. Most then need a single status request.
Every operation is still followed to its own end: nothing is assumed from the lead's outcome.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time


class WaveLead(object):
    """The operation a wave's other operations wait for: when it started and, once over, how long it took."""

    def __init__(self, clock):
        self.clock = clock
        self.started = clock()
        self.duration = 0.0
        self.over = threading.Event()

    def end(self):
        if not self.over.is_set():
            self.duration = self.clock() - self.started
            self.over.set()


class Waves(object):
    """Hands each single-VM request of a batch its polling: the lead's, or a follower's of the current wave.

    A request begun while no lead is in flight leads a new wave. Scale-set requests (Uniform) are one per set
    and batch, so they are never paced.
    """

    def __init__(self, polling_interval, deadline, clock=time.monotonic, sleep=time.sleep):
        self.polling_interval = polling_interval
        self.deadline = deadline
        self.clock = clock
        self.sleep = sleep
        self._lead = None
        self._lock = threading.Lock()

    def join(self):
        """(the polling of a single-VM operation requested now, the WaveLead the caller must end() or None).

        The lead is polled as the SDK does (``polling=True``); the others get a FollowerPolling of the lead.
        """
        with self._lock:
            if self._lead is None or self._lead.over.is_set():
                self._lead = WaveLead(self.clock)
                return True, self._lead
            lead = self._lead
        return self.follower(lead), None

    def follower(self, lead):
        """The polling method of an operation requested now that follows ``lead``."""
        return FollowerPolling(arm_polling(self.polling_interval), lead, self.clock(), self.deadline,
                               self.clock, self.sleep)


def arm_polling(polling_interval):
    """azure-mgmt-core's ARM polling (Azure-AsyncOperation, Location, Retry-After), as the SDK's begin_* uses."""
    from azure.mgmt.core.polling.arm_polling import ARMPolling

    return ARMPolling(polling_interval)


class FollowerPolling(object):
    """An azure-core polling method that starts polling only once its wave's lead is over (or the deadline is
    reached), and not before its own operation has run as long as the lead's did. From then on it is ARM
    polling unchanged."""

    def __init__(self, polling, lead, requested_at, deadline, clock, sleep):
        self._polling = polling
        self._lead = lead
        self._requested_at = requested_at
        self._deadline = deadline
        self._clock = clock
        self._sleep = sleep

    def wait_for_lead(self):
        self._lead.over.wait(max(0.0, self._deadline - self._clock()))
        start = min(self._requested_at + self._lead.duration, self._deadline)
        if start > self._clock():
            self._sleep(start - self._clock())

    def run(self):
        self.wait_for_lead()
        self._polling.run()

    # The rest of azure-core's PollingMethod protocol is the ARM polling's own.
    def initialize(self, client, initial_response, deserialization_callback):
        self._polling.initialize(client, initial_response, deserialization_callback)

    def status(self):
        return self._polling.status()

    def finished(self):
        return self._polling.finished()

    def resource(self):
        return self._polling.resource()

    def get_continuation_token(self):
        return self._polling.get_continuation_token()
