# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reimage, restart and power operations on scale-set VMs of both orchestration modes.

The ``instance`` module's work, one step per function:

1. ``ActionOptions``: check every option before any request.
2. ``choose_targets`` + ``check_reimage_targets``: resolve the identifiers (``targets.resolve_identifiers``)
   and refuse what Azure would refuse, before any write.
3. ``plan_actions``: per instance, act or skip (and why), cut into batches. Pure.
4. ``plan_requests``: a batch's requests. Uniform: one scale-set request per scale set and operation with
   ``instanceIds``; Flexible: one single-VM request per VM. Pure.
5. ``ActionRun``: wait for instances that are already busy, then per batch send the requests (at most
   ``max_parallel`` in flight), wait for the batch (``waiter``), check health and stop at ``max_failed``.

Check mode stops after step 4, so its ``actions`` and ``requests`` are the real run's plan.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, from_azure
from ansible_collections.vmss.fleet.plugins.module_utils.fleet import list_fleet, select_scale_sets
from ansible_collections.vmss.fleet.plugins.module_utils.listing import run_bounded
from ansible_collections.vmss.fleet.plugins.module_utils.records import (
    FLEXIBLE,
    UNIFORM,
    last_operation_at,
    os_disk_provisioned_at,
    parse_time,
)
from ansible_collections.vmss.fleet.plugins.module_utils.targets import resolve_identifiers, scale_sets_by_mode
from ansible_collections.vmss.fleet.plugins.module_utils.waiter import (
    Waiter,
    describe,
    failure_message,
    has_failed,
    is_busy,
    is_healthy_or_unreported,
    is_settled,
    utc_timestamp,
)

# state -> the operation that converges an instance to it
CONVERGE_STATES = {"running": "start", "stopped": "power_off", "deallocated": "deallocate"}
ACTION_STATES = ("restarted", "reimaged")
STATES = tuple(CONVERGE_STATES) + ACTION_STATES

# The power state each operation leaves an instance in.
RESULT_POWER = {"start": "running", "restart": "running", "reimage": "running", "power_off": "stopped",
                "deallocate": "deallocated"}
# The last segment of the REST path of each operation (POST .../restart).
REST_ACTION = {"start": "start", "restart": "restart", "reimage": "reimage", "power_off": "powerOff",
               "deallocate": "deallocate"}

# Outcomes that count against max_failed.
FAILED_OUTCOMES = ("failed", "unhealthy", "gone")

REIMAGE_OPTIONS = {"temp_disk": "tempDisk", "exact_version": "exactVersion",
                   "force_update_os_disk_for_ephemeral": "forceUpdateOSDiskForEphemeral"}
# Azure's single-VM reimage (Flexible members) has no forceUpdateOSDiskForEphemeral.
SINGLE_VM_REIMAGE_OPTIONS = ("temp_disk", "exact_version")

_BATCH_SIZE = re.compile(r"^\s*(\d+)\s*(%?)\s*$")


class ActionFailed(FleetError):
    """The run stopped (too many failures, a timeout): the message plus everything done so far."""

    def __init__(self, message, result):
        super(ActionFailed, self).__init__(message)
        self.result = result

    def to_result(self):
        result = dict(self.result)
        result["msg"] = self.message
        return result


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

def parse_batch_size(value):
    """``3`` -> (3, False); ``"25%"`` -> (25, True). FleetError for anything else."""
    match = _BATCH_SIZE.match(str(value)) if value is not None else None
    if not match:
        raise FleetError("batch_size must be a number of instances (3) or a percentage (25%%), got '%s'." % value)
    number, percent = int(match.group(1)), bool(match.group(2))
    if number < 1 or (percent and number > 100):
        raise FleetError("batch_size must be at least 1%s, got '%s'." % (" and at most 100%" if percent else "",
                                                                         value))
    return number, percent


