# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Performing a plan against Azure: wait for busy instances, then per batch send, wait, judge, stop at max_failed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.vmss.fleet.plugins.module_utils._actions.plan import batches_of, plan_requests
from ansible_collections.vmss.fleet.plugins.module_utils._actions.requests import send_request
from ansible_collections.vmss.fleet.plugins.module_utils._actions.targets import record_key
from ansible_collections.vmss.fleet.plugins.module_utils._actions.verdicts import FAILED_OUTCOMES, BatchWatch
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.fleet import list_fleet
from ansible_collections.vmss.fleet.plugins.module_utils.listing import run_bounded
from ansible_collections.vmss.fleet.plugins.module_utils.waiter import (
    Waiter,
    describe,
    failure_message,
    is_busy,
    is_settled,
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

    # -- reading -------------------------------------------------------------------------------------------

    def read(self, keys):
        """Current records of the given instances, by the listing plan of the scale sets they belong to."""
        wanted = sorted(set(self.set_of[key] for key in keys))
        listing = list_fleet(self.compute, None, [self.scale_sets[set_id] for set_id in wanted],
                             instance_view=True, with_network=False)
        listing.raise_failures()
        return dict((record_key(record), record) for record in listing.records)

    def waiter(self):
        return Waiter(self.read, self.options.wait_timeout, self.options.poll_interval, clock=self.clock,
                      sleep=self.sleep)

    def remember(self, records):
        for record in records:
            self.set_of[record_key(record)] = record["scale_set_id"].lower()

    # -- busy instances -------------------------------------------------------------------------------------

    def settle_busy(self, targets):
        """Wait for instances that already have an operation in flight; never send them a second one.

        Returns (targets with settled records, {key: record before the wait}).
        """
        self.remember(targets)
        busy = dict((record_key(r), r) for r in targets if is_busy(r))
        if not busy:
            return targets, {}
        outcome = self.waiter().wait(list(busy), lambda key, record: "settled" if is_settled(record) else None)
        if outcome.timed_out:
            raise FleetError("Instances had an operation in progress and were still busy after wait_timeout (%ss): "
                             "%s. Nothing was done." % (self.options.wait_timeout, outcome.pending_report()),
                             code="WaitTimeout")
        settled = dict((key, done[1]) for key, done in outcome.done.items())
        return [settled.get(record_key(r), r) for r in targets], busy

    # -- batches ----------------------------------------------------------------------------------------------

    def execute(self, actions):
        """Run the batches in order. Returns None, or the reason the run stopped early."""
        self.remember(action.record for action in actions)
        failed = []
        batches = batches_of(actions)
        for number, batch in enumerate(batches, 1):
            if number > 1 and self.options.pause:
                self.sleep(self.options.pause)
            self.send_batch(batch)
            if self.options.wait:
                timeout = self.wait_for_batch(batch)
                if timeout:
                    self._not_started(batches[number:])
                    return timeout
            failed.extend(action for action in batch if action.outcome in FAILED_OUTCOMES)
            if len(failed) > self.options.max_failed:
                self._not_started(batches[number:])
                return self._too_many_failures(failed, number, len(batches))
        if failed:
            self.warn("%d instance(s) failed, within max_failed (%d): %s" % (
                len(failed), self.options.max_failed, describe_failures(failed)))
        return None

    def send_batch(self, batch):
        """Send a batch's requests, at most max_parallel in flight; a refused request fails its instances."""
        def send(request):
            started = utc_timestamp()
            for action in request["actions"]:
                action.started = started
            try:
                send_request(self.compute, request, self.options.reimage)
            except FleetError as exc:
                return request, exc
            return request, None

        for request, error in run_bounded(send, plan_requests(batch), self.options.max_parallel):
            for action in request["actions"]:
                if error is None:
                    action.accepted = True
                    action.outcome = "requested"
                else:
                    action.outcome = "failed"
                    action.error = error.message
                    action.finished = utc_timestamp()

    def wait_for_batch(self, batch):
        """Wait until every accepted instance of the batch is done; returns a timeout message or None."""
        accepted = [action for action in batch if action.accepted]
        if not accepted:
            return None
        watch = BatchWatch(accepted, self.options.health_check)
        outcome = self.waiter().wait([action.key for action in accepted], watch.verdict)
        by_key = dict((action.key, action) for action in accepted)
        for key, (verdict, record, finished) in outcome.done.items():
            action = by_key[key]
            action.outcome, action.finished = verdict, finished
            if verdict == "failed":
                action.error = failure_message(record)
            elif verdict == "gone":
                action.error = "the instance is no longer listed in its scale set"
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
                action.outcome = "not_started"

    def _too_many_failures(self, failed, number, total):
        return ("Stopped after batch %d of %d: %d instance(s) failed, more than max_failed (%d): %s"
                % (number, total, len(failed), self.options.max_failed, describe_failures(failed)))


def describe_failures(actions):
    return "; ".join("%s (batch %d, %s): %s%s" % (
        action.record["name"], action.batch, action.operation, action.outcome,
        " - %s" % action.error if action.error else "") for action in actions)
