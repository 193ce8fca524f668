# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Performing a plan against Azure: wait for busy instances, then per batch send, wait, judge, stop at max_failed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.vmss.fleet.plugins.module_utils._actions.plan import batches_of, plan_requests
from ansible_collections.vmss.fleet.plugins.module_utils._actions.requests import is_stale_batch, send_request
from ansible_collections.vmss.fleet.plugins.module_utils._actions.targets import record_key
from ansible_collections.vmss.fleet.plugins.module_utils._actions.verdicts import BatchWatch, counts_as_failure
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.fleet import list_fleet
from ansible_collections.vmss.fleet.plugins.module_utils.listing import run_bounded
from ansible_collections.vmss.fleet.plugins.module_utils.waiter import (
    Waiter,
    describe,
    failure_message,
    is_busy,
    is_settled,
    is_transient,
    utc_timestamp,
)


class ActionRun(object):
    """Performs a plan against Azure: busy instances first, then batch after batch."""

    def __init__(self, compute, scale_sets, options, sleep=time.sleep, clock=time.monotonic, warn=None):
        self.compute = compute
        self.scale_sets = dict((vmss["id"].lower(), vmss) for vmss in scale_sets)
        self.options = options
        self.sleep = sleep
        self.clock = clock
        self.warn = warn or (lambda message: None)
        self.set_of = {}     # instance key -> scale set id (lowercase), to list only the sets a wait needs
        self.last_seen = {}  # instance key -> the latest record any read returned

    # -- reading -------------------------------------------------------------------------------------------

    def read(self, keys):
        """Current records of the given instances, by the listing plan of the scale sets they belong to."""
        wanted = sorted(set(self.set_of[key] for key in keys))
        listing = list_fleet(self.compute, None, [self.scale_sets[set_id] for set_id in wanted],
                             instance_view=True, with_network=False)
        if listing.failures:
            raise _read_failure([error for _what, error in listing.failures])
        records = dict((record_key(record), record) for record in listing.records)
        self.last_seen.update(records)
        return records

    def waiter(self, interval=None):
        return Waiter(self.read, self.options.wait_timeout, interval or self.options.poll_interval,
                      clock=self.clock, sleep=self.sleep)

    def remember(self, records):
        for record in records:
            self.set_of[record_key(record)] = record["scale_set_id"].lower()

    # -- busy instances -------------------------------------------------------------------------------------

    def settle_busy(self, targets):
        """Wait for instances that already have an operation in flight; never send them a second one.

        Returns (targets with settled records, {key: record before the wait}, keys seen booting meanwhile).
        """
        self.remember(targets)
        busy = dict((record_key(r), r) for r in targets if is_busy(r))
        booted = set(key for key, record in busy.items() if record["power_state"] != "running")
        if not busy:
            return targets, {}, booted

        def settled(key, record):
            if record is not None and record["power_state"] != "running":
                booted.add(key)     # stopped, starting...: whatever it was ends with a boot if it ends running
            return "settled" if is_settled(record) else None

        outcome = self.waiter().wait(list(busy), settled)
        if outcome.read_error is not None:
            raise FleetError("Could not read the instances that had an operation in progress: %s Nothing was done."
                             % outcome.read_error.message, code=outcome.read_error.code)
        if outcome.timed_out:
            raise FleetError("Instances had an operation in progress and were still busy after wait_timeout (%ss): "
                             "%s. Nothing was done." % (self.options.wait_timeout, outcome.pending_report()),
                             code="WaitTimeout")
        settled_records = dict((key, done[1]) for key, done in outcome.done.items())
        return [settled_records.get(record_key(r), r) for r in targets], busy, booted

    # -- batches ----------------------------------------------------------------------------------------------

    def execute(self, actions):
        """Run the batches in order. Returns None, or the reason the run stopped early."""
        self.remember(action.record for action in actions)
        failed = []
        batches = batches_of(actions)
        for number, batch in enumerate(batches, 1):
            if number > 1 and self.options.pause:
                self.sleep(self.options.pause)
            interval = self.send_batch(batch)
            if self.options.wait:
                stopped = self.wait_for_batch(batch, interval)
                if stopped:
                    self._not_started(batches[number:])
                    return stopped
            failed.extend(action for action in batch if counts_as_failure(action, self.options.allow_missing))
            if len(failed) > self.options.max_failed:
                self._not_started(batches[number:])
                return self._too_many_failures(failed, number, len(batches))
        if failed:
            self.warn("%d instance(s) failed, within max_failed (%d): %s" % (
                len(failed), self.options.max_failed, describe_failures(failed)))
        return None

    def send_batch(self, batch):
        """Send a batch's requests, at most max_parallel in flight; a refused request fails its instances.

        Returns how many seconds to wait between polls of the batch: what Azure's answers asked for
        (``Retry-After``), else ``polling_interval``, the meaning azure-core's own pollers give both.
        """
        def send(request):
            started = utc_timestamp()
            for action in request["actions"]:
                action.started = started
            try:
                retry_after = send_request(self.compute, request, self.options.reimage)
            except FleetError as exc:
                self._refused(request, exc)
                return None
            for action in request["actions"]:
                action.accepted, action.outcome = True, "requested"
            return retry_after

        asked = [seconds for seconds in run_bounded(send, plan_requests(batch), self.options.max_parallel)
                 if seconds]
        return max(asked) if asked else self.options.poll_interval

    def _refused(self, request, error):
        """A refused request fails its instances, except those Azure no longer has: they are gone.

        A Uniform batch naming one instance that was scaled in is refused as a whole (400 InvalidParameter on
        instanceIds); the others did not get the operation, so they are sent it once more without the gone ones.
        """
        gone = []
        if request["scope"] == "vm" and error.status == 404:
            gone = list(request["actions"])
        elif is_stale_batch(request, error):
            gone = self._not_listed(request["actions"])
        for action in gone:
            self._mark(action, "gone", "no longer in scale set '%s' when its %s request was sent (scaled in?)"
                       % (action.record["scale_set"], action.operation))
        rest = [action for action in request["actions"] if action not in gone]
        if gone and rest and request["scope"] == "scale_set":
            self.warn("Azure refused the %s request of scale set '%s' because %s no longer exist; sent it again "
                      "for %s." % (request["operation"], request["scale_set"],
                                   ", ".join(a.record["instance_id"] for a in gone),
                                   ", ".join(a.record["instance_id"] for a in rest)))
            resend = plan_requests(rest)[0]
            try:
                send_request(self.compute, resend, self.options.reimage)
            except FleetError as exc:
                error = exc
            else:
                for action in rest:
                    action.accepted, action.outcome = True, "requested"
                return
        for action in rest:
            self._mark(action, "failed", error.message)

    def _not_listed(self, actions):
        """The actions whose instances a fresh read no longer lists (none when the read fails)."""
        try:
            records = self.read([action.key for action in actions])
        except FleetError:
            return []
        return [action for action in actions if action.key not in records]

    @staticmethod
    def _mark(action, outcome, error):
        action.outcome, action.error, action.finished = outcome, error, utc_timestamp()

    def wait_for_batch(self, batch, interval=None):
        """Wait until every accepted instance of the batch is done; returns why the run stops, or None."""
        accepted = [action for action in batch if action.accepted]
        if not accepted:
            return None
        watch = BatchWatch(accepted, self.options.health_check)
        outcome = self.waiter(interval).wait([action.key for action in accepted], watch.verdict)
        by_key = dict((action.key, action) for action in accepted)
        for key, (verdict, record, finished) in outcome.done.items():
            action = by_key[key]
            action.outcome, action.finished = verdict, finished
            if verdict == "failed":
                action.error = failure_message(record)
            elif verdict == "gone":
                action.error = "the instance is no longer listed in its scale set"
        if outcome.read_error is not None and outcome.pending:
            # Requested and accepted; whether it finished is unknown, so the outcome stays "requested".
            names = ", ".join(sorted(by_key[key].record["name"] for key in outcome.pending))
            return ("Could not read the progress of batch %d (%s); its requests were accepted, their outcome is "
                    "unknown for %s" % (batch[0].batch, outcome.read_error.message.rstrip("."), names))
        still_running = []
        for key, record in outcome.pending.items():
            action = by_key[key]
            if watch.operation_done(key, record):
                # The operation finished; the instance never reported healthy within wait_timeout.
                action.outcome, action.finished = "unhealthy", utc_timestamp()
                action.error = "health %s after wait_timeout (%ss)" % (record.get("health"), self.options.wait_timeout)
            else:
                action.outcome = "timed_out"
                still_running.append(key)
        if still_running:
            pending = dict((key, outcome.pending[key]) for key in still_running)
            report = "; ".join("%s (%s)" % (by_key[key].record["name"], describe(record))
                               for key, record in sorted(pending.items()))
            return ("wait_timeout (%ss) exceeded in batch %d; still pending: %s"
                    % (self.options.wait_timeout, batch[0].batch, report))
        return None

    def _not_started(self, batches):
        for batch in batches:
            for action in batch:
                if action.outcome == "planned":
                    action.outcome = "not_started"

    def _too_many_failures(self, failed, number, total):
        return ("Stopped after batch %d of %d: %d instance(s) failed, more than max_failed (%d): %s"
                % (number, total, len(failed), self.options.max_failed, describe_failures(failed)))


def _read_failure(errors):
    """One FleetError for the parts a read could not list; transient only when every part's error is."""
    permanent = [error for error in errors if not is_transient(error)]
    first = (permanent or errors)[0]
    if len(errors) == 1:
        return first
    return FleetError("Could not read %d parts of the fleet: %s" % (
        len(errors), "; ".join(error.message for error in errors)), status=first.status, code=first.code)


def describe_failures(actions):
    return "; ".join("%s (batch %d, %s): %s%s" % (
        action.record["name"], action.batch, action.operation, action.outcome,
        " - %s" % action.error if action.error else "") for action in actions)
