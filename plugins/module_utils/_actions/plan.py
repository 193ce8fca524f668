# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan, pure: per instance act or skip (and why), cut into batches, and each batch's write requests.

Uniform instances of a batch share one scale-set request per scale set and operation (``instanceIds``);
each Flexible member gets a single-VM request. Check mode returns this plan without sending it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmss.fleet.plugins.module_utils._actions.options import CONVERGE_STATES, batch_length
from ansible_collections.vmss.fleet.plugins.module_utils._actions.targets import record_key
from ansible_collections.vmss.fleet.plugins.module_utils.records import (
    UNIFORM,
    os_disk_provisioned_at,
    parse_time,
)
from ansible_collections.vmss.fleet.plugins.module_utils.waiter import describe

# The power state each operation leaves an instance in.
RESULT_POWER = {"start": "running", "restart": "running", "reimage": "running", "power_off": "stopped",
                "deallocate": "deallocated"}
# The last segment of the REST path of each operation (POST .../restart).
REST_ACTION = {"start": "start", "restart": "restart", "reimage": "reimage", "power_off": "powerOff",
               "deallocate": "deallocate"}


class PlannedAction(object):
    """One instance, the operation it gets, its batch, and how it went."""

    def __init__(self, record, operation, reason, batch, lane=None):
        self.record = record
        self.operation = operation
        self.reason = reason
        self.batch = batch
        self.lane = lane        # the scale set whose own batches this belongs to (max_parallel_sets), or None
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


def running_since(record):
    """When the instance last became running (started, restarted or reimaged): its PowerState/running status
    time. None when it is not running or Azure gives the power state no time (its instance views often don't)."""
    for status in (record.get("instance_view") or {}).get("statuses") or []:
        code = (status.get("code") or "").lower()
        if code.startswith("powerstate/"):
            return _time_or_none(status.get("time")) if code == "powerstate/running" else None
    return None


def os_disk_provisioned(record):
    """When the OS disk was last (re)provisioned. The disk is the one the record names as its OS disk; a record
    without that name is read only when its view lists a single disk, which can only be the OS disk: the time
    of a data disk (attached last week) says nothing about a reimage."""
    view = record.get("instance_view") or {}
    if record.get("os_disk_name"):
        return os_disk_provisioned_at(view, record["os_disk_name"])
    disks = view.get("disks") or []
    return os_disk_provisioned_at(view) if len(disks) == 1 else None


def _time_or_none(value):
    try:
        return parse_time(value)
    except ValueError:
        return None


def decide(record, state, since=None):
    """(operation, reason) for one settled instance; an operation of None leaves it alone.

    ``since`` counts for ``restarted`` only the time the VM last became running (an operation that left it
    running all along, such as an extension install, is no restart) and for ``reimaged`` the OS disk's time.
    """
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
        booted = running_since(record)
        if trust_times and booted is not None and booted >= since:
            return None, "running since %s (its power-state time), not before since (%s)" % (_iso(booted),
                                                                                             _iso(since))
        if since is not None and booted is None:
            return "restart", ("running; its instance view gives no power-state time, so nothing shows a restart "
                               "since %s" % _iso(since))
        return "restart", "running" + (" since %s" % _iso(booted) if booted else "")
    provisioned = os_disk_provisioned(record)
    if trust_times and provisioned is not None and provisioned >= since:
        return None, "its OS disk was provisioned at %s, not before since (%s)" % (_iso(provisioned), _iso(since))
    return "reimage", "OS disk provisioned at %s" % (_iso(provisioned) or "an unknown time")


