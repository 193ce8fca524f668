# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verdicts on the instances of a batch while it is waited on: succeeded, failed, gone, or not yet."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmss.fleet.plugins.module_utils._actions.plan import (
    RESULT_POWER,
    os_disk_provisioned,
    running_since,
)
from ansible_collections.vmss.fleet.plugins.module_utils.records import last_operation_at
from ansible_collections.vmss.fleet.plugins.module_utils.waiter import (
    has_failed,
    is_busy,
    is_healthy_or_unreported,
    is_settled,
)

# Outcomes that count against max_failed.
FAILED_OUTCOMES = ("failed", "unhealthy", "gone")


def counts_as_failure(action, allow_missing=False):
    """Failed, unhealthy or gone; with ``allow_missing`` an instance that no longer exists is no failure."""
    if action.outcome == "gone" and allow_missing:
        return False
    return action.outcome in FAILED_OUTCOMES


class BatchWatch(object):
    """The waiter's verdict for instances of one batch: finished (and healthy), failed, or not yet."""

    def __init__(self, actions, health_check):
        self.actions = dict((action.key, action) for action in actions)
        self.health_check = health_check
        self.seen_busy = set()
        self.ended = set()      # keys whose operation Azure reported succeeded

    def operation_ended(self, keys):
        """The operation of these instances is over (its poller said so), whatever their records show."""
        self.ended.update(keys)

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
        # Azure said the operation ended, the instance was seen busy since the request, or its state moved on.
        return (action.key in self.ended or action.key in self.seen_busy
                or _fingerprint(record) != _fingerprint(action.record))


def _fingerprint(record):
    return (record.get("power_state"), record.get("provisioning_state"),
            last_operation_at(record.get("instance_view")), running_since(record), os_disk_provisioned(record))
