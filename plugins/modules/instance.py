#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: instance
short_description: Reimage, restart, start, stop or deallocate scale-set VMs of both orchestration modes
version_added: 0.1.0
description:
  - Brings VMs of Azure virtual machine scale sets to a power state (V(running), V(stopped), V(deallocated)) or
    performs an action on them (V(restarted), V(reimaged)), in rolling batches.
  - Addresses instances the way Azure does in each mode. Uniform scale sets by instance ID (V("3")) or VM name
    (V(web_3)); Flexible scale sets by VM name (V(web_1a2b3c4d)), which is also their instance ID.
  - Every identifier is resolved and checked before anything is done. An unknown, ambiguous or wrong-mode
    identifier fails the task, listing all of them, and nothing is touched.
  - Uniform instances get one scale-set request per batch (C(instanceIds)); Flexible members one single-VM
    request each, at most O(max_parallel) in flight.
  - Each request's long-running operation is followed to its end through Azure's operation status (azure-core's
    poller). Once a batch's operations are over, one read of its scale sets (the same paged list requests as
    M(vmss.fleet.instance_info), instance views included) judges every instance; only instances not done yet
    (health still coming, an operation that could not be followed) are read again, every O(polling_interval)
    seconds. Never one request per VM for reading.
  - Several scale sets can roll side by side (O(max_parallel_sets)), each in batches of its own, with one failure
    count (O(max_failed)) for the whole fleet.
  - An instance that already has an operation in progress (provisioning C(updating), power C(starting),
    C(stopping), C(deallocating)) is waited on first and never sent a second request while busy. If the operation
    in flight already did the job (it ended running for O(state=restarted), it reimaged the OS disk for
    O(state=reimaged)) the instance is left alone.
author:
  - vmss.fleet team (@vmss-fleet)