def decide_after_wait(before, after, state, booted=False):
    """An instance busy when the task started was waited on; did the operation in flight already do the job?

    ``booted``: the instance was seen not running during the wait (stopped, starting...), so if it ended
    running it went through a boot. An operation that kept it running all along was no restart.
    Returns (None, reason) when it did the job, (None, None) when the instance must be judged like any other.
    """
    if state == "restarted" and booted and after["power_state"] == "running" \
            and after["provisioning_state"] != "failed":
        return None, ("an operation was in progress when the task started (%s); it was waited on and the "
                      "instance booted and is running, which counts as restarted" % describe(before))
    if state == "reimaged":
        was, now = os_disk_provisioned(before), os_disk_provisioned(after)
        if now is not None and now != was:
            return None, ("it was being reimaged when the task started; it was waited on and its OS disk was "
                          "provisioned at %s" % _iso(now))
    return None, None


def plan_actions(targets, options, waited=None, unsettled=(), booted=()):
    """Decide for every target and cut the instances to act on into batches.

    ``waited`` maps the key of an instance that was busy (and waited on) to its record from before the wait;
    ``unsettled`` holds keys of busy instances that were not waited on (check mode); ``booted`` the keys of
    waited instances seen booting during the wait.

    Without ``max_parallel_sets`` the targets form one sequence cut into batches (a batch may span scale sets).
    With it, each scale set is cut into batches of its own (``batch_size`` of that set's targets), numbered from
    1 in each set: the sets roll side by side.
    Returns (actions, skipped): PlannedActions in order with batch numbers, and ``{instance, reason}`` dicts.
    """
    waited = waited or {}
    per_set = options.max_parallel_sets is not None
    sizes = _batch_sizes(targets, options.batch_size, per_set)
    counts = {}
    actions, skipped = [], []
    for record in targets:
        key = record_key(record)
        if key in unsettled:
            skipped.append(_skip(record, "busy (%s): a real run waits for the operation in progress to finish, "
                                         "then decides" % describe(record)))
            continue
        operation, reason = None, None
        if key in waited:
            operation, reason = decide_after_wait(waited[key], record, options.state, key in booted)
        if reason is None:
            operation, reason = decide(record, options.state, options.since)
        if operation is None:
            skipped.append(_skip(record, reason))
            continue
        lane = record["scale_set_id"].lower() if per_set else None
        position = counts.get(lane, 0)
        counts[lane] = position + 1
        actions.append(PlannedAction(record, operation, reason, position // sizes[lane] + 1, lane))
    return actions, skipped


def _batch_sizes(targets, batch_size, per_set):
    """Instances per batch, by lane: one size for all targets, or one per scale set (of that set's targets)."""
    if not per_set:
        return {None: batch_length(batch_size, len(targets))}
    counts = {}
    for record in targets:
        lane = record["scale_set_id"].lower()
        counts[lane] = counts.get(lane, 0) + 1
    return dict((lane, batch_length(batch_size, count)) for lane, count in counts.items())


def _skip(record, reason):
    return {"instance": record["name"], "instance_id": record["instance_id"], "scale_set": record["scale_set"],
            "reason": reason}


def batches_of(actions):
    """``[[action, ...], ...]`` in batch order (per scale set, the sets in the order they first appear)."""
    batches, by_lane_and_number = [], {}
    for action in actions:
        group = (action.lane, action.batch)
        if group not in by_lane_and_number:
            by_lane_and_number[group] = []
            batches.append(by_lane_and_number[group])
        by_lane_and_number[group].append(action)
    lanes = []
    for batch in batches:
        if batch[0].lane not in lanes:
            lanes.append(batch[0].lane)
    return sorted(batches, key=lambda batch: (lanes.index(batch[0].lane), batch[0].batch))


def lanes_of(actions):
    """The batches of each lane (scale set), lanes in order: ``[[batch, ...], ...]``."""
    lanes = []
    for batch in batches_of(actions):
        if not lanes or lanes[-1][0][0].lane != batch[0].lane:
            lanes.append([])
        lanes[-1].append(batch)
    return lanes


def batch_result(batch):
    """A batch as the module returns it; batches of one scale set's own sequence name it."""
    result = {"batch": batch[0].batch, "instances": [action.record["name"] for action in batch]}
    if batch[0].lane is not None:
        result["scale_set"] = batch[0].record["scale_set"]
    return result


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
