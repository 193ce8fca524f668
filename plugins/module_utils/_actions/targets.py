# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which instances the ``instance`` module works on, and what Azure would refuse about them, before any write."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.records import FLEXIBLE
from ansible_collections.vmss.fleet.plugins.module_utils.targets import (
    missing_identifiers,
    resolve_identifiers,
    scale_sets_by_mode,
)


def record_key(record):
    """Records are matched across listings by resource id (case-insensitive, as ARM ids are)."""
    return record["id"].lower()


def choose_targets(records, scale_sets, options):
    """(records to work on, identifiers that name nothing): every instance, or the ones the identifiers name.

    An identifier that names nothing fails the task unless ``allow_missing`` (a rerun after a scale-in); even
    then an ambiguous, duplicate or wrong-mode identifier fails it.
    """
    if options.all_instances:
        return list(records), []
    modes = scale_sets_by_mode(scale_sets)
    missing = missing_identifiers(options.instances, records, modes) if options.allow_missing else []
    named = [identifier for identifier in options.instances if identifier not in missing]
    return resolve_identifiers(named, records, modes), missing


def check_reimage_targets(targets):
    """Azure documents single-VM reimage (the only one for Flexible members) for ephemeral OS disks only."""
    refused = [r["name"] for r in targets if r["orchestration_mode"] == FLEXIBLE and not r["os_disk_ephemeral"]]
    if refused:
        raise FleetError(
            "Cannot reimage %s: in a Flexible scale set each VM is reimaged on its own, which Azure supports for "
            "VMs with an ephemeral OS disk only, and these have a managed OS disk. Nothing was done."
            % ", ".join(refused), code="ReimageNotSupported", target="instances")


def warn_unsupported_reimage_options(targets, options, warn):
    flexible = [r["name"] for r in targets if r["orchestration_mode"] == FLEXIBLE]
    if flexible and options.reimage.get("force_update_os_disk_for_ephemeral") is not None:
        warn("force_update_os_disk_for_ephemeral is not sent for Flexible members (%s): Azure's single-VM reimage "
             "has no such parameter." % ", ".join(flexible))
