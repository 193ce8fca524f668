#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: scaleset_info
short_description: List Azure virtual machine scale sets of both orchestration modes
version_added: 0.1.0
description:
  - Lists the scale sets of a resource group or of a whole subscription, Uniform and Flexible alike.
  - Each scale set comes with its mode, SKU and capacity, computer name prefix, upgrade policy, zones, tags and a
    O(status_summary) with the number of VMs per status code.
  - For a Uniform scale set the summary is Azure's own (the scale-set instance view, one request). Azure offers no
    scale-set instance view for Flexible scale sets, so there it is counted from the member VMs' instance views,
    read in one paged list request. Both have the same shape.
author:
  - vmss.fleet team (@vmss-fleet)
options:
  resource_group:
    description:
      - Only scale sets of this resource group. Without it, the whole subscription.
    type: str
  name:
    description:
      - Only scale sets with these names. Shell-style globs (V(web-*)) are allowed; names compare case-insensitively
        as Azure's do.
      - A name or glob that matches nothing fails the task, naming it.
    type: list
    elements: str
  tags:
    description:
      - Only scale sets that carry all these tags. A tag given with an empty value only needs to be present.
    type: dict
  status_summary:
    description:
      - Add RV(scale_sets[].status_summary). Costs one request per Uniform scale set and one paged list per
        Flexible scale set.
    type: bool
    default: true
  max_concurrency:
    description:
      - How many scale sets are summarized at the same time.
    type: int
    default: 8
extends_documentation_fragment:
  - vmss.fleet.azure.modules
  - vmss.fleet.attributes
  - vmss.fleet.attributes.info_module
'''

EXAMPLES = r'''
- name: Every scale set of the subscription (credentials from the environment, e.g. an AWX credential)
  vmss.fleet.scaleset_info:
  register: fleet

- name: Web scale sets of one resource group, without the status summary
  vmss.fleet.scaleset_info:
    resource_group: rg-web
    name: ["web-*"]
    status_summary: false

- name: Set authentication once for a play
  hosts: localhost
  module_defaults:
    group/vmss.fleet.azure:
      subscription_id: "{{ azure_subscription_id }}"
      auth_source: cli
  tasks:
    - name: Scale sets tagged env=prod
      vmss.fleet.scaleset_info:
        tags:
          env: prod
      register: prod

    - name: Show how many VMs run in each
      ansible.builtin.debug:
        msg: "{{ item.name }} ({{ item.orchestration_mode }}): {{ item.status_summary['PowerState/running'] | default(0) }} running"
      loop: "{{ prod.scale_sets }}"
'''

RETURN = r'''
scale_sets:
  description: The scale sets found, sorted by resource id.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The scale set's name.
      type: str
      sample: web-uniform
    id:
      description: The scale set's resource id.
      type: str
    resource_group:
      description: The resource group, as spelled in the resource id.
      type: str
    subscription_id:
      description: The subscription id.
      type: str
    location:
      description: The Azure region.
      type: str
      sample: westeurope
    orchestration_mode:
      description: V(Uniform) or V(Flexible).
      type: str
      sample: Flexible
    sku:
      description: The SKU, with C(name), C(tier) and C(capacity).
      type: dict
      sample: {"name": "Standard_D2s_v5", "tier": "Standard", "capacity": 4}
    capacity:
      description: The number of VMs the scale set is set to hold.
      type: int
    computer_name_prefix:
      description: The computer name prefix of the VM profile; null for a Flexible scale set without a profile.
      type: str
    upgrade_policy:
      description: The upgrade policy mode (V(Manual), V(Automatic), V(Rolling)) or null.
      type: str
    zones:
      description: Availability zones.
      type: list
      elements: str
    tags:
      description: The scale set's tags.
      type: dict
    provisioning_state:
      description: The scale set's provisioning state.
      type: str
    platform_fault_domain_count:
      description: Fault domain count.
      type: int
    single_placement_group:
      description: Whether the scale set is limited to one placement group.
      type: bool
    os_disk_ephemeral:
      description: Whether the VM profile uses ephemeral OS disks.
      type: bool
    unique_id:
      description: Azure's unique id of the scale set.
      type: str
    time_created:
      description: When the scale set was created.
      type: str
    instance_count:
      description: Number of member VMs read (Flexible scale sets, when the summary was computed from members).
      type: int
      returned: when computed from member VMs
    status_summary:
      description:
        - Number of VMs per instance-view status code (C(ProvisioningState/*), C(PowerState/*)).
      type: dict
      returned: when O(status_summary=true)
      sample: {"PowerState/running": 3, "PowerState/deallocated": 1, "ProvisioningState/succeeded": 4}
'''

from ansible_collections.vmss.fleet.plugins.module_utils.module_runner import new_module, run
from ansible_collections.vmss.fleet.plugins.module_utils.fleet import select_scale_sets
from ansible_collections.vmss.fleet.plugins.module_utils.scalesets import scale_set_records


def list_fleet(module, clients):
    params = module.params
    if params["max_concurrency"] < 1:
        module.fail_json(msg="max_concurrency must be 1 or more, got %d." % params["max_concurrency"])
    compute = clients.compute()
    found = select_scale_sets(clients.arm(), params["resource_group"], params["name"], tags=params["tags"])
    records = scale_set_records(compute, found, params["status_summary"], params["max_concurrency"])
    return {"changed": False, "scale_sets": records}


def main():
    module = new_module(dict(
        resource_group=dict(type="str"),
        name=dict(type="list", elements="str"),
        tags=dict(type="dict"),
        status_summary=dict(type="bool", default=True),
        max_concurrency=dict(type="int", default=8),
    ))
    run(module, list_fleet)


if __name__ == "__main__":
    main()
