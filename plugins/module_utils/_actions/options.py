# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``instance`` module's options: its argument spec and the checks Ansible's spec cannot express.

Presence, exclusivity, choices and defaults are the argument spec's job (``ARGUMENT_SPEC`` and friends);
``ActionOptions`` checks values only (numbers in range, batch sizes, timestamps, options that fit the state),
every problem at once, before any request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.records import parse_time

# state -> the operation that converges an instance to it
CONVERGE_STATES = {"running": "start", "stopped": "power_off", "deallocated": "deallocate"}
ACTION_STATES = ("restarted", "reimaged")
STATES = tuple(CONVERGE_STATES) + ACTION_STATES

# Reimage options -> their names in Azure's request bodies.
REIMAGE_OPTIONS = {"temp_disk": "tempDisk", "exact_version": "exactVersion",
                   "force_update_os_disk_for_ephemeral": "forceUpdateOSDiskForEphemeral"}

ARGUMENT_SPEC = dict(
    resource_group=dict(type="str", required=True),
    scale_set=dict(type="list", elements="str", required=True, aliases=["scale_sets"]),
    instances=dict(type="list", elements="str"),
    all_instances=dict(type="bool"),
    allow_missing=dict(type="bool", default=False),
    state=dict(type="str", required=True, choices=list(STATES)),
    since=dict(type="str"),
    batch_size=dict(type="str", default="100%"),
    pause=dict(type="int", default=0),
    health_check=dict(type="bool", default=True),
    max_failed=dict(type="int", default=0),
    max_parallel=dict(type="int", default=10),
    max_parallel_sets=dict(type="int"),
    scale_set_tags=dict(type="dict"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
    temp_disk=dict(type="bool"),
    exact_version=dict(type="str"),
    force_update_os_disk_for_ephemeral=dict(type="bool"),
)
MUTUALLY_EXCLUSIVE = [["instances", "all_instances"]]
REQUIRED_ONE_OF = [["instances", "all_instances"]]

_BATCH_SIZE = re.compile(r"^\s*(\d+)\s*(%?)\s*$")


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


class ActionOptions(object):
    """The module's options after the argument spec applied its defaults, with their values checked."""

    def __init__(self, params):
        self.resource_group = params["resource_group"]
        self.scale_sets = list(params["scale_set"] or [])
        self.instances = [str(item) for item in params.get("instances") or []]
        self.all_instances = bool(params.get("all_instances"))
        self.allow_missing = params["allow_missing"]
        self.state = params["state"]
        self.batch_size = str(params["batch_size"])
        self.pause = params["pause"]
        self.health_check = params["health_check"]
        self.max_failed = params["max_failed"]
        self.max_parallel = params["max_parallel"]
        self.max_parallel_sets = params.get("max_parallel_sets")
        self.scale_set_tags = params.get("scale_set_tags")
        self.wait = params["wait"]
        self.wait_timeout = params["wait_timeout"]
        self.poll_interval = params["polling_interval"]
        self.reimage = dict((name, params[name]) for name in REIMAGE_OPTIONS if params.get(name) is not None)
        self.since = None
        self._check(params)

    def _check(self, params):
        problems = []
        if not self.scale_sets:
            problems.append("scale_set must name at least one scale set")
        if not self.all_instances and not self.instances:
            # The spec saw one of the two; an empty list or all_instances: false still names nothing.
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
        if self.max_parallel_sets is not None and self.max_parallel_sets < 1:
            problems.append("max_parallel_sets must be 1 or more, got %d" % self.max_parallel_sets)
        if self.max_failed < 0:
            problems.append("max_failed must be 0 or more, got %d" % self.max_failed)
        if self.pause < 0:
            problems.append("pause must be 0 or more seconds, got %s" % self.pause)
        if self.wait_timeout < 0:
            problems.append("wait_timeout must be 0 or more seconds, got %s" % self.wait_timeout)
        return problems