def batch_length(batch_size, target_count):
    """Instances per batch. A percentage is of the targeted instances, rounded down, at least 1."""
    number, percent = parse_batch_size(batch_size)
    if not percent:
        return number
    return max(1, target_count * number // 100)


def parse_since(value):
    """``since`` as an aware datetime (UTC when no offset is given), or None."""
    if value is None or str(value).strip() == "":
        return None
    try:
        return parse_time(str(value).strip())
    except ValueError:
        raise FleetError("since must be an ISO 8601 timestamp such as 2026-11-20T10:00:00Z, got '%s'." % value)


def _given(params, name, default):
    value = params.get(name)
    return default if value is None else value


class ActionOptions(object):
    """The module's options, checked together: every problem is reported at once, before any request."""

    def __init__(self, params):
        self.resource_group = params["resource_group"]
        self.scale_sets = list(params["scale_set"] or [])
        self.instances = [str(item) for item in params.get("instances") or []]
        self.all_instances = bool(params.get("all_instances"))
        self.state = params["state"]
        self.batch_size = str(params.get("batch_size") or "100%")
        self.pause = _given(params, "pause", 0)
        self.health_check = _given(params, "health_check", True)
        self.max_failed = _given(params, "max_failed", 0)
        self.max_parallel = _given(params, "max_parallel", 10)
        self.wait = _given(params, "wait", True)
        self.wait_timeout = _given(params, "wait_timeout", 1800)
        self.poll_interval = _given(params, "polling_interval", 5)
        self.reimage = dict((name, params.get(name)) for name in REIMAGE_OPTIONS if params.get(name) is not None)
        self.since = None
        self._check(params)

    def _check(self, params):
        problems = []
        if self.state not in STATES:
            problems.append("state must be one of %s, got '%s'" % (", ".join(STATES), self.state))
        if not self.scale_sets:
            problems.append("scale_set must name at least one scale set")
        if self.all_instances and self.instances:
            problems.append("give either instances or all_instances: true, not both")
        if not self.all_instances and not self.instances:
            problems.append("give instances (instance IDs or VM names) or all_instances: true")
        problems.extend(self._number_problems())
        try:
            parse_batch_size(self.batch_size)
        except FleetError as exc:
            problems.append(exc.message.rstrip("."))
        try:
            self.since = parse_since(params.get("since"))
        except FleetError as exc:
            problems.append(exc.message.rstrip("."))
        if self.since is not None and self.state not in ACTION_STATES:
            problems.append("since applies to state restarted or reimaged only, not '%s'" % self.state)
        if self.reimage and self.state != "reimaged":
            problems.append("%s apply to state reimaged only" % ", ".join(sorted(self.reimage)))
        if problems:
            raise FleetError("Invalid options: %s. Nothing was done." % "; ".join(problems), code="InvalidOptions")

    def _number_problems(self):
        problems = []
        if self.max_parallel < 1:
            problems.append("max_parallel must be 1 or more, got %d" % self.max_parallel)
        if self.max_failed < 0:
            problems.append("max_failed must be 0 or more, got %d" % self.max_failed)
        if self.pause < 0:
            problems.append("pause must be 0 or more seconds, got %s" % self.pause)
        if self.wait_timeout < 0:
            problems.append("wait_timeout must be 0 or more seconds, got %s" % self.wait_timeout)
        return problems


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------

def record_key(record):
    """Records are matched across listings by resource id (case-insensitive, as ARM ids are)."""
    return record["id"].lower()


def choose_targets(records, scale_sets, options):
    """The records to work on: every instance (``all_instances``) or the ones the identifiers name."""
    if options.all_instances:
        return list(records)
    return resolve_identifiers(options.instances, records, scale_sets_by_mode(scale_sets))


def check_reimage_targets(targets):
    """Azure documents single-VM reimage (the only one for Flexible members) for ephemeral OS disks only."""
    refused = [r["name"] for r in targets if r["orchestration_mode"] == FLEXIBLE and not r["os_disk_ephemeral"]]
    if refused:
        raise FleetError(
            "Cannot reimage %s: in a Flexible scale set each VM is reimaged on its own, which Azure supports for "
            "VMs with an ephemeral OS disk only, and these have a managed OS disk. Nothing was done."
            % ", ".join(refused), code="ReimageNotSupported", target="instances")


# ---------------------------------------------------------------------------
# Planning (pure)
# ---------------------------------------------------------------------------

class PlannedAction(object):
    """One instance, the operation it gets, its batch, and how it went."""

    def __init__(self, record, operation, reason, batch):
        self.record = record
        self.operation = operation
        self.reason = reason
        self.batch = batch
        self.outcome = "planned"
        self.started = None
        self.finished = None
        self.error = None
        self.accepted = False   # Azure accepted the request (202): something changed

    @property
    def key(self):
        return record_key(self.record)

    def to_result(self):
        result = {
            "instance": self.record["name"],
            "instance_id": self.record["instance_id"],
            "scale_set": self.record["scale_set"],
            "orchestration_mode": self.record["orchestration_mode"],
            "operation": self.operation,
            "batch": self.batch,
            "reason": self.reason,
            "outcome": self.outcome,
            "started": self.started,
            "finished": self.finished,
        }
        if self.error:
            result["error"] = self.error
        return result


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def decide(record, state, since=None):
    """(operation, reason) for one settled instance; an operation of None leaves it alone."""
    power = record["power_state"]
    if state in CONVERGE_STATES:
        if power == state:
            return None, "already %s" % state
        if state == "stopped" and power == "deallocated":
            return None, "already deallocated, which is stopped as well"
        return CONVERGE_STATES[state], "power state is %s" % power
    # A failed last operation never counts as done, however recent it is.
    trust_times = since is not None and record["provisioning_state"] != "failed"
    if state == "restarted":
        if power != "running":
            # Like ansible.builtin.service: restarting something that is not running starts it.
            return "start", "not running (%s), so it is started" % power
        finished = last_operation_at(record["instance_view"])
        if trust_times and finished is not None and finished >= since:
            return None, "its last operation completed at %s, not before since (%s)" % (_iso(finished), _iso(since))
        return "restart", "running"
    provisioned = os_disk_provisioned_at(record["instance_view"])
    if trust_times and provisioned is not None and provisioned >= since:
        return None, "its OS disk was provisioned at %s, not before since (%s)" % (_iso(provisioned), _iso(since))
    return "reimage", "OS disk provisioned at %s" % (_iso(provisioned) or "an unknown time")


def decide_after_wait(before, after, state):
    """An instance busy when the task started was waited on; did the operation in flight already do the job?

    Returns (None, reason) when it did, (None, None) when the instance must be judged like any other.
    """
    if state == "restarted" and after["power_state"] == "running" and after["provisioning_state"] != "failed":
        return None, ("an operation was in progress when the task started (%s); it was waited on and ended with "
                      "the instance running, which counts as restarted" % describe(before))
    if state == "reimaged":
        was, now = os_disk_provisioned_at(before["instance_view"]), os_disk_provisioned_at(after["instance_view"])
        if now is not None and now != was:
            return None, ("it was being reimaged when the task started; it was waited on and its OS disk was "
                          "provisioned at %s" % _iso(now))
    return None, None


def plan_actions(targets, options, waited=None, unsettled=()):
    """Decide for every target and cut the instances to act on into batches.

    ``waited`` maps the key of an instance that was busy (and waited on) to its record from before the wait;
    ``unsettled`` holds keys of busy instances that were not waited on (check mode).
    Returns (actions, skipped): PlannedActions in order with batch numbers, and ``{instance, reason}`` dicts.
    """
    waited = waited or {}
    size = batch_length(options.batch_size, len(targets))
    actions, skipped = [], []
    for record in targets:
        key = record_key(record)
        if key in unsettled:
            skipped.append(_skip(record, "busy (%s): a real run waits for the operation in progress to finish, "
                                         "then decides" % describe(record)))
            continue
        operation, reason = None, None
        if key in waited:
            operation, reason = decide_after_wait(waited[key], record, options.state)
        if reason is None:
            operation, reason = decide(record, options.state, options.since)
        if operation is None:
            skipped.append(_skip(record, reason))
        else:
            actions.append(PlannedAction(record, operation, reason, len(actions) // size + 1))
    return actions, skipped


def _skip(record, reason):
    return {"instance": record["name"], "instance_id": record["instance_id"], "scale_set": record["scale_set"],
            "reason": reason}


def batches_of(actions):
    """``[[action, ...], ...]`` in batch order."""
    batches = []
    for action in actions:
        if len(batches) < action.batch:
            batches.append([])
        batches[action.batch - 1].append(action)
    return batches


def plan_requests(batch):
    """The requests of one batch: ``{batch, operation, scope, scale_set, resource_group, path, instances,
    instance_ids, actions}``, in the order of the batch's first instance for each request."""
    requests, uniform = [], {}
    for action in batch:
        record = action.record
        if record["orchestration_mode"] == UNIFORM:
            group = (record["scale_set_id"].lower(), action.operation)
            if group not in uniform:
                uniform[group] = _request(action, "scale_set", record["scale_set_id"])
                requests.append(uniform[group])
            request = uniform[group]
        else:
            request = _request(action, "vm", record["id"])
            requests.append(request)
        request["actions"].append(action)
        request["instances"].append(record["name"])
        if request["scope"] == "scale_set":
            request["instance_ids"].append(record["instance_id"])
    return requests


def _request(action, scope, resource_id):
    return {
        "batch": action.batch,
        "operation": action.operation,
        "scope": scope,
        "scale_set": action.record["scale_set"],
        "resource_group": action.record["resource_group"],
        "name": action.record["scale_set"] if scope == "scale_set" else action.record["name"],
        "method": "POST",
        "path": "%s/%s" % (resource_id, REST_ACTION[action.operation]),
        "instances": [],
        "instance_ids": [],
        "actions": [],
    }


def request_result(request):
    """A request as the module returns it (without the internal action objects)."""
    result = dict((key, value) for key, value in request.items() if key not in ("actions", "name"))
    if request["scope"] == "vm":
        result.pop("instance_ids")
    return result


def predicted_after(record, action):
    """The record a successful operation would leave (check mode's diff)."""
    if action is None:
        return record
    after = dict(record)
    after["power_state"] = RESULT_POWER[action.operation]
    after["provisioning_state"] = "succeeded"
    return after


def diff_of(targets, after_by_key):
    """Before/after power and provisioning state per instance (by VM name) for ``--diff``."""
    def states(record):
        return {"power_state": record.get("power_state"), "provisioning_state": record.get("provisioning_state")}

    before, after = {}, {}
    for record in targets:
        before[record["name"]] = states(record)
        after[record["name"]] = states(after_by_key.get(record_key(record)) or {})
    return {"before": before, "after": after}


# ---------------------------------------------------------------------------
# Requests (the only writes)
# ---------------------------------------------------------------------------

def request_body(request, reimage_options):
    """The JSON body of a request, or None when the operation takes none."""
    if request["scope"] == "scale_set":
        body = {"instanceIds": list(request["instance_ids"])}
        if request["operation"] == "reimage":
            for name, value in reimage_options.items():
                body[REIMAGE_OPTIONS[name]] = value
        return body
    if request["operation"] == "reimage":
        body = dict((REIMAGE_OPTIONS[name], value) for name, value in reimage_options.items()
                    if name in SINGLE_VM_REIMAGE_OPTIONS)
        return body or None
    return None


def send_request(compute, request, reimage_options):
    """POST one operation without polling it: the batch is watched through the listing instead."""
    operation = request["operation"]
    body = request_body(request, reimage_options)
    if request["scope"] == "scale_set":
        operations = compute.virtual_machine_scale_sets
        keyword = "vm_scale_set_reimage_input" if operation == "reimage" else "vm_instance_i_ds"
        args = {keyword: body}
    else:
        operations = compute.virtual_machines
        args = {"parameters": body} if operation == "reimage" else {}
    method = getattr(operations, "begin_" + operation)
    try:
        method(request["resource_group"], request["name"], polling=False, **args)
    except Exception as exc:
        error = from_azure(exc, "requesting %s of %s" % (operation, ", ".join(request["instances"])))
        if error.code == "ResponseFailed":
            # Sent, but the answer was lost; azure-core never resends a POST, and neither does this module.
            error.message += " The request may have been carried out: check the instance before acting on it again."
        raise error


# ---------------------------------------------------------------------------
# Running the plan
# ---------------------------------------------------------------------------

class BatchWatch(object):
    """The waiter's verdict for instances of one batch: finished (and healthy), failed, or not yet."""

    def __init__(self, actions, health_check):
        self.actions = dict((action.key, action) for action in actions)
        self.health_check = health_check
        self.seen_busy = set()

    def verdict(self, key, record):
        action = self.actions[key]
        if record is None:
            return "gone"
        if is_busy(record):
            self.seen_busy.add(key)
            return None
        if not self._progressed(action, record):
            return None   # Azure has not shown the operation yet
        if has_failed(record):
            return "failed"
        if record["power_state"] != RESULT_POWER[action.operation]:
            return None
        if self.health_check and RESULT_POWER[action.operation] == "running" and not is_healthy_or_unreported(record):
            return None
        return "succeeded"

    def operation_done(self, key, record):
        """At the deadline: did the operation itself finish (so only health is missing)?"""
        action = self.actions[key]
        return (record is not None and is_settled(record) and self._progressed(action, record)
                and not has_failed(record) and record["power_state"] == RESULT_POWER[action.operation])

    def _progressed(self, action, record):
        # Either the instance was seen busy since the request, or its state moved on from before it.
        return action.key in self.seen_busy or _fingerprint(record) != _fingerprint(action.record)


def _fingerprint(record):
    view = record.get("instance_view")
    return (record.get("power_state"), record.get("provisioning_state"), last_operation_at(view),
            os_disk_provisioned_at(view))


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


# ---------------------------------------------------------------------------
# The module's body
# ---------------------------------------------------------------------------

def apply_instance_state(compute, network, params, check_mode=False, want_diff=False, warn=None,
                         sleep=time.sleep):
    """Everything ``vmss.fleet.instance`` does; returns its result, raises FleetError / ActionFailed."""
    warn = warn or (lambda message: None)
    options = ActionOptions(params)
    scale_sets = select_scale_sets(compute, options.resource_group, options.scale_sets)
    listing = list_fleet(compute, network, scale_sets, instance_view=True, with_network=True)
    listing.raise_failures()
    targets = choose_targets(listing.records, scale_sets, options)
    if options.state == "reimaged":
        check_reimage_targets(targets)
        _warn_unsupported_reimage_options(targets, options, warn)
    before = list(targets)

    run = ActionRun(compute, scale_sets, options, sleep=sleep, warn=warn)
    waited, unsettled = {}, set()
    if check_mode:
        unsettled = set(record_key(r) for r in targets if is_busy(r))
    else:
        targets, waited = run.settle_busy(targets)
    actions, skipped = plan_actions(targets, options, waited, unsettled)
    requests = [request for batch in batches_of(actions) for request in plan_requests(batch)]

    stopped = None
    if not check_mode and actions:
        stopped = run.execute(actions)
    after = _records_after(compute, network, scale_sets, targets, actions, check_mode, stopped)

    result = {
        "changed": bool(actions) if check_mode else any(action.accepted for action in actions),
        "actions": [action.to_result() for action in actions],
        "skipped": skipped,
        "waited": [{"instance": record["name"], "was": describe(record)} for record in waited.values()],
        "requests": [request_result(request) for request in requests],
        "batches": [{"batch": batch[0].batch, "instances": [a.record["name"] for a in batch]}
                    for batch in batches_of(actions)],
        "instances": [after.get(record_key(record), record) for record in targets],
    }
    if want_diff:
        result["diff"] = diff_of(before, after)
    if stopped:
        raise ActionFailed(stopped, result)
    return result


def _records_after(compute, network, scale_sets, targets, actions, check_mode, stopped):
    """Records after the run by key: predicted in check mode, re-listed when anything was sent."""
    by_action = dict((action.key, action) for action in actions)
    if check_mode or not any(action.accepted for action in actions):
        return dict((record_key(r), predicted_after(r, by_action.get(record_key(r)) if check_mode else None))
                    for r in targets)
    try:
        listing = list_fleet(compute, network, scale_sets, instance_view=True, with_network=True)
        listing.raise_failures()
    except FleetError:
        if stopped:
            return dict((record_key(r), r) for r in targets)  # report the failure that stopped the run
        raise
    return dict((record_key(r), r) for r in listing.records)


def _warn_unsupported_reimage_options(targets, options, warn):
    flexible = [r["name"] for r in targets if r["orchestration_mode"] == FLEXIBLE]
    if flexible and options.reimage.get("force_update_os_disk_for_ephemeral") is not None:
        warn("force_update_os_disk_for_ephemeral is not sent for Flexible members (%s): Azure's single-VM reimage "
             "has no such parameter." % ", ".join(flexible))
