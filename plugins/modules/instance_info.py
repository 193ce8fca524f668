#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: instance_info
short_description: List the VMs of Azure scale sets of both orchestration modes, with their instance views
version_added: 0.1.0
description:
  - Lists the VMs (instances) of one scale set, of several (names or globs), or of every scale set of a resource
    group or subscription, Uniform and Flexible alike, as one kind of record.
  - Each scale set costs one paged list request that carries every VM with its instance view, plus, with
    O(network=true), one list of network interfaces and one of public IPs per Uniform scale set and per resource
    group holding Flexible scale sets. The number of requests grows with the number of scale sets and pages, not
    with the number of VMs. Scale sets are read concurrently (O(max_concurrency)).
  - When exactly one instance of one named scale set is asked for, that VM is read with one request instead of
    listing its scale set.
  - Uniform instance IDs are returned as Azure reports them; they are not sequential and are never computed.
    A Flexible VM's instance ID is its VM name.
  - Never changes anything.
author:
  - vmss.fleet team (@vmss-fleet)
options:
  resource_group:
    description:
      - Only scale sets of this resource group. Without it, the whole subscription.
    type: str
  scale_set:
    description:
      - Only these scale sets. Shell-style globs (V(web-*)) are allowed; names compare case-insensitively as
        Azure's do.
      - A name or glob that matches no scale set fails the task, naming it.
      - Without it, every scale set of O(resource_group) (or of the subscription).
    type: list
    elements: str
    aliases: [scale_sets]
  instances:
    description:
      - Only these instances, given as Uniform instance IDs (V("3")), Uniform VM names (V(web_3)) or Flexible VM
        names (V(web_1a2b3c4d)), in any mix. They are returned in the order given.
      - An identifier that names no instance fails the task, naming it (unless O(allow_missing=true)); so does one
        that is ambiguous across the scale sets in scope, one given twice, and a Uniform instance ID when only
        Flexible scale sets are in scope (their instances are addressed by VM name).
    type: list
    elements: str
  allow_missing:
    description:
      - Do not fail when an identifier of O(instances) names no instance; list it in RV(missing) instead.
      - Ambiguous, duplicate and wrong-mode identifiers still fail.
    type: bool
    default: false
  power_state:
    description:
      - Only instances in one of these power states (read from the instance view).
    type: list
    elements: str
    choices: [running, starting, stopping, stopped, deallocating, deallocated, unknown]
  provisioning_state:
    description:
      - Only instances in one of these provisioning states.
    type: list
    elements: str
    choices: [succeeded, failed, updating, creating, deleting, migrating, canceled]
  health:
    description:
      - Only instances whose health (from the application health extension or load balancer probe, read from
        the instance view) is one of these. V(none) selects instances that report no health at all.
    type: list
    elements: str
    choices: [healthy, unhealthy, unknown, initializing, none]
  instance_view:
    description:
      - Read each VM's instance view (in the same list request). Without it, RV(instances[].power_state) is
        V(unknown), RV(instances[].health) and RV(instances[].instance_view) are null, and the O(power_state) and
        O(health) filters cannot be used.
    type: bool
    default: true
  network:
    description:
      - Add the private and public IP addresses of each instance.
    type: bool
    default: true
  max_concurrency:
    description:
      - How many scale sets (and resource groups, for addresses) are read at the same time.
    type: int
    default: 8
extends_documentation_fragment:
  - vmss.fleet.azure.modules
  - vmss.fleet.attributes
  - vmss.fleet.attributes.info_module
seealso:
  - module: vmss.fleet.instance_facts
  - module: vmss.fleet.scaleset_info
'''

EXAMPLES = r'''
- name: Every instance of every scale set in a resource group
  vmss.fleet.instance_info:
    resource_group: rg-web
  register: fleet

- name: Stopped or deallocated instances of the web scale sets, without addresses
  vmss.fleet.instance_info:
    resource_group: rg-web
    scale_set: ["web-*"]
    power_state: [stopped, deallocated]
    network: false
  register: idle