options:
  resource_group:
    description:
      - The resource group of the scale sets.
    type: str
    required: true
  scale_set:
    description:
      - The scale set, or several. Shell-style globs (V(web-*)) are allowed. A name that matches nothing fails
        the task.
      - With several scale sets, O(instances) may mix Uniform and Flexible identifiers. A Uniform instance ID
        that exists in two of them is ambiguous; give the VM name then.
      - V("*") with O(scale_set_tags) chooses the scale sets by their tags.
    type: list
    elements: str
    required: true
    aliases: [scale_sets]
  scale_set_tags:
    description:
      - Only the scale sets of O(scale_set) that carry all these tags. A tag given with an empty value only needs
        to be present. When no scale set carries them, the task fails naming each set's tags.
    type: dict
    version_added: 0.2.0
  instances:
    description:
      - The instances to act on, in order. Uniform instance IDs, Uniform VM names and Flexible VM names may be
        mixed. Batches follow this order.
      - Mutually exclusive with O(all_instances); one of the two is required.
      - An identifier that names no instance fails the task, and nothing is done, unless O(allow_missing=true).
    type: list
    elements: str
  allow_missing:
    description:
      - Do not fail when an identifier of O(instances) names no instance (for example a rerun with the same list
        after a scale-in); list it in RV(missing) and act on the others. Ambiguous, duplicate and wrong-mode
        identifiers still fail.
      - Also, an instance found gone during the run (scaled in before or while its request was sent) does not
        count towards O(max_failed).
    type: bool
    default: false
  all_instances:
    description:
      - Act on every instance of the scale sets, in scale-set and listing order.
      - Mutually exclusive with O(instances); one of the two is required.
    type: bool
  state:
    description:
      - V(running), V(stopped), V(deallocated) converge. Only instances in a different power state are acted on
        (start, power off, deallocate). A deallocated instance counts as V(stopped).
      - V(restarted) restarts running instances and starts instances that are not running.
      - V(reimaged) reimages the OS disk. In a Flexible scale set this uses Azure's single-VM reimage,
        which Azure supports for VMs with an ephemeral OS disk only. Any other Flexible target fails the task
        before anything is done.
      - O(since) makes V(restarted) and V(reimaged) idempotent.
    type: str
    required: true
    choices: [running, stopped, deallocated, restarted, reimaged]
  since:
    description:
      - An ISO 8601 timestamp (V(2026-11-20T10:00:00Z); without an offset it is UTC).
      - With O(state=reimaged), instances whose OS disk was provisioned at or after this time are left alone. The
        time is the status time of the OS disk in the instance view. When the view lists several disks (data
        disks) and the record does not name the OS disk, no time counts and the instance is reimaged.
      - With O(state=restarted), running instances that became running at or after this time (the time of their
        C(PowerState/running) status; a start, restart or reimage boots the VM) are left alone. An operation that
        kept the VM running (an extension install, a model update) is no restart. Azure's instance views often
        give the power state no time; such instances are restarted, and the reason says so.
      - Instances whose provisioning state is V(failed) never count as done. Give the same value to a rerun or a
        relaunched job and it only touches the instances not done yet.
    type: str
  batch_size:
    description:
      - How many instances are acted on at once. A number (V(3)) or a percentage (V(25%)) of the targeted
        instances, rounded down, at least 1.
      - The next batch starts once every instance of the current one is done (see O(wait), O(health_check)).
    type: str
    default: "100%"
  pause:
    description:
      - Seconds to pause between batches.
    type: int
    default: 0
  health_check:
    description:
      - Count an instance of a batch as done only when it is running, provisioned and, if it reports application
        health (the health extension), healthy.
      - An instance that is still not healthy at O(wait_timeout) counts as failed (outcome V(unhealthy)).
    type: bool
    default: true
  max_failed:
    description:
      - How many instances may fail (the request was refused, the operation failed, or it stayed unhealthy)
        before the run stops. Once more fail, no further batch starts and the task fails, naming the batch and the
        instances.
      - Failures within this limit are reported as warnings and in RV(actions).
    type: int
    default: 0
  max_parallel:
    description:
      - The most single-VM operations (Flexible members) in flight at once, in each scale set. An operation is in
        flight from its request until Azure reports it over. A Uniform batch is one request.
      - The operations of a batch are followed in waves, to spare status requests. The first one is polled every
        O(polling_interval). The others are first polled once it is over and they have run as long as it did.
    type: int
    default: 10
  max_parallel_sets:
    description:
      - Roll several scale sets side by side, at most this many at once.
      - With it, each scale set is cut into batches of its own (O(batch_size) of that set's targets, numbered
        from 1 in each set, and RV(batches[].scale_set) names the set). When one set's batch is done, that set's next
        batch starts, whatever the other sets are doing. O(max_failed) counts the failures of the whole fleet;
        once there are more, or a batch stops at O(wait_timeout), no further batch starts in any set, and the
        batches already running are followed to their end and reported.
      - Without it, the targets of all the scale sets form one sequence cut into batches (a batch may span
        scale sets), one batch at a time.
      - O(pause) is the pause between two batches of the same scale set.
    type: int
    version_added: 0.2.0
  wait:
    description:
      - Wait for each batch to finish before the next one starts and before the task returns.
      - With V(false), the requests of all batches are sent one batch after the other. Instances that were busy
        when the task started are waited on anyway.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds each wait may last at most (for each batch, and for instances that were already busy).
        When it passes, the task fails, naming every instance still pending and what it is doing.
    type: int
    default: 1800
  temp_disk:
    description:
      - With O(state=reimaged), also reimage the temporary disk.
    type: bool
  exact_version:
    description:
      - With O(state=reimaged), the exact image version to reimage to (when the image reference uses V(latest)).
    type: str
  force_update_os_disk_for_ephemeral:
    description:
      - With O(state=reimaged), update an ephemeral OS disk to the scale set's latest model.
      - Sent for Uniform instances only. Azure's single-VM reimage (Flexible members) has no such parameter.
    type: bool
