# -*- coding: utf-8 -*-
"""vmss.fleet.instance_facts against the emulator: facts per inventory host, in both modes.

The play (playbooks/instance_facts.yml) runs the facts task with ``delegate_to: localhost`` over inventory
hosts, then reads ``ansible_facts.vmss_instance`` in a later task on each host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest
import yaml

from harness import REPO, arm_requests, run_inventory, run_module, run_playbook, start_emulator

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "instance_facts.yml")
WEB_RG, BATCH_RG = "rg-list-web", "rg-list-batch"


@pytest.fixture(scope="module")
def fleet():
    with start_emulator("listing-fleet.yml") as emu:
        yield emu


def one_vm(emu, scale_set, index=0):
    return emu.vms(scale_set=scale_set)[index]


def run_facts_play(emu, inventory_path, out_dir, extra_env=None, extra_args=()):
    env = dict(emu.env)
    env.update(extra_env or {})
    args = ["-i", inventory_path, "-e", "out_dir=%s" % out_dir] + list(extra_args)
    return run_playbook(PLAYBOOK, env, args)


def saved_facts(out_dir, host):
    with open(os.path.join(out_dir, host + ".json")) as handle:
        return json.load(handle)


def cached_facts(cache_dir, host):
    """A host's facts from the jsonfile fact cache (ansible-core 2.19 prefixes the file name and wraps the
    facts in a serialization envelope)."""
    names = [name for name in os.listdir(str(cache_dir)) if name == host or name.endswith("_" + host)]
    assert len(names) == 1, os.listdir(str(cache_dir))
    with open(os.path.join(str(cache_dir), names[0])) as handle:
        stored = json.load(handle)
    return json.loads(stored["__payload__"]) if "__payload__" in stored else stored


def assert_fact_is_the_vm(fact, vm):
    assert fact["name"] == vm["name"] and fact["instance_id"] == vm["instance_id"]
    assert fact["orchestration_mode"] == vm["mode"] and fact["scale_set"] == vm["scale_set"]
    assert fact["id"] == vm["id"] and fact["computer_name"] == vm["computer_name"]
    assert fact["power_state"] == vm["power_state"] and fact["health"] == vm["health"]
    assert fact["private_ips"] == [vm["private_ip"]]
    assert fact["instance_view"]["computer_name"] == vm["computer_name"]
    assert [s["code"] for s in fact["instance_view"]["statuses"]] == [
        "ProvisioningState/" + vm["provisioning_state"].lower(), "PowerState/" + vm["power_state"]]


def test_play_over_inventory_plugin_hosts_sets_facts_per_host(fleet, tmp_path):
    """One host per mode from the azure_vmss inventory; AWX-style fact storage keeps the fact per host."""
    uniform, flexible = one_vm(fleet, "web", 2), one_vm(fleet, "legacy", 1)
    config = tmp_path / "fleet.azure_vmss.yml"
    config.write_text(yaml.safe_dump({
        "plugin": "vmss.fleet.azure_vmss",
        "scale_sets": ["web", "legacy"],
        "compose": {"ansible_connection": "'local'"},
    }))
    cache = tmp_path / "fact-cache"
    fleet.clear_requests()
    run = run_facts_play(fleet, str(config), str(tmp_path),
                         extra_env={"ANSIBLE_CACHE_PLUGIN": "jsonfile",
                                    "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache)},
                         extra_args=["--limit", "%s,%s" % (uniform["name"], flexible["name"])])
    assert run.rc == 0, run.output
    assert "ok=3" in run.stdout and "failed=0" in run.stdout
    for vm in (uniform, flexible):
        fact = saved_facts(str(tmp_path), vm["name"])
        assert_fact_is_the_vm(fact, vm)
        # What AWX fact storage does: the facts cache holds the fact under the host's name.
        assert cached_facts(cache, vm["name"])["vmss_instance"]["id"] == vm["id"]
    # Each host's VM was read with one GET carrying its instance view; no scale set was listed for it.
    vm_gets = [r for r in arm_requests(fleet, method="GET") if r["query"].get("$expand") == "instanceView"
               and not r["path"].lower().endswith("/virtualmachines")]
    assert sorted(r["path"] for r in vm_gets) == sorted([uniform["id"], flexible["id"]])


def test_hosts_located_by_scale_set_and_instance_id_with_any_prefix(fleet, tmp_path):
    """Without an id host variable, scale set + resource group + instance ID locate the VM (Uniform ID and
    Flexible name); the prefix is the one the inventory was configured with."""
    uniform, flexible = one_vm(fleet, "web", 0), one_vm(fleet, "batch", 3)
    hosts = {}
    for vm in (uniform, flexible):
        hosts[vm["name"]] = {"ansible_connection": "local", "az_scale_set": vm["scale_set"],
                             "az_resource_group": vm["resource_group"], "az_instance_id": vm["instance_id"]}
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    run = run_facts_play(fleet, str(inventory), str(tmp_path), extra_args=["-e", "facts_prefix=az_"])
    assert run.rc == 0, run.output
    for vm in (uniform, flexible):
        assert_fact_is_the_vm(saved_facts(str(tmp_path), vm["name"]), vm)


def test_explicit_options_and_check_mode(fleet):
    vm = one_vm(fleet, "batch", 0)
    args = {"resource_group": BATCH_RG, "scale_set": "batch", "instance_id": vm["name"]}
    normal = run_module("instance_facts", args, fleet.env)
    checked = run_module("instance_facts", args, fleet.env, check=True)
    assert not normal.result.get("failed"), normal.result
    assert_fact_is_the_vm(normal.result["ansible_facts"]["vmss_instance"], vm)
    assert checked.result["ansible_facts"] == normal.result["ansible_facts"]
    assert checked.result["changed"] is False


def test_fact_is_the_record_instance_info_returns(fleet):
    vm = one_vm(fleet, "web", 4)
    facts = run_module("instance_facts", {"id": vm["id"]}, fleet.env).result["ansible_facts"]["vmss_instance"]
    listed = run_module("instance_info", {"resource_group": WEB_RG, "scale_set": "web"}, fleet.env).result
    assert [record for record in listed["instances"] if record["id"] == vm["id"]] == [facts]


def test_explicit_options_win_over_host_variables(fleet):
    wanted, other = one_vm(fleet, "web", 1), one_vm(fleet, "batch", 1)
    run = run_module("instance_facts", {"id": wanted["id"]}, fleet.env, vars_={"vmss_id": other["id"]})
    assert run.result["ansible_facts"]["vmss_instance"]["name"] == wanted["name"]


def test_host_variables_are_used_by_a_plain_task(fleet):
    vm = one_vm(fleet, "web", 3)
    run = run_module("instance_facts", {}, fleet.env, vars_={"vmss_id": vm["id"]})
    assert run.result["ansible_facts"]["vmss_instance"]["name"] == vm["name"]


@pytest.mark.parametrize("args, host_vars, named", [
    ({}, {}, "missing scale_set, resource_group, instance_id"),
    ({"id": "/subscriptions/x/resourceGroups/rg-list-web/providers/Microsoft.Compute/virtualMachineScaleSets/web"
            "/virtualMachines/1", "scale_set": "web"}, {}, "not both"),
    ({"resource_group": WEB_RG, "scale_set": "web", "instance_id": "987654"}, {},
     "'987654' is not an instance of scale set 'web'"),
    ({"resource_group": WEB_RG, "scale_set": "nope", "instance_id": "1"}, {}, "Scale set 'nope' does not exist"),
    ({"resource_group": BATCH_RG, "scale_set": "batch", "instance_id": "3"}, {},
     "'3' is a Uniform instance ID, but scale set 'batch' has Flexible orchestration"),
    ({}, {"vmss_id": "web_3"}, "web_3"),
])
def test_bad_locators_are_named(fleet, args, host_vars, named):
    run = run_module("instance_facts", args, fleet.env, vars_=host_vars)
    assert run.result.get("failed") is True, run.result
    assert named in run.result["msg"]


def test_a_vm_that_is_gone_is_named(fleet):
    vm = one_vm(fleet, "web", 0)
    gone = vm["id"].rsplit("/", 1)[0] + "/987654"
    run = run_module("instance_facts", {"id": gone}, fleet.env)
    assert run.result.get("failed") is True and gone in run.result["msg"]


# ---------------------------------------------------------------------------
# Many hosts: one listing per scale set for the whole task
# ---------------------------------------------------------------------------

@pytest.fixture
def multi():
    with start_emulator("multi.yml") as emu:
        yield emu


def multi_inventory(emu, tmp_path):
    """Every readable VM of two subscriptions (both modes in each) as inventory hosts, and those VMs."""
    readable = [vm for vm in emu.vms() if vm["resource_group"] in ("rg-app", "rg-shared")]
    config = tmp_path / "multi.azure_vmss.yml"
    config.write_text(yaml.safe_dump({
        "plugin": "vmss.fleet.azure_vmss",
        "subscriptions": sorted(set(vm["subscription_id"] for vm in readable)),
        "resource_groups": ["rg-app", "rg-shared"],
        "fail_on_partial": False,
        "compose": {"ansible_connection": "'local'"},
    }))
    return str(config), readable


def single_vm_reads(emu):
    """GETs of one VM (Uniform or Flexible), as opposed to lists of a scale set's or a group's VMs."""
    return [r for r in arm_requests(emu, method="GET") if "/virtualmachines/" in r["path"].lower()
            and not r["path"].lower().endswith(("/virtualmachines", "/networkinterfaces", "/publicipaddresses"))]


def test_a_play_over_many_hosts_lists_each_scale_set_once(multi, tmp_path):
    """Facts on every host of both modes in two subscriptions from one listing per scale set: no request per
    VM, and with AWX's fact storage (the jsonfile cache) every host's fact is stored."""
    config, vms = multi_inventory(multi, tmp_path)
    cache = tmp_path / "fact-cache"
    multi.clear_requests()
    run = run_facts_play(multi, config, str(tmp_path), extra_env={
        "ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache)})
    assert run.rc == 0, run.output
    assert {vm["mode"] for vm in vms} == {"Uniform", "Flexible"} and len({vm["subscription_id"] for vm in vms}) == 2
    for vm in vms:
        assert_fact_is_the_vm(saved_facts(str(tmp_path), vm["name"]), vm)
        assert cached_facts(cache, vm["name"])["vmss_instance"]["instance_view"]["computer_name"] == \
            vm["computer_name"]
    facts_task = arm_requests(multi, method="GET")
    assert single_vm_reads(multi) == []
    scale_sets = sorted(set((vm["subscription_id"], vm["scale_set"]) for vm in vms))
    set_gets = [r for r in facts_task if r["path"].lower().rstrip("/").rsplit("/", 2)[-2] == "virtualmachinescalesets"]
    assert len(set_gets) == len(scale_sets)  # one GET per set (the inventory lists sets, it does not GET them)
    member_lists = [r for r in facts_task if r["path"].lower().endswith("/virtualmachines")]
    # Each set's members are listed twice in all: once by the inventory, once by the facts task.
    assert len(member_lists) == 2 * len(scale_sets)


def recap(run, host):
    """The PLAY RECAP counts of one host."""
    match = re.search(r"^%s\s+:\s+(.*)$" % re.escape(host), run.stdout, re.M)
    return dict(item.split("=") for item in match.group(1).split()) if match else None


def test_a_vm_deleted_after_the_inventory_fails_only_its_host(multi, tmp_path):
    config, vms = multi_inventory(multi, tmp_path)
    # The inventory as it was before the scale-in, as a static YAML inventory.
    exported = run_inventory(yaml.safe_load(open(config)), multi.env, extra_args=("--list", "--export", "-y"),
                             name="multi.azure_vmss.yml")
    assert exported.rc == 0, exported.output
    static = tmp_path / "hosts.yml"
    static.write_text(exported.stdout)
    gone = [vm for vm in vms if vm["scale_set"] == "vmss-worker"][0]
    multi.remove_instance("vmss-worker", gone["name"], resource_group="rg-app")
    multi.clear_requests()
    run = run_facts_play(multi, str(static), str(tmp_path))
    assert run.rc == 2, run.output
    assert "is not in its scale set 'vmss-worker' any more" in run.stdout
    assert recap(run, gone["name"])["failed"] == "1"
    for vm in vms:
        if vm is not gone:
            assert recap(run, vm["name"])["failed"] == "0"
            assert_fact_is_the_vm(saved_facts(str(tmp_path), vm["name"]), vm)
    assert not os.path.exists(os.path.join(str(tmp_path), gone["name"] + ".json"))
    assert single_vm_reads(multi) == []
