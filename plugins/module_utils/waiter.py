# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One waiter for scale-set VMs: poll, judge each instance with a predicate, stop at one overall deadline.

The waiter does not poll operations one by one. Each poll re-reads the instances with the listing plan
(one paged list per scale set, instance views included), so waiting for 500 Flexible VMs costs one list
per poll, not 500 GETs. Whatever is still pending at the deadline is reported with what it is doing.

A read that fails for a transient reason (Azure busy or unreachable, after azure-core's own retries) does not
end the wait: the next poll tries again, until the deadline. A permanent refusal (403, 404...) ends it at once.
Either way the wait returns what it knows, so work already sent is never lost from the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

# Power states Azure shows while an operation moves a VM between stable states.
TRANSITIONAL_POWER_STATES = ("starting", "stopping", "deallocating")
# Provisioning states of a VM that has an operation in flight.
BUSY_PROVISIONING_STATES = ("updating", "creating", "deleting", "migrating")
# Error codes of FleetErrors that say nothing about the request itself: the connection or the answer failed.
TRANSIENT_CODES = ("ConnectionFailed", "ResponseFailed")


def utc_timestamp():
    """Now, as the ISO 8601 UTC string the results carry."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------
# Readiness predicates over instance records
# ---------------------------------------------------------------------------

def is_busy(record):
    """True while an operation is in flight on the instance (whoever started it)."""
    return (record.get("provisioning_state") in BUSY_PROVISIONING_STATES
            or record.get("power_state") in TRANSITIONAL_POWER_STATES)


def is_settled(record):
    """The instance is listed and no operation is in flight on it."""
    return record is not None and not is_busy(record)


def has_failed(record):
    return record.get("provisioning_state") == "failed"


def is_healthy_or_unreported(record):
    """Healthy, or the VM has no health extension (then running and provisioned is all there is to check)."""
    return record.get("health") in (None, "healthy")


def describe(record):
    """What an instance is doing, for a timeout report: ``power starting, provisioning updating, health ...``."""
    if record is None:
        return "no longer listed in its scale set"
    parts = ["power %s" % record.get("power_state"), "provisioning %s" % record.get("provisioning_state")]
    if record.get("health") is not None:
        parts.append("health %s" % record["health"])
    return ", ".join(parts)


def failure_message(record):
    """Azure's error code and message from a failed status ``ProvisioningState/failed/{error code}``."""
    for status in (record.get("instance_view") or {}).get("statuses") or []:
        code = status.get("code") or ""
        if code.lower().startswith("provisioningstate/failed"):
            error_code = code.split("/", 2)[2] if code.count("/") >= 2 else ""
            message = status.get("message") or ""
            if error_code and error_code not in message:
                return "%s: %s" % (error_code, message) if message else error_code
            return message or code
    return "provisioning state is failed"


def is_transient(error):
    """A read worth trying again later: throttled, a server error, or no (complete) answer at all."""
    if error.code in TRANSIENT_CODES:
        return True
    return error.status in (408, 429) or (error.status or 0) >= 500


# ---------------------------------------------------------------------------
# The waiter
# ---------------------------------------------------------------------------

class WaitResult(object):
    """What a wait ended with: a verdict per finished key, and the keys still pending at the deadline."""

    def __init__(self):
        self.done = {}       # key -> (verdict, record, finished timestamp)
        self.pending = {}    # key -> last record seen (None when the instance was not listed)
        self.read_error = None   # the FleetError of the last read, when the wait ended without a good one

    @property
    def timed_out(self):
        return bool(self.pending)

    def pending_report(self, name_of=None):
        """``web_3 (power starting, provisioning updating); ...`` for every pending key."""
        name_of = name_of or (lambda key, record: (record or {}).get("name") or key)
        return "; ".join("%s (%s)" % (name_of(key, record), describe(record))
                         for key, record in sorted(self.pending.items()))


class Waiter(object):
    """Polls ``read(keys) -> {key: record}`` until ``verdict(key, record)`` is not None for every key.

    ``timeout`` bounds the whole wait; a poll starts every ``interval`` seconds (a slow read shortens the
    pause after it). The first poll happens at once: an operation that already finished costs no sleep.
    ``read`` raises FleetError when it cannot read; transient errors are retried at the next poll.
    """

    def __init__(self, read, timeout, interval, clock=time.monotonic, sleep=time.sleep, now=utc_timestamp):
        self.read = read
        self.timeout = timeout
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self.now = now

    def wait(self, keys, verdict):
        result = WaitResult()
        pending = list(keys)
        last_seen = {}
        deadline = self.clock() + self.timeout
        while pending:
            polled_at = self.clock()
            records = self._read(pending, result)
            if records is None and result.read_error is not None and not is_transient(result.read_error):
                break
            if records is not None:
                pending = self._judge(pending, records, verdict, result, last_seen)
            remaining = deadline - self.clock()
            if not pending or remaining <= 0:
                break
            # Poll every `interval` seconds: the time the read took counts towards it.
            pause = min(self.interval - (self.clock() - polled_at), remaining)
            if pause > 0:
                self.sleep(pause)
        result.pending = dict((key, last_seen.get(key)) for key in pending)
        return result

    def _read(self, keys, result):
        """The records, or None when the read failed (the error is kept in ``result.read_error``)."""
        try:
            records = self.read(keys)
        except FleetError as exc:
            result.read_error = exc
            return None
        result.read_error = None
        return records

    def _judge(self, pending, records, verdict, result, last_seen):
        """Record a verdict for every key that has one; returns the keys still pending."""
        still = []
        for key in pending:
            record = records.get(key)
            last_seen[key] = record
            outcome = verdict(key, record)
            if outcome is None:
                still.append(key)
            else:
                result.done[key] = (outcome, record, self.now())
        return still
