# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Following a batch's operations without polling each one all along, and noticing their end early.

Aimed polling: the operations of a rolling run's batches take about as long as each other, and Azure's operation
status says how long each took (``startTime``, ``endTime``). So once a lane knows how long its previous
operation of a kind took, the next one is asked about at once (an immediate refusal shows), then every quarter of
that duration (or polling_interval, or ``Retry-After``, if longer), and once more at the moment it should be over,
so that a batch is seen done a few milliseconds after its end rather than up to a polling_interval later; from
then on every polling_interval as usual. A POST's final GET on its ``Location`` is skipped: the status
``Succeeded`` is the end, and these operations return no resource.

Waves: a batch of Flexible members sends one request per VM, and those operations run side by side. Polling every
one of them every polling_interval costs a status request per VM per interval, which Azure counts against the
subscription's read limit. So the first operation of a wave is followed as above (the wave's lead); each other
operation of the wave waits until the lead has ended and until as much time has passed since its own request as
the lead took (or, when the expected duration is known, until its own expected end if that comes first), then
is followed the usual way. Most then need a single status request. Every operation is still followed to its own
end: nothing is assumed from the lead's outcome.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

from ansible_collections.vmss.fleet.plugins.module_utils.records import parse_time

# How long after the expected end the aimed status request goes: the operation began before its POST was
# answered, which is when the aim is taken, so a small margin is enough.
AIM_MARGIN = 0.02
# Before the expected end, a status request every quarter of the expected duration at most: an operation that ends
# much earlier than the previous one is still noticed, without a request every polling_interval all along.
EARLY_POLLS = 4


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

    def join(self, expected=None):
        """(the polling of a single-VM operation requested now, the WaveLead the caller must end() or None).

        The lead gets aimed polling (``expected``: the seconds the operation should take, or None); the others
        a FollowerPolling of the lead, aimed at their own end too when ``expected`` is known.
        """
        with self._lock:
            if self._lead is None or self._lead.over.is_set():
                self._lead = WaveLead(self.clock)
                return self.aimed(expected), self._lead
            lead = self._lead
        return self.follower(lead, expected), None

    def aimed(self, expected):
        return aimed_polling(self.polling_interval, expected, self.clock)

    def follower(self, lead, expected=None):
        """The polling method of an operation requested now that follows ``lead``."""
        return FollowerPolling(self.aimed(None), lead, self.clock(), self.deadline, self.clock, self.sleep,
                               expected)


class Pace(object):
    """How long the last operation of each kind took, by Azure's clock: what the next one is aimed at."""

    def __init__(self):
        self._took = {}

    def expected(self, kind):
        return self._took.get(kind)

    def learn(self, kind, polling):
        took = getattr(polling, "took", None)
        if took is not None:
            self._took[kind] = took


def aimed_polling(polling_interval, expected, clock):
    """azure-mgmt-core's ARM polling as the SDK's begin_* uses it, aimed at ``expected`` seconds (see above)."""
    return _aimed_polling_class()(polling_interval, expected=expected, clock=clock,
                                  lro_options={"final-state-via": "azure-async-operation"})


_AIMED_POLLING = []


def _aimed_polling_class():
    """The class, built on first use: azure-mgmt-core is imported only once the module knows it is installed."""
    if _AIMED_POLLING:
        return _AIMED_POLLING[0]
    from azure.mgmt.core.polling.arm_polling import ARMPolling

    class AimedPolling(ARMPolling):
        took = None     # the operation's own duration, once Azure's status says it is over

        def __init__(self, *args, **kwargs):
            self._expected = kwargs.pop("expected")
            self._clock = kwargs.pop("clock")
            self._aim = None
            super(AimedPolling, self).__init__(*args, **kwargs)

        def initialize(self, client, initial_response, deserialization_callback):
            # Called once the POST is answered: the operation is already running.
            if self._expected is not None:
                self._aim = self._clock() + self._expected + AIM_MARGIN
            super(AimedPolling, self).initialize(client, initial_response, deserialization_callback)

        def _extract_delay(self):
            # azure-core's one hook for the pause before the next status request (Retry-After or the interval).
            delay = super(AimedPolling, self)._extract_delay()
            until_aim = None if self._aim is None else self._aim - self._clock()
            if until_aim is None or until_aim <= 0:
                return delay
            return min(max(delay, self._expected / EARLY_POLLS), until_aim)

        def update_status(self):
            super(AimedPolling, self).update_status()
            if self.finished():
                self.took = operation_seconds(self._pipeline_response.http_response)

    _AIMED_POLLING.append(AimedPolling)
    return AimedPolling


def operation_seconds(response):
    """``endTime - startTime`` of an Azure operation status answer; None when it does not carry both."""
    try:
        body = json.loads(response.text())
        took = parse_time(body["endTime"]) - parse_time(body["startTime"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return max(0.0, took.total_seconds())


class FollowerPolling(object):
    """An azure-core polling method that starts polling once its wave's lead is over (or the deadline is reached),
    and not before its own operation has run as long as the lead's did; or, when the lane knows how long such an
    operation takes (``expected``), at the moment its own operation should be over if that comes first, so that
    it is asked alongside the lead rather than after it. From then on it is ARM polling unchanged."""

    def __init__(self, polling, lead, requested_at, deadline, clock, sleep, expected=None):
        self._polling = polling
        self._lead = lead
        self._requested_at = requested_at
        self._deadline = deadline
        self._clock = clock
        self._sleep = sleep
        self._expected = expected
        self._latest = deadline

    def wait_for_lead(self):
        self._lead.over.wait(max(0.0, self._latest - self._clock()))
        start = self._latest
        if self._lead.over.is_set():
            start = min(self._requested_at + self._lead.duration, start)
        if start > self._clock():
            self._sleep(start - self._clock())

    def run(self):
        self.wait_for_lead()
        self._polling.run()

    @property
    def took(self):
        return getattr(self._polling, "took", None)

    def initialize(self, client, initial_response, deserialization_callback):
        if self._expected is not None:
            # Answered: the operation runs, and should be over ``expected`` seconds from now.
            self._latest = min(self._deadline, self._clock() + self._expected + AIM_MARGIN)
        self._polling.initialize(client, initial_response, deserialization_callback)

    # The rest of azure-core's PollingMethod protocol is the ARM polling's own.

    def status(self):
        return self._polling.status()

    def finished(self):
        return self._polling.finished()

    def resource(self):
        return self._polling.resource()

    def get_continuation_token(self):
        return self._polling.get_continuation_token()