- name: Some instances by Uniform instance ID, Uniform VM name and Flexible VM name
  vmss.fleet.instance_info:
    resource_group: rg-web
    scale_set: [web-uniform, web-flex]
    instances: ["3", "web-uniform_17", "web-flex_0f3a9c21"]
  register: picked

- name: One instance (read with a single request)
  vmss.fleet.instance_info:
    resource_group: rg-web
    scale_set: web-uniform
    instances: ["17"]
  register: one

- name: Unhealthy instances anywhere in the subscription
  vmss.fleet.instance_info:
    health: [unhealthy]
  register: sick

- name: Show where they are
  ansible.builtin.debug:
    msg: "{{ item.name }} in {{ item.scale_set }}: {{ item.private_ips | first | default('no address') }}"
  loop: "{{ sick.instances }}"
'''

RETURN = r'''
instances:
  description:
    - The instances found, one record each (the same record as M(vmss.fleet.instance_facts) and the
      C(vmss.fleet.azure_vmss) inventory produce).
    - In the order of O(instances) when given, else by scale set resource id and then as Azure lists them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The VM name. Uniform V({scale set}_{instance id}); Flexible V({scale set}_{8 hex digits}).
      type: str
      sample: web-uniform_17
    instance_id:
      description: Uniform, the instance ID as Azure reports it (a decimal string); Flexible, the VM name.
      type: str
      sample: "17"
    id:
      description: The VM's resource id.
      type: str
    vm_id:
      description: Azure's unique id of the VM (a UUID).
      type: str
    scale_set:
      description: The scale set's name.
      type: str
    scale_set_id:
      description: The scale set's resource id.
      type: str
    resource_group:
      description: The VM's resource group.
      type: str
    subscription_id:
      description: The VM's subscription.
      type: str
    orchestration_mode:
      description: V(Uniform) or V(Flexible).
      type: str
    location:
      description: The Azure region.
      type: str
    zones:
      description: The availability zone(s) of the VM; empty when not zonal.
      type: list
      elements: str
    computer_name:
      description: The guest computer name (host name).
      type: str
    power_state:
      description: V(running), V(starting), V(stopping), V(stopped), V(deallocating), V(deallocated) or V(unknown).
      type: str
      sample: running
    provisioning_state:
      description: The provisioning state, lowercase (V(succeeded), V(updating), V(failed)...).
      type: str
      sample: succeeded
    health:
      description: V(healthy), V(unhealthy), V(unknown) or V(initializing) from the instance view's vmHealth; null
        when the VM reports no health.
      type: str
    fault_domain:
      description: The platform fault domain.
      type: int
    update_domain:
      description: The platform update domain.
      type: int
    latest_model_applied:
      description: Uniform, whether the VM runs the scale set's latest model; null for Flexible.
      type: bool
    protection:
      description: Uniform, the protection policy (C(protect_from_scale_in), C(protect_from_scale_set_actions));
        null for Flexible.
      type: dict
    os_disk_ephemeral:
      description: Whether the OS disk is ephemeral (local).
      type: bool
    os_disk_name:
      description: The OS disk's name, which tells it from data disks in the instance view's C(disks).
      type: str
      version_added: 0.2.0
    private_ips:
      description: Private IP addresses, the primary NIC's primary address first. Empty with O(network=false).
      type: list
      elements: str
    public_ips:
      description: Public IP addresses. Empty with O(network=false) or when the VM has none.
      type: list
      elements: str
    tags:
      description: The VM's tags.
      type: dict
    instance_view:
      description:
        - The full instance view with snake_case keys; null with O(instance_view=false).
        - Every status (C(statuses), C(substatuses), C(vm_health.status)...) has C(code), C(level),
          C(display_status), C(message) and C(time).
      type: dict
      contains:
        platform_update_domain:
          description: Update domain.
          type: int
        platform_fault_domain:
          description: Fault domain.
          type: int
        computer_name:
          description: The guest computer name.
          type: str
        os_name:
          description: The guest operating system name, as the VM agent reports it.
          type: str
        os_version:
          description: The guest operating system version.
          type: str
        hyper_v_generation:
          description: V(V1) or V(V2).
          type: str
        rdp_thumb_print:
          description: The RDP certificate thumbprint (Windows).
          type: str
        vm_agent:
          description: The VM agent's C(vm_agent_version), C(statuses) and C(extension_handlers) (each with
            C(type), C(type_handler_version) and C(status)).
          type: dict
        disks:
          description: Each disk's C(name), C(encryption_settings) and C(statuses); the OS disk comes first.
          type: list
          elements: dict
        extensions:
          description: Each extension's C(name), C(type), C(type_handler_version), C(statuses) and C(substatuses).
          type: list
          elements: dict
        vm_health:
          description: The application health, C(status.code) like V(HealthState/healthy).
          type: dict
        boot_diagnostics:
          description: Boot diagnostics URIs and status.
          type: dict
        assigned_host:
          description: The dedicated host the VM runs on, if any.
          type: str
        placement_group_id:
          description: Uniform, the placement group of the VM.
          type: str
        maintenance_redeploy_status:
          description: Maintenance windows, when Azure announced any.
          type: dict
        statuses:
          description: The VM's statuses, for example V(ProvisioningState/succeeded), V(PowerState/running),
            V(OSState/generalized).
          type: list
          elements: dict
