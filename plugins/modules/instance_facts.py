#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: instance_facts
short_description: Set facts about the scale-set VM behind an inventory host, with its full instance view
version_added: 0.1.0
description:
  - Reads one scale-set VM, Uniform or Flexible, with its instance view and returns it as the fact
    C(vmss_instance) of the current host (RV(ansible_facts.vmss_instance)), the same record
    M(vmss.fleet.instance_info) returns.
  - Meant for plays over the hosts of the C(vmss.fleet.azure_vmss) inventory, run with C(delegate_to) set to V(localhost)
    (the Azure API is called from the controller, the facts land on the inventory host). Without any locating
    option, the instance is found from the host's variables the inventory sets, by default C(vmss_id), else
    C(vmss_scale_set) + C(vmss_resource_group) + C(vmss_instance_id) (and C(vmss_subscription_id)). An action plugin
    of the same name reads them; options given in the task win.
  - With AWX or Ansible Automation Platform fact storage (the job template's C(Enable Fact Storage)), the fact is
    kept per host and shows under the host's Facts tab as C(vmss_instance).
  - For one host it costs one request for the VM (with O(id)) or two (scale set, then VM), plus the VM's network
    interfaces and public IPs with O(network=true). For many hosts of the same scale sets, see O(shared_listing).
author:
  - vmss.fleet team (@vmss-fleet)
options:
  id:
    description:
      - The VM's resource id, as the inventory's C(vmss_id) host variable and RV(ansible_facts.vmss_instance.id)
        carry it. Uniform C(.../virtualMachineScaleSets/{set}/virtualMachines/{instance id}), Flexible
        C(.../virtualMachines/{name}). Its subscription is the one read.
      - Mutually exclusive with O(scale_set), O(resource_group) and O(instance_id).
    type: str
  scale_set:
    description:
      - The scale set's name. Needs O(resource_group) and O(instance_id).
    type: str
  resource_group:
    description:
      - The scale set's resource group.
    type: str
  instance_id:
    description:
      - The instance, as a Uniform instance ID (V("3")), a Uniform VM name (V(web_3)) or a Flexible VM name.
    type: str
  network:
    description:
      - Add the VM's private and public IP addresses.
    type: bool
    default: true
  hostvars_prefix:
    description:
      - The prefix of the host variables the instance is located from, as set by the inventory's own
        C(hostvars_prefix) option.
      - Only used when the task gives none of O(id), O(scale_set), O(resource_group) and O(instance_id).
    type: str
    default: vmss_
  shared_listing:
    description:
      - For a play over many inventory hosts, read each scale set once for the whole task and give every host
        its record from that listing, on the controller, instead of one or two requests and one module run per
        host. Costs one GET of the scale set plus its paged lists (VMs with instance views and, with
        O(network=true), network interfaces and public IPs), whatever the number of hosts.
      - Applies to hosts located from their host variables (C(vmss_id) and C(vmss_scale_set_id), as the
        C(vmss.fleet.azure_vmss) inventory sets them) whose scale set has at least two hosts in the play batch,
        when the Azure SDK is installed on the controller (as in an execution environment). Other hosts, and
        tasks that give O(id) or O(scale_set) themselves, read their one VM as with V(false).
      - The listing is made when the task reaches the first host of a scale set, and shared by that task only
        (and only within one C(serial) batch); a later task reads again.
      - A host whose VM is no longer in its scale set fails, naming the VM; the other hosts get their facts.
    type: bool
    default: true
extends_documentation_fragment:
  - vmss.fleet.azure.modules
  - vmss.fleet.attributes
  - vmss.fleet.attributes.info_module
attributes:
  facts:
    description: Returns the fact C(vmss_instance).
    support: full
  action:
    description:
      - An action plugin reads the host's inventory variables to locate the instance, and shares one listing per
        scale set among the task's hosts (O(shared_listing)).
    support: full
notes:
  - With C(delegate_to), Ansible assigns returned facts to the inventory host, not to the delegate, unless
    C(delegate_facts) is set; leave it unset.
seealso:
  - module: vmss.fleet.instance_info
'''

EXAMPLES = r'''
# In a play over the hosts of the vmss.fleet.azure_vmss inventory (hosts: all, gather_facts: false):
- name: Read the instance behind each host
  vmss.fleet.instance_facts:
  delegate_to: localhost

- name: Use them
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} is {{ ansible_facts.vmss_instance.power_state }} in fault domain
      {{ ansible_facts.vmss_instance.fault_domain }}, agent {{ ansible_facts.vmss_instance.instance_view.vm_agent.vm_agent_version }}"

- name: One instance named explicitly
  vmss.fleet.instance_facts:
    resource_group: rg-web
    scale_set: web-uniform
    instance_id: "17"
    network: false
'''

RETURN = r'''
ansible_facts:
  description: The facts set on the current host.
  returned: success
  type: dict
  contains:
    vmss_instance:
      description:
        - The instance's record, with the full instance view; the same keys as
          RV(vmss.fleet.instance_info#module:instances).
      type: dict
      contains:
        name:
          description: The VM name.
          type: str
          sample: web-uniform_17
        instance_id:
          description: Uniform, the instance ID as Azure reports it; Flexible, the VM name.
          type: str
        id:
          description: The VM's resource id.
          type: str
        vm_id:
          description: Azure's unique id of the VM.
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
          description: The availability zone(s) of the VM.
          type: list
          elements: str
        computer_name:
          description: The guest computer name.
          type: str
        power_state:
          description: V(running), V(stopped), V(deallocated), V(starting)...
          type: str
        provisioning_state:
          description: The provisioning state, lowercase.
          type: str
        health:
          description: V(healthy), V(unhealthy), V(unknown) or V(initializing); null when the VM reports no health.
          type: str
        fault_domain:
          description: The platform fault domain.
          type: int
        update_domain:
          description: The platform update domain.
          type: int
        latest_model_applied:
          description: Uniform, whether the VM runs the latest model; null for Flexible.
          type: bool
        protection:
          description: Uniform, the protection policy; null for Flexible.
          type: dict
        os_disk_ephemeral:
          description: Whether the OS disk is ephemeral.
          type: bool
        os_disk_name:
          description: The OS disk's name, which tells it from data disks in the instance view's C(disks).
          type: str
          version_added: 0.2.0
        private_ips:
          description: Private IP addresses, primary first. Empty with O(network=false).
          type: list
          elements: str
        public_ips:
          description: Public IP addresses.
          type: list
          elements: str
        tags:
          description: The VM's tags.
          type: dict
        instance_view:
          description:
            - The full instance view with snake_case keys (C(platform_update_domain), C(platform_fault_domain),
              C(computer_name), C(os_name), C(os_version), C(hyper_v_generation), C(rdp_thumb_print), C(vm_agent),
              C(disks), C(extensions), C(vm_health), C(boot_diagnostics), C(assigned_host),
              C(placement_group_id), C(maintenance_redeploy_status), C(statuses)).
            - Every status has C(code), C(level), C(display_status), C(message) and C(time).
          type: dict
'''

from ansible_collections.vmss.fleet.plugins.module_utils.facts_locator import FACTS_OPTIONS
from ansible_collections.vmss.fleet.plugins.module_utils.instance_query import instance_facts
from ansible_collections.vmss.fleet.plugins.module_utils.module_runner import new_module, run


def describe_instance(module, clients):
    return instance_facts(clients, module.params)


def main():
    run(new_module(dict(FACTS_OPTIONS)), describe_instance)


if __name__ == "__main__":
    main()
