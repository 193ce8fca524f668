# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of ``vmss.fleet.instance``: reimage, restart and power operations on scale-set VMs of both modes.

One step per job, each in its own file under ``_actions/``:

1. ``options``: the argument spec, and the value checks it cannot express, before any request.
2. ``targets``: resolve the identifiers and refuse what Azure would refuse, before any write.
3. ``plan``: per instance act or skip (and why), cut into batches, and each batch's requests. Pure.
4. ``run`` with ``requests`` and ``verdicts``: wait for instances that are already busy, then per batch send
   the requests (at most ``max_parallel`` in flight), wait for the batch, judge each instance, stop at
   ``max_failed``.

Check mode stops after step 3, so its ``actions`` and ``requests`` are the real run's plan.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.vmss.fleet.plugins.module_utils._actions.options import ActionOptions
from ansible_collections.vmss.fleet.plugins.module_utils._actions.plan import (
    batch_result,
    batches_of,
    diff_of,
    plan_actions,
    plan_requests,
    predicted_after,
    request_result,
)
from ansible_collections.vmss.fleet.plugins.module_utils._actions.run import ActionRun
from ansible_collections.vmss.fleet.plugins.module_utils._actions.targets import (
    check_reimage_targets,
    choose_targets,
    record_key,
    warn_unsupported_reimage_options,
)
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.fleet import list_fleet, matches_tags, select_scale_sets
from ansible_collections.vmss.fleet.plugins.module_utils.listing import PageMarks
from ansible_collections.vmss.fleet.plugins.module_utils.waiter import describe, is_busy


class ActionFailed(FleetError):
    """The run stopped (too many failures, a timeout): the message plus everything done so far."""

    def __init__(self, message, result):
        super(ActionFailed, self).__init__(message)
        self.result = result

    def to_result(self):
        result = dict(self.result)
        result["msg"] = self.message
        return result


def apply_instance_state(clients, params, check_mode=False, want_diff=False, warn=None, sleep=time.sleep):
    """Everything ``vmss.fleet.instance`` does; returns its result, raises FleetError / ActionFailed.

    Before the first write any failure is a plain FleetError ("nothing was done"). After it, whatever stops the
    run becomes an ActionFailed that carries what was sent and each instance's outcome so far.
    """
    warn = warn or (lambda message: None)
    options = ActionOptions(params)
    compute, network = clients.compute(), clients.network()
    scale_sets = _chosen_scale_sets(clients.arm(), options)
    marks = PageMarks()
    listing = list_fleet(compute, network, scale_sets, instance_view=True, with_network=True, marks=marks)
    listing.raise_failures()
    targets, missing = choose_targets(listing.records, scale_sets, options)
    if options.state == "reimaged":
        check_reimage_targets(targets)
        warn_unsupported_reimage_options(targets, options, warn)
    before = list(targets)

    run = ActionRun(compute, scale_sets, options, sleep=sleep, warn=warn, marks=marks)
    waited, unsettled, booted = {}, set(), set()
    if check_mode:
        unsettled = set(record_key(r) for r in targets if is_busy(r))
    else:
        targets, waited, booted = run.settle_busy(targets)
    actions, skipped = plan_actions(targets, options, waited, unsettled, booted)
    requests = [request for batch in batches_of(actions) for request in plan_requests(batch)]

    stopped = None
    if not check_mode and actions:
        stopped = _execute(run, actions)
    after = _records_after(compute, network, scale_sets, targets, actions, check_mode, run, warn)

    result = {
        "changed": bool(actions) if check_mode else any(action.accepted for action in actions),
        "actions": [action.to_result() for action in actions],
        "skipped": skipped,
        "missing": missing,
        "waited": [{"instance": record["name"], "was": describe(record)} for record in waited.values()],
        "requests": [request_result(request) for request in requests],
        "batches": [batch_result(batch) for batch in batches_of(actions)],
        "instances": [after.get(record_key(record), record) for record in targets],
    }
    if want_diff:
        result["diff"] = diff_of(before, after)
    if stopped:
        raise ActionFailed(stopped, result)
    return result


def _chosen_scale_sets(arm, options):
    """The scale sets named (names or globs), narrowed to those carrying ``scale_set_tags``."""
    named = select_scale_sets(arm, options.resource_group, options.scale_sets)
    if not options.scale_set_tags:
        return named
    tagged = [vmss for vmss in named if matches_tags(vmss, options.scale_set_tags)]
    if not tagged:
        raise FleetError("No scale set of %s in resource group '%s' carries the tags %s (their tags: %s). Nothing "
                         "was done." % (", ".join("'%s'" % name for name in options.scale_sets),
                                        options.resource_group, options.scale_set_tags,
                                        "; ".join("%s: %s" % (vmss["name"], vmss.get("tags") or {})
                                                  for vmss in named)), code="InvalidOptions")
    return tagged


def _execute(run, actions):
    """The run's reason to stop, or None. A failure after the first write stops it without losing the result."""
    try:
        return run.execute(actions)
    except FleetError as exc:
        for action in actions:
            if action.outcome == "planned":
                action.outcome = "not_started"
        return "The run stopped: %s" % exc.message


def _records_after(compute, network, scale_sets, targets, actions, check_mode, run, warn):
    """Records after the run by key: predicted in check mode; when anything was sent, what the batch reads saw
    last if that tells the whole story (see ``_seen_after_the_run``), otherwise re-listed.

    When that last listing fails, the records the run saw last stand in, with a warning: the actions are
    done and reported, a failed read after them must not turn them into a failure.
    """
    by_action = dict((action.key, action) for action in actions)
    if check_mode or not any(action.accepted for action in actions):
        return dict((record_key(r), predicted_after(r, by_action.get(record_key(r)) if check_mode else None))
                    for r in targets)
    seen = _seen_after_the_run(targets, actions, run)
    if seen is not None:
        return seen
    listing = list_fleet(compute, network, scale_sets, instance_view=True, with_network=True)
    if listing.failures:
        warn("Could not read the instances again after the run (%s); instances shows the last state read."
             % "; ".join(error.message for _what, error in listing.failures))
        records = dict((record_key(r), r) for r in targets)
        records.update(run.last_seen)
        return records
    return dict((record_key(r), r) for r in listing.records)


# How an accepted instance ended when a batch read showed it done.
JUDGED_FROM_A_READ = ("succeeded", "unhealthy")


def _seen_after_the_run(targets, actions, run):
    """The targets' records after the run without reading the scale sets again, or None when that takes a read.

    Every accepted instance was read once its operation was over (the batch reads carry no addresses, so they
    are the ones listed before the run). That holds unless an operation may have changed the addresses: a
    deallocation can give back a dynamic public IP, and starting a deallocated VM can get a new one.
    """
    records = dict((record_key(r), r) for r in targets)
    for action in actions:
        if not action.accepted:
            continue
        seen = run.last_seen.get(action.key)
        if seen is None or action.outcome not in JUDGED_FROM_A_READ or _may_readdress(action):
            return None
        before = records[action.key]
        records[action.key] = dict(seen, private_ips=before["private_ips"], public_ips=before["public_ips"])
    return records


def _may_readdress(action):
    return action.operation == "deallocate" or action.record["power_state"] == "deallocated"