scale_sets:
  description:
    - One entry per scale set in scope, in resource id order, with counts over its instances.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The scale set's name.
      type: str
    id:
      description: The scale set's resource id.
      type: str
    resource_group:
      description: The scale set's resource group.
      type: str
    subscription_id:
      description: The scale set's subscription.
      type: str
    orchestration_mode:
      description: V(Uniform) or V(Flexible).
      type: str
    location:
      description: The Azure region.
      type: str
    listed:
      description: Whether all the scale set's VMs were read. False on the single-instance path, where only the
        instance asked for was read and the counts cover that instance only.
      type: bool
    instance_count:
      description: How many of the scale set's VMs were read (all of them when RV(scale_sets[].listed)).
      type: int
      sample: 12
    returned_count:
      description: How many of them are in RV(instances), after O(instances) and the filters.
      type: int
      sample: 3
    power_states:
      description: Number of VMs read per power state.
      type: dict
      sample: {"running": 10, "deallocated": 2}
    provisioning_states:
      description: Number of VMs read per provisioning state.
      type: dict
      sample: {"succeeded": 12}
    health_states:
      description: Number of VMs read per health state (VMs that report no health are not counted).
      type: dict
      sample: {"healthy": 9, "unhealthy": 1}
missing:
  description: Identifiers of O(instances) that named no instance (only with O(allow_missing=true)).
  returned: always
  type: list
  elements: str
  sample: ["web-uniform_99"]
'''

from ansible_collections.vmss.fleet.plugins.module_utils.instance_query import (
    HEALTH_STATES,
    POWER_STATES,
    PROVISIONING_STATES,
    query_instances,
)
from ansible_collections.vmss.fleet.plugins.module_utils.module_runner import new_module, run


def list_instances(module, clients):
    return query_instances(clients, module.params)


def main():
    module = new_module(dict(
        resource_group=dict(type="str"),
        scale_set=dict(type="list", elements="str", aliases=["scale_sets"]),
        instances=dict(type="list", elements="str"),
        allow_missing=dict(type="bool", default=False),
        power_state=dict(type="list", elements="str", choices=list(POWER_STATES)),
        provisioning_state=dict(type="list", elements="str", choices=list(PROVISIONING_STATES)),
        health=dict(type="list", elements="str", choices=list(HEALTH_STATES)),
        instance_view=dict(type="bool", default=True),
        network=dict(type="bool", default=True),
        max_concurrency=dict(type="int", default=8),
    ))
    run(module, list_instances)


if __name__ == "__main__":
    main()
