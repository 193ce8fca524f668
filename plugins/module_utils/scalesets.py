# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scale sets as records, with a status summary that has the same shape in both modes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmss.fleet.plugins.module_utils.listing import list_members, run_bounded, uniform_instance_view
from ansible_collections.vmss.fleet.plugins.module_utils.records import (
    FLEXIBLE,
    instance_record,
    orchestration_mode,
    scale_set_record,
    scale_set_ref,
)


def describe_scale_set(compute, vmss, with_status_summary=True):
    """One scale set's record; its status summary costs one request (Uniform) or one paged list (Flexible)."""
    if not with_status_summary:
        record = scale_set_record(vmss)
        record.pop("status_summary", None)
        return record
    if orchestration_mode(vmss) == FLEXIBLE:
        ref = scale_set_ref(vmss)
        members = [instance_record(vm, ref) for vm in list_members(compute, vmss, instance_view=True)]
        return scale_set_record(vmss, members=members)
    return scale_set_record(vmss, instance_view=uniform_instance_view(compute, vmss))


def scale_set_records(compute, vmss_list, with_status_summary=True, max_concurrency=8):
    """Records for many scale sets, their summaries fetched concurrently (bounded)."""
    return run_bounded(lambda vmss: describe_scale_set(compute, vmss, with_status_summary), vmss_list,
                       max_concurrency)