notes:
  - O(polling_interval) has the meaning azure-core gives it for long-running operations. The status of each
    operation is polled as often as Azure's answers ask (C(Retry-After)), or every O(polling_interval) seconds when
    they do not say. Instances read again after their operation (health still coming) and instances that were
    already busy are read every O(polling_interval) seconds.
  - From the second batch of a scale set on, Azure's own account of how long the previous batch's operation took
    (its C(startTime) and C(endTime)) times the polling of the next one. It is asked about once at once, then at
    most every quarter of that duration (or O(polling_interval), if longer), and once when it should be over, so
    a batch is seen done just after its end rather than up to O(polling_interval) later. A scale set's first
    batch is timed the same way by the same operation in another scale set of the run, once one has ended.
  - The batch's instances are read at the moment its operations should all be over, alongside their last status
    requests. That read counts only for instances whose operation Azure reports succeeded and whose record shows
    it; the others are read again once their operations are over.
  - A read that fails while the module waits (throttling, a server error, no answer) is tried again at the next
    poll, until O(wait_timeout). When the run stops after requests were sent, for whatever reason, the failure
    still carries RV(actions), RV(requests) and C(changed), with each instance's outcome so far.
  - A Uniform batch that names an instance scaled in after the listing is refused by Azure as a whole (400
    C(InvalidParameter)). The module re-reads the scale set, marks the missing instances V(gone) and sends the
    request once more for the others.
  - In check mode nothing is written. RV(actions), RV(batches) and RV(requests) are the plan a real run follows
    (for instances that are busy when the check runs, a real run decides after waiting for them).
  - A request's operation that Azure reports failed fails its instances, with Azure's reason, unless the read
    after it shows the instance done. An operation whose status cannot be read (Azure busy or unreachable after
    azure-core's retries) is judged from the listing instead, until O(wait_timeout).
  - For a rolling update with tasks before and after each batch (draining a load balancer, a smoke test), use the
    role C(vmss.fleet.rolling_update).
extends_documentation_fragment:
  - vmss.fleet.azure.modules
  - vmss.fleet.attributes
attributes:
  check_mode:
    description: Returns the exact plan (instances, batches, requests) and sends no write.
    support: full
  diff_mode:
    description: Shows the power and provisioning state of each instance before and after.
    support: full
'''

EXAMPLES = r'''
- name: Restart three instances of a Uniform scale set, by instance ID and VM name, one at a time
  vmss.fleet.instance:
    resource_group: rg-web
    scale_set: web-uniform
    instances: ["0", "3", "web-uniform_7"]
    state: restarted
    batch_size: 1

- name: Reimage every VM of a Flexible scale set (ephemeral OS disks), 25% at a time, 10 requests in flight
  vmss.fleet.instance:
    resource_group: rg-api
    scale_set: api-flex
    all_instances: true
    state: reimaged
    batch_size: 25%
    max_parallel: 10
    temp_disk: true

- name: Mixed identifiers across a Uniform and a Flexible scale set
  vmss.fleet.instance:
    resource_group: rg-web
    scale_set: [web-uniform, web-flex]
    instances: ["web-uniform_2", "web-flex_1a2b3c4d"]
    state: deallocated

- name: Make sure every VM runs (starts only those that do not)
  vmss.fleet.instance:
    resource_group: rg-web
    scale_set: web-uniform
    all_instances: true
    state: running

# AWX / Automation Platform: relaunching a failed job must not redo what is done.
# Put the rollout's start time in the job's extra vars (or a survey) once, for example
# rollout_since: "2026-11-20T10:00:00Z". A relaunch reuses the same extra vars, so instances
# reimaged by the first run (OS disk provisioned after that time) are skipped.
- name: Rolling reimage that a relaunch resumes where it stopped
  vmss.fleet.instance:
    resource_group: rg-web
    scale_set: web-uniform
    all_instances: true
    state: reimaged
    since: "{{ rollout_since }}"
    batch_size: 20%
    health_check: true
    max_failed: 1
    pause: 60

- name: Restart every scale set tagged role=web, both modes, three sets at a time, 10% of each set per batch
  vmss.fleet.instance:
    resource_group: rg-web
    scale_set: "*"
    scale_set_tags:
      role: web
    all_instances: true
    state: restarted
    batch_size: 10%
    max_parallel_sets: 3
    max_failed: 2

- name: Preview the plan without changing anything
  vmss.fleet.instance:
    resource_group: rg-web
    scale_set: web-uniform
    all_instances: true
    state: restarted
    batch_size: 2
  check_mode: true
  register: plan

- name: Show the batches
  ansible.builtin.debug:
    msg: "{{ plan.batches }}"
'''

RETURN = r'''
changed:
  description: Whether any request was accepted by Azure (in check mode, whether any would be sent).
  returned: always
  type: bool
actions:
  description: One entry per instance acted on (or, in check mode, to act on), in batch order.
  returned: always
  type: list
  elements: dict
  contains:
    instance:
      description: The VM name.
      type: str
      sample: web-uniform_3
    instance_id:
      description: The instance ID (Uniform) or VM name (Flexible).
      type: str
      sample: "3"
    scale_set:
      description: The scale set's name.
      type: str
    orchestration_mode:
      description: V(Uniform) or V(Flexible).
      type: str
    operation:
      description: V(start), V(restart), V(reimage), V(power_off) or V(deallocate).
      type: str
    batch:
      description: The batch number, from 1.
      type: int
    reason:
      description: Why the instance gets this operation.
      type: str
    outcome:
      description:
        - V(planned) (check mode), V(succeeded), V(requested) (accepted by Azure, not seen finished; with
          O(wait=false), or when the run stopped before its progress could be read), V(failed) (refused or
          failed), V(unhealthy) (not healthy at O(wait_timeout)), V(gone) (no longer in its scale set),
          V(timed_out), or V(not_started) (the run stopped before its batch).
      type: str
    started:
      description: When its request was sent (UTC), or null.
      type: str
    finished:
      description: When it was seen done (UTC), or null.
      type: str
    error:
      description: What went wrong, for failed instances.
      type: str
      returned: when the instance failed
skipped:
  description: Targeted instances left alone, each with the reason (already in the state, done since O(since), ...).
  returned: always
  type: list
  elements: dict
  sample: [{"instance": "web-uniform_2", "instance_id": "2", "scale_set": "web-uniform", "reason": "already running"}]
missing:
  description: Identifiers of O(instances) that named no instance (only with O(allow_missing=true)).
  returned: always
  type: list
  elements: str
  sample: ["7"]
waited:
  description: Instances that had an operation in progress when the task started and were waited on first.
  returned: always
  type: list
  elements: dict
  sample: [{"instance": "web-uniform_4", "was": "power starting, provisioning updating"}]
batches:
  description:
    - The batches, each with its number and the VM names in it.
    - With O(max_parallel_sets), the batches of each scale set, numbered from 1 in each set, with the set's name
      in C(scale_set).
  returned: always
  type: list
  elements: dict
  contains:
    batch:
      description: The batch's number, from 1 (in each scale set with O(max_parallel_sets)).
      returned: always
      type: int
    instances:
      description: The names of the batch's VMs.
      returned: always
      type: list
      elements: str
    scale_set:
      description: The name of the batch's scale set.
      returned: with O(max_parallel_sets)
      type: str
  sample: [{"batch": 1, "instances": ["web-uniform_0", "web-uniform_3"]}]
requests:
  description: The write requests of the plan (sent, or in check mode to be sent), in order.
  returned: always
  type: list
  elements: dict
  contains:
    batch:
      description: The batch the request belongs to.
      type: int
    operation:
      description: The operation.
      type: str
    scope:
      description: V(scale_set) (one Uniform request with C(instanceIds)) or V(vm) (one Flexible member).
      type: str
    method:
      description: The HTTP method, V(POST).
      type: str
    path:
      description: The resource manager path of the request.
      type: str
    scale_set:
      description: The scale set.
      type: str
    resource_group:
      description: The resource group.
      type: str
    instances:
      description: The VM names the request covers.
      type: list
      elements: str
    instance_ids:
      description: The instance IDs sent as C(instanceIds).
      type: list
      elements: str
      returned: for RV(requests[].scope=scale_set)
instances:
  description:
    - The records of the targeted instances after the run (in check mode, as predicted), with the same fields as
      M(vmss.fleet.instance_info) returns.
  returned: always
  type: list
  elements: dict
'''

from ansible_collections.vmss.fleet.plugins.module_utils._actions.options import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
)
from ansible_collections.vmss.fleet.plugins.module_utils.actions import apply_instance_state
from ansible_collections.vmss.fleet.plugins.module_utils.module_runner import new_module, run


def act(module, clients):
    return apply_instance_state(clients, module.params, check_mode=module.check_mode, want_diff=module._diff,
                                warn=module.warn)


def main():
    module = new_module(ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE, required_one_of=REQUIRED_ONE_OF)
    run(module, act)


if __name__ == "__main__":
    main()
