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

Early read: once every request of a batch is answered and each operation's expected end is known, the batch's
instances are read at the latest of those ends, alongside the last status requests rather than after them (see
BatchEnd). That read counts only for instances whose operation Azure then reports succeeded.
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

    def join(self, expected=None, learned=None):
        """(the polling of a single-VM operation requested now, the WaveLead the caller must end() or None).

        The lead gets aimed polling (``expected``: the seconds the operation should take, or None; ``learned``:
        see aimed_polling); the others a FollowerPolling of the lead, aimed at their own end too when ``expected``
        is known.
        """
        with self._lock:
            if self._lead is None or self._lead.over.is_set():
                self._lead = WaveLead(self.clock)
                return self.aimed(expected, learned), self._lead
            lead = self._lead
        return self.follower(lead, expected), None

    def aimed(self, expected, learned=None):
        return aimed_polling(self.polling_interval, expected, self.clock, learned, self.deadline, self.sleep)

    def follower(self, lead, expected=None):
        """The polling method of an operation requested now that follows ``lead``."""
        return FollowerPolling(self.aimed(None), lead, self.clock(), self.deadline, self.clock, self.sleep,
                               expected)


class BatchEnd(object):
    """When all the operations of a batch should be over: the latest of their aimed ends, known once every request
    of the batch was answered (or refused); None when one of them has no expected duration yet."""

    def __init__(self, requests, clock=time.monotonic):
        self.clock = clock
        self._unanswered = requests
        self._latest = 0.0
        self._unknown = False
        self._answered = threading.Condition()

    def answered(self, expected):
        """A request was accepted: its operation should take ``expected`` seconds from now (None: unknown)."""
        with self._answered:
            if expected is None:
                self._unknown = True
            else:
                self._latest = max(self._latest, self.clock() + expected + AIM_MARGIN)
            self._count_down()

    def refused(self):
        with self._answered:
            self._count_down()

    def _count_down(self):
        self._unanswered -= 1
        if self._unanswered <= 0:
            self._answered.notify_all()

    def moment(self, deadline):
        """The monotonic moment every operation should be over, or None (an unknown duration, or requests still
        unanswered at ``deadline``)."""
        with self._answered:
            while self._unanswered > 0 and not self._unknown:
                remaining = deadline - self.clock()
                if remaining <= 0:
                    return None
                self._answered.wait(remaining)
            return None if self._unknown else self._latest


class Pace(object):
    """How long the last operation of each kind (scope, operation) took, by Azure's clock: what the next one is
    aimed at.

    A lane's Pace falls back on the fleet's (``fleet``, the Pace every lane also teaches): before a lane's own first
    operation of a kind is over, the same operation in another scale set of the run is the best guess there is.
    """

    def __init__(self, fleet=None):
        self._took = {}
        self._fleet = fleet

    def expected(self, kind):
        took = self._took.get(kind)
        if took is None and self._fleet is not None:
            took = self._fleet.expected(kind)
        return took

    def learn(self, kind, polling):
        took = getattr(polling, "took", None)
        if took is not None:
            self._took[kind] = took
            if self._fleet is not None:
                self._fleet.learn(kind, polling)


def aimed_polling(polling_interval, expected, clock, learned=None, deadline=None, sleep=time.sleep):
    """azure-mgmt-core's ARM polling as the SDK's begin_* uses it, aimed at ``expected`` seconds (see above).

    Without ``expected``, ``learned()`` is asked after each status answer: once it gives a duration (another scale
    set's operation of the same kind ended meanwhile), the polling is aimed at that long after the POST's answer.
    A status request would come after ``deadline`` (monotonic): the polling waits until the deadline, then raises
    PastDeadline.
    """
    return _aimed_polling_class()(polling_interval, expected=expected, clock=clock, learned=learned,
                                  deadline=deadline, pause=sleep,
                                  lro_options={"final-state-via": "azure-async-operation"})


class PastDeadline(Exception):
    """The operation was not over by the batch's deadline (wait_timeout)."""


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
            self._learned = kwargs.pop("learned", None)
            self._deadline = kwargs.pop("deadline", None)
            self._pause = kwargs.pop("pause", time.sleep)
            self._aim = None
            self._answered_at = None
            super(AimedPolling, self).__init__(*args, **kwargs)

        def initialize(self, client, initial_response, deserialization_callback):
            # Called once the POST is answered: the operation is already running.
            self._answered_at = self._clock()
            self._aim_at(self._expected)
            super(AimedPolling, self).initialize(client, initial_response, deserialization_callback)

        def _aim_at(self, expected):
            if expected is not None and self._answered_at is not None:
                self._expected = expected
                self._aim = self._answered_at + expected + AIM_MARGIN

        def _extract_delay(self):
            # azure-core's one hook for the pause before the next status request (Retry-After or the interval).
            if self._aim is None and self._learned is not None:
                self._aim_at(self._learned())
            delay = super(AimedPolling, self)._extract_delay()
            until_aim = None if self._aim is None else self._aim - self._clock()
            if until_aim is None or until_aim <= 0:
                return delay
            return min(max(delay, self._expected / EARLY_POLLS), until_aim)

        def _delay(self):
            delay = self._extract_delay()
            if self._deadline is not None and self._clock() + delay >= self._deadline:
                self._pause(max(0.0, self._deadline - self._clock()))
                raise PastDeadline()
            self._pause(delay)

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


class _WrappedPolling(object):
    """azure-core's PollingMethod protocol, passed on to the ARM polling it wraps (``_polling``)."""

    def __init__(self, polling):
        self._polling = polling

    def initialize(self, client, initial_response, deserialization_callback):
        self._polling.initialize(client, initial_response, deserialization_callback)

    def run(self):
        self._polling.run()

    @property
    def took(self):
        return getattr(self._polling, "took", None)

    def status(self):
        return self._polling.status()

    def finished(self):
        return self._polling.finished()

    def resource(self):
        return self._polling.resource()

    def get_continuation_token(self):
        return self._polling.get_continuation_token()


class OnCallerThread(_WrappedPolling):
    """An azure-core polling method that runs on the thread following its operation (``follow()``), not on one
    that LROPoller starts for every operation: until follow() it says it is finished, so the poller starts none.
    Starting a thread per operation, 110 at once when 20 scale sets end a batch together, delayed every
    operation's POST and status requests."""

    def __init__(self, polling):
        super(OnCallerThread, self).__init__(polling)
        self._following = False

    def follow(self):
        """Poll the operation to its end; raises what azure-core's polling raises, or PastDeadline."""
        self._following = True
        self._polling.run()

    def run(self):
        self.follow()

    def finished(self):
        return self._polling.finished() if self._following else True


class FollowerPolling(_WrappedPolling):
    """An azure-core polling method that starts polling once its wave's lead is over (or the deadline is reached),
    and not before its own operation has run as long as the lead's did; or, when the lane knows how long such an
    operation takes (``expected``), at the moment its own operation should be over if that comes first, so that
    it is asked alongside the lead rather than after it. From then on it is ARM polling unchanged."""

    def __init__(self, polling, lead, requested_at, deadline, clock, sleep, expected=None):
        super(FollowerPolling, self).__init__(polling)
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

    def initialize(self, client, initial_response, deserialization_callback):
        if self._expected is not None:
            # Answered: the operation runs, and should be over ``expected`` seconds from now.
            self._latest = min(self._deadline, self._clock() + self._expected + AIM_MARGIN)
        self._polling.initialize(client, initial_response, deserialization_callback)
