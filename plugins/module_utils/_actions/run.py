# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Performing a plan against Azure: wait for busy instances, then per batch send, wait, judge, stop at max_failed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vmss.fleet.plugins.module_utils._actions.pacing import (
    BatchEnd,
    OnCallerThread,
    Pace,
    PastDeadline,
    Waves,
)
from ansible_collections.vmss.fleet.plugins.module_utils._actions.plan import lanes_of, plan_requests
from ansible_collections.vmss.fleet.plugins.module_utils._actions.requests import (
    begin_request,
    is_stale_batch,
    send_request,
)
from ansible_collections.vmss.fleet.plugins.module_utils._actions.targets import record_key
from ansible_collections.vmss.fleet.plugins.module_utils._actions.verdicts import BatchWatch, counts_as_failure
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, azure_errors
from ansible_collections.vmss.fleet.plugins.module_utils.fleet import list_fleet
from ansible_collections.vmss.fleet.plugins.module_utils.listing import PageMarks, run_bounded
from ansible_collections.vmss.fleet.plugins.module_utils.waiter import (
    Waiter,
    describe,
    failure_message,
    has_failed,
    is_busy,
    is_settled,
    is_transient,
    utc_timestamp,
)


class ActionRun(object):
    """Performs a plan against Azure: busy instances first, then batch after batch."""

    def __init__(self, compute, scale_sets, options, sleep=time.sleep, clock=time.monotonic, warn=None, marks=None):
        self.compute = compute
        self.scale_sets = dict((vmss["id"].lower(), vmss) for vmss in scale_sets)
        self.options = options
        self.sleep = sleep
        self.clock = clock
        self.warn = warn or (lambda message: None)
        self.set_of = {}     # instance key -> scale set id (lowercase), to list only the sets a wait needs
        self.last_seen = {}  # instance key -> the latest record any read returned
        self.marks = marks or PageMarks()   # where each VM was listed last: a batch read begins at its page
        self.paces = {}      # lane -> Pace: how long its last operations took, to aim the next batch's polling
        self.fleet_pace = Pace()    # the same across lanes: what a lane's first batch is aimed at
        # lane -> the threads that send and follow its batches' requests, kept from one batch to the next:
        # starting 10 threads per batch in each of 20 lanes, whose batches end at about the same moment, was a
        # visible share of the gap between batches.
        self._executors = {}

    # -- reading -------------------------------------------------------------------------------------------

    def read(self, keys):
        """Current records of the given instances, from their scale sets' lists, each read only as far as it
        takes to see them all, from the page where the first of them was seen last."""
        wanted = sorted(set(self.set_of[key] for key in keys))
        listing = list_fleet(self.compute, None, [self.scale_sets[set_id] for set_id in wanted],
                             instance_view=True, with_network=False, until_seen=set(keys), marks=self.marks)
        if listing.failures:
            raise _read_failure([error for _what, error in listing.failures])
        records = dict((record_key(record), record) for record in listing.records)
        self.last_seen.update(records)
        return records

    def waiter(self, timeout):
        """Re-reads the listing every polling_interval, for at most ``timeout`` seconds."""
        return Waiter(self.read, timeout, self.options.poll_interval, clock=self.clock, sleep=self.sleep)

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

        outcome = self.waiter(self.options.wait_timeout).wait(list(busy), settled)
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
        """Run the batches: one sequence, or each scale set's own batches with at most max_parallel_sets
        sets rolling at once. One failure count for the whole fleet: once it passes max_failed, or a batch
        stops (wait_timeout, a read that failed), no further batch starts in any set.
        Returns None, or the reason the run stopped early."""
        self.remember(action.record for action in actions)
        self._failed, self._trip, self._stopped = [], None, None
        self._lock = threading.Lock()
        # What was read and imported so far lives until the module exits. Frozen, it is no longer walked by
        # every full garbage collection, each of which stops all the lanes (measured: 2.2 s of such pauses
        # in a 25 s roll of 20 scale sets before, 0.7 s after).
        gc.freeze()
        try:
            run_bounded(self._roll, lanes_of(actions), self.options.max_parallel_sets or 1)
        finally:
            gc.unfreeze()
            for executor in self._executors.values():
                executor.shutdown()
        if self._trip is not None:
            return self._too_many_failures()
        if self._stopped is not None:
            return self._stopped
        if self._failed:
            self.warn("%d instance(s) failed, within max_failed (%d): %s" % (
                len(self._failed), self.options.max_failed, describe_failures(self._failed)))
        return None

    def _roll(self, batches):
        """One lane's batches in order, until the lane ends or the fleet-wide run stops."""
        for index, batch in enumerate(batches):
            if self._trip is not None or self._stopped is not None:
                self._not_started(batches[index:])
                return
            if index and self.options.pause:
                self.sleep(self.options.pause)
            stopped = self.run_batch(batch)
            failures = [action for action in batch if counts_as_failure(action, self.options.allow_missing)]
            with self._lock:
                self._failed.extend(failures)
                if stopped is not None and self._stopped is None:
                    self._stopped = stopped
                if len(self._failed) > self.options.max_failed and self._trip is None:
                    self._trip = (batch, len(batches))
            if stopped is not None or self._trip is not None:
                self._not_started(batches[index + 1:])
                return

    def run_batch(self, batch):
        """Send a batch; with ``wait``, follow it to its end and judge each instance. Returns why the run
        stops, or None."""
        if not self.options.wait:
            self.send_batch(batch)
            return None
        deadline = self.clock() + self.options.wait_timeout
        ended, early = self.follow_batch(batch, deadline)
        return self.wait_for_batch(batch, deadline, ended, early)

    def send_batch(self, batch):
        """Send a batch's requests without following them (``wait: false``), at most max_parallel at once."""
        def send(request):
            return send_request(self.compute, request, self.options.reimage)

        run_bounded(lambda request: self._send(request, send), plan_requests(batch), self.options.max_parallel)

    def follow_batch(self, batch, deadline):
        """Send the batch's requests and follow each operation to its end with azure-core's poller, at most
        max_parallel operations in flight, aimed at the end of the lane's previous ones; single-VM operations are
        followed in waves (see pacing.py). Returns (ended, early):

        - ended: ``{key: (how it ended, Azure's error message)}`` where how is ``succeeded``, ``failed`` (the
          operation reports it), ``pending`` (not over by the deadline) or ``unknown`` (the operation could not be
          followed: the listing tells);
        - early: the batch's records read when its operations should all have been over (see EarlyRead), or
          None.
        """
        ended = {}
        waves = Waves(self.options.poll_interval, deadline, clock=self.clock, sleep=self.sleep)
        pace = self.paces.setdefault(batch[0].lane, Pace(fleet=self.fleet_pace))
        requests = plan_requests(batch)
        kinds = [(request["scope"], request["operation"]) for request in requests]
        batch_end = BatchEnd(len(requests), clock=self.clock)

        def follow(request):
            kind = (request["scope"], request["operation"])
            learned = functools.partial(pace.expected, kind)
            if request["scope"] == "vm":
                polling, leading = waves.join(pace.expected(kind), learned)
            else:
                polling, leading = waves.aimed(pace.expected(kind), learned), None
            polling = OnCallerThread(polling)
            sent = None
            try:
                sent = self._send(request, lambda sending: begin_request(
                    self.compute, sending, self.options.reimage, self.options.poll_interval, polling))
                if sent is None:
                    return
                batch_end.answered(pace.expected(kind))
                accepted, poller = sent
                end = operation_end(poller)
            finally:
                if sent is None:
                    batch_end.refused()
                if leading is not None:
                    leading.end()
            pace.learn(kind, polling)
            for action in accepted["actions"]:
                ended[action.key] = end

        early = None
        if all(pace.expected(kind) is not None for kind in kinds):
            early = EarlyRead(self.read, [action.key for action in batch], batch_end, deadline, self.clock)
            early.start()
        run_bounded(follow, requests, self.options.max_parallel, self._lane_executor(batch[0].lane))
        return ended, (early.records() if early is not None else None)

    def _lane_executor(self, lane):
        # Only the lane's own thread asks for its executor.
        if lane not in self._executors:
            self._executors[lane] = ThreadPoolExecutor(max_workers=max(1, self.options.max_parallel))
        return self._executors[lane]

    def _send(self, request, send):
        """Send one request: (the request Azure accepted, what ``send`` returned), or None when refused."""
        started = utc_timestamp()
        for action in request["actions"]:
            action.started = started
        try:
            answer = send(request)
        except FleetError as exc:
            return self._refused(request, exc, send)
        self._accepted(request["actions"])
        return request, answer

    @staticmethod
    def _accepted(actions):
        for action in actions:
            action.accepted, action.outcome = True, "requested"

    def _refused(self, request, error, send):
        """A refused request fails its instances, except those Azure no longer has: they are gone.

        A Uniform batch naming one instance that was scaled in is refused as a whole (400 InvalidParameter on
        instanceIds); the others did not get the operation, so they are sent it once more without the gone ones.
        Returns what ``_send`` returns for that second request, or None.
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
                answer = send(resend)
            except FleetError as exc:
                error = exc
            else:
                self._accepted(rest)
                return resend, answer
        for action in rest:
            self._mark(action, "failed", error.message)
        return None

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

    def wait_for_batch(self, batch, deadline, ended=None, early=None):
        """Judge every accepted instance of the batch from one read once its operations ended; re-read every
        polling_interval only what is not done yet (health still coming, an operation that could not be
        followed). ``early``: records read alongside the operations' last status requests; they settle only
        instances whose operation Azure reported succeeded and that show its result themselves. Returns why the
        run stops, or None."""
        ended = ended or {}
        accepted = self._settled_early([action for action in batch if action.accepted], ended, early)
        if not accepted:
            return None
        watch = BatchWatch(accepted, self.options.health_check)
        watch.operation_ended(key for key, (how, _error) in ended.items() if how == "succeeded")
        failed_operations = dict((key, error) for key, (how, error) in ended.items() if how == "failed")

        def verdict(key, record):
            found = watch.verdict(key, record)
            if found is None and key in failed_operations and is_settled(record):
                return "failed"     # Azure says the operation failed, though the instance does not show it
            return found

        outcome = self.waiter(max(0.0, deadline - self.clock())).wait([action.key for action in accepted], verdict)
        by_key = dict((action.key, action) for action in accepted)
        for key, (found, record, finished) in outcome.done.items():
            action = by_key[key]
            action.outcome, action.finished = found, finished
            if found == "failed":
                action.error = failure_message(record) if has_failed(record) else failed_operations.get(key)
            elif found == "gone":
                action.error = "the instance is no longer listed in its scale set"
        if outcome.read_error is not None and outcome.pending:
            # Requested and accepted; whether it finished is unknown, so the outcome stays "requested".
            names = ", ".join(sorted(by_key[key].record["name"] for key in outcome.pending))
            return ("Could not read the progress of %s (%s); its requests were accepted, their outcome is "
                    "unknown for %s" % (batch_name(batch), outcome.read_error.message.rstrip("."), names))
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
            return ("wait_timeout (%ss) exceeded in %s; still pending: %s"
                    % (self.options.wait_timeout, batch_name(batch), report))
        return None

    def _settled_early(self, accepted, ended, early):
        """Mark succeeded the instances the early read shows done; returns the others.

        The early read may have been answered just before an operation's end, so it is judged without Azure's
        word that the operations ended: only a record that shows the operation itself (its instance seen changed,
        not busy, in the result's power state, healthy when checked) counts, and only for an operation Azure
        reported succeeded.
        """
        if not early:
            return accepted
        records, finished = early
        watch = BatchWatch(accepted, self.options.health_check)
        rest = []
        for action in accepted:
            succeeded = ended.get(action.key, (None, None))[0] == "succeeded"
            if succeeded and action.key in records and watch.verdict(action.key, records[action.key]) == "succeeded":
                action.outcome, action.finished = "succeeded", finished
            else:
                rest.append(action)
        return rest

    def _not_started(self, batches):
        for batch in batches:
            for action in batch:
                if action.outcome == "planned":
                    action.outcome = "not_started"

    def _too_many_failures(self):
        batch, total = self._trip
        return ("Stopped after %s of %d: %d instance(s) failed, more than max_failed (%d): %s"
                % (batch_name(batch), total, len(self._failed), self.options.max_failed,
                   describe_failures(self._failed)))


class EarlyRead(object):
    """Reads a batch's instances, on a thread of its own, at the moment its BatchEnd says every operation should be
    over. No read when that moment is unknown, when every operation was seen over before it (the usual read
    follows at once then) or when the read fails (the usual read follows)."""

    def __init__(self, read, keys, batch_end, deadline, clock):
        self._read = read
        self._keys = keys
        self._batch_end = batch_end
        self._deadline = deadline
        self._clock = clock
        self._result = None
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vmss-early-read")
        self._thread.daemon = True

    def start(self):
        self._thread.start()

    def _run(self):
        moment = self._batch_end.moment(self._deadline)
        if moment is None or moment >= self._deadline:
            return
        if self._cancelled.wait(max(0.0, moment - self._clock())):
            return
        try:
            self._result = (self._read(self._keys), utc_timestamp())
        except FleetError:
            pass

    def records(self):
        """({key: record}, when it was read), or None. Called once every operation is over: a read not sent yet
        is no longer needed; one in flight is waited for."""
        self._cancelled.set()
        self._thread.join()
        return self._result


def operation_end(poller):
    """How an operation ended, followed on this thread by its azure-core poller's polling method (OnCallerThread)
    until the batch's deadline: (``succeeded`` | ``failed`` | ``pending`` | ``unknown``, Azure's error message or
    None)."""
    polling = poller.polling_method()
    try:
        with azure_errors("following its operation"):
            polling.follow()
    except PastDeadline:
        return "pending", None
    except FleetError as error:
        if error.status != 200:
            return "unknown", None   # a status request failed; the listing tells what happened
        return "failed", error.message   # Azure answered the status request: the operation failed, and why
    return ("succeeded", None) if polling.finished() else ("pending", None)


def batch_name(batch):
    """``batch 2``, or ``batch 2 of scale set 'web'`` for a scale set's own batches."""
    if batch[0].lane is None:
        return "batch %d" % batch[0].batch
    return "batch %d of scale set '%s'" % (batch[0].batch, batch[0].record["scale_set"])


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
