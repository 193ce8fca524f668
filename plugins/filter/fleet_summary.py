# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: fleet_summary
short_description: Count the instances of scale sets by state, placement, model and agent, and list those that need attention
version_added: 0.1.0
description:
  - Takes the registered result of M(vmss.fleet.instance_info) and returns the numbers the
    C(vmss.fleet.fleet_report) role writes. Per scale set and for the whole fleet, counts of power states,
    provisioning states, health, model (latest or not), VM agent status and versions, update domains and
    zone by fault domain, and the instances that need attention with their reasons.
  - One pass in Python over the records, so it stays quick at 10,000 instances, where a Jinja loop would not.
  - Uses the instance view for the VM agent status; without it (O(vmss.fleet.instance_info#module:instance_view=false))
    every agent counts as V(unknown).
author:
  - vmss.fleet contributors
positional: examples
options:
  _input:
    description: The registered result of M(vmss.fleet.instance_info) (its C(scale_sets) and C(instances)).
    type: dict
    required: true
  examples:
    description: How many instances to keep per attention reason in RV(_value.attention.reasons[].examples).
    type: int
    default: 20
'''

EXAMPLES = r'''
- name: List the web scale sets
  vmss.fleet.instance_info:
    resource_group: rg-web
    network: false
  register: listing

- name: Count them
  ansible.builtin.set_fact:
    summary: "{{ listing | vmss.fleet.fleet_summary }}"

- name: Say how many need attention, and why
  ansible.builtin.debug:
    msg: "{{ summary.totals.attention_instances }} of {{ summary.totals.instances }} need attention,
      {{ summary.attention.reasons | items2dict(key_name='label', value_name='count') }}"
'''

RETURN = r'''
_value:
  description:
    - C(format_version), C(totals) (C(scale_sets), C(instances), C(attention_instances), C(scale_sets_by_mode)),
      C(fleet) (the counts over every instance), C(scale_sets) (one entry per scale set, in the listing's order,
      with its C(name), C(id), C(resource_group), C(subscription_id), C(orchestration_mode), C(location) and the
      same counts) and C(attention).
    - The counts are C(instances), C(attention_instances), C(power_states), C(provisioning_states), C(health)
      (V(not_reported) for VMs without health), C(model) (V(latest), V(stale), V(not_applicable) for Flexible),
      C(vm_agent) (V(ready), V(not_ready), V(unknown)), C(vm_agent_versions), C(update_domains) (a list of
      C(domain) and C(count)), C(zones_by_fault_domain) (C(zones), null for regional VMs, C(fault_domains) and
      C(counts), one row per zone) and C(attention) (instances per reason).
    - C(attention.instances) lists every instance that needs attention, worst first, with its C(reasons)
      (C(reason), C(detail)). The reasons are V(provisioning_failed), V(unhealthy), V(not_running),
      V(agent_not_ready) and V(health_unknown) (both only for running VMs), V(provisioning_busy) and V(stale_model).
    - C(attention.reasons) has per reason its C(label), C(count), C(scale_sets) (C(name), C(count)) and the first
      O(examples) instances.
  type: dict
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native
from ansible.release import __version__ as ANSIBLE_CORE_VERSION
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.vmss.fleet.plugins.plugin_utils.fleet_summary import summarize

# Before ansible-core 2.19 a plain string in a fact is templated wherever the fact is used. The summary repeats
# Azure's names and messages (and builds new strings from them), so it is marked unsafe there whatever its input
# was: a listing read back with from_json, for example, is not.
MARK_UNSAFE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]) < (2, 19)


def fleet_summary(listing, examples=20):
    if not isinstance(listing, dict) or not isinstance(listing.get("instances"), list):
        raise AnsibleFilterError(
            "fleet_summary expects the registered result of vmss.fleet.instance_info (a dict with 'instances' and "
            "'scale_sets'), got %s" % type(listing).__name__)
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 0:
        raise AnsibleFilterError("fleet_summary: examples must be a whole number of 0 or more, got %s"
                                 % to_native(repr(examples)))
    summary = summarize(listing, examples=examples)
    return wrap_var(summary) if MARK_UNSAFE else summary


class FilterModule(object):
    def filters(self):
        return {"fleet_summary": fleet_summary}
