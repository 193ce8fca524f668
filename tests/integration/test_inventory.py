# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vmss.fleet.azure_vmss inventory plugin end to end: ansible-inventory against the ARM emulator.

Only the variables AWX's "Microsoft Azure Resource Manager" credential injects (plus the emulator's cloud
metadata URL and CA) are set; expectations are read from the emulator's own view of its estate.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

import pytest

from conftest import run_inventory, start_emulator

PLUGIN = "vmss.fleet.azure_vmss"
# What AWX adds to every inventory update: a source that fails to parse fails the update.
AWX_UPDATE_ENV = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "True"}
# A few retries, quickly: for tests where a failure is meant to stay.
FEW_RETRIES = {"AZURE_RETRY_TOTAL": "2", "AZURE_RETRY_BACKOFF_FACTOR": "0.05"}


def hostvars(result):
    return result["_meta"]["hostvars"]


def group_hosts(result, group):
    return sorted(result.get(group, {}).get("hosts", []))


def readable_vms(emu):
    """The VMs of the subscription the credential reads by default, from the emulator's own state."""
    return [vm for vm in emu.vms() if vm["subscription_id"] == emu.env["AZURE_SUBSCRIPTION_ID"]]


def arm_log(emu, since=0):
    """ARM requests (no token, metadata or discovery requests) logged after sequence number ``since``."""
    return [entry for entry in emu.requests(since=since) if entry["path"].lower().startswith("/subscriptions")]


def last_seq(emu):
    entries = emu.requests()
    return entries[-1]["seq"] if entries else 0


def unwrap_unsafe(value):
    """--export marks strings that came from Azure as ``{"__ansible_unsafe": ...}`` (never templated)."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((key, unwrap_unsafe(item)) for key, item in value.items())
    if isinstance(value, list):
        return [unwrap_unsafe(item) for item in value]
    return value


def inventory(config, env, extra_args=("--list", "--export")):
    """ansible-inventory on a config; ``.result`` has unsafe markers unwrapped, ``.raw`` is as printed."""
    run = run_inventory(dict({"plugin": PLUGIN}, **config), env, extra_args)
    run.raw = run.result
    run.result = unwrap_unsafe(run.result)
    return run


# ---------------------------------------------------------------------------
# Hosts, variables and groups (sample estate, read only)
# ---------------------------------------------------------------------------

def test_every_vm_of_both_modes_is_a_host_with_its_record(emulator):
    run = inventory({}, emulator.env)
    assert run.rc == 0, run.stderr
    vms = readable_vms(emulator)
    assert set(vm["mode"] for vm in vms) == {"Uniform", "Flexible"}
    assert sorted(hostvars(run.result)) == sorted(vm["name"] for vm in vms)
    for vm in vms:
        host = hostvars(run.result)[vm["name"]]
        assert host["vmss_id"] == vm["id"]
        assert host["vmss_instance_id"] == vm["instance_id"]
        assert host["vmss_orchestration_mode"] == vm["mode"]
        assert host["vmss_power_state"] == vm["power_state"]
        assert host["vmss_computer_name"] == vm["computer_name"]
        assert host["ansible_host"] == vm["private_ip"]
        assert host["vmss_private_ips"] == [vm["private_ip"]]
        assert host["vmss_public_ips"] == ([vm["public_ip"]] if vm["public_ip"] else [])
    # values read from Azure (tags included) are exported as unsafe: AWX never templates them
    raw = hostvars(run.raw)[vms[0]["name"]]
    assert raw["vmss_name"] == {"__ansible_unsafe": vms[0]["name"]}


# What a play groups or filters on: every host keeps these without the instance view.
SUMMARY_FIELDS = ("power_state", "provisioning_state", "health", "zones", "fault_domain", "update_domain",
                  "computer_name", "private_ips", "public_ips", "latest_model_applied", "os_disk_ephemeral", "tags")


def test_hostvars_are_lean_by_default_and_keep_the_summary_fields(emulator):
    run = inventory({}, emulator.env)
    assert run.rc == 0, run.stderr
    for vm in readable_vms(emulator):
        host = hostvars(run.result)[vm["name"]]
        assert "vmss_instance_view" not in host
        assert all("vmss_" + field in host for field in SUMMARY_FIELDS), sorted(host)
        assert host["vmss_provisioning_state"].lower() == vm["provisioning_state"].lower()
        assert host["vmss_health"] == vm["health"]
        assert host["vmss_fault_domain"] == vm["fault_domain"] and host["vmss_update_domain"] == vm["update_domain"]
        assert host["vmss_zones"] == ([vm["zone"]] if vm["zone"] else [])


def test_include_instance_view_true_restores_the_whole_view(emulator):
    lean = inventory({}, emulator.env)
    full = inventory({"include_instance_view": True}, emulator.env)
    assert full.rc == 0, full.stderr
    for vm in readable_vms(emulator):
        host = hostvars(full.result)[vm["name"]]
        view = host["vmss_instance_view"]
        assert view["computer_name"] == vm["computer_name"]
        assert any(status["code"] == "PowerState/" + vm["power_state"] for status in view["statuses"])
        assert dict((k, v) for k, v in host.items() if k != "vmss_instance_view") == \
            hostvars(lean.result)[vm["name"]]


def test_default_groups_follow_scale_set_mode_power_state_and_zone(emulator):
    run = inventory({}, emulator.env)
    assert run.rc == 0, run.stderr
    vms = readable_vms(emulator)

    def expected(key_of):
        groups = {}
        for vm in vms:
            key = key_of(vm)
            if key:
                groups.setdefault(key, []).append(vm["name"])
        return groups

    wanted = {}
    wanted.update(expected(lambda vm: "vmss_scaleset_" + vm["scale_set"].replace("-", "_")))
    wanted.update(expected(lambda vm: "vmss_mode_" + vm["mode"].lower()))
    wanted.update(expected(lambda vm: "vmss_power_" + vm["power_state"]))
    location = dict((vm["name"], hostvars(run.result)[vm["name"]]["vmss_location"]) for vm in vms)
    wanted.update(expected(lambda vm: vm["zone"] and "vmss_zone_%s_%s" % (location[vm["name"]], vm["zone"])))
    assert len(wanted) >= 8
    for group, names in wanted.items():
        assert group_hosts(run.result, group) == sorted(names), group
    assert group_hosts(run.result, "vmss_power_stopped")  # the estate has stopped VMs: the group is not empty


def test_compose_groups_keyed_groups_and_options(emulator):
    config = {
        "hostvars_prefix": "az_",
        "include_instance_view": False,
        "ansible_host_source": "computer_name",
        "compose": {"app": "az_tags.app | default('none')", "ansible_port": "2222"},
        "keyed_groups": [{"key": "az_tags.app | default('untagged')", "prefix": "app"},
                         {"key": "az_health", "prefix": "health", "default_value": "none"}],
        "groups": {"needs_attention": "az_power_state != 'running' or az_health == 'unhealthy'"},
        "exclude_filters": ["az_scale_set == 'vmss-batch-std'"],
    }
    run = inventory(config, emulator.env)
    assert run.rc == 0, run.stderr
    vms = [vm for vm in readable_vms(emulator) if vm["scale_set"] != "vmss-batch-std"]
    assert sorted(hostvars(run.result)) == sorted(vm["name"] for vm in vms)
    for vm in vms:
        host = hostvars(run.result)[vm["name"]]
        assert "az_instance_view" not in host and "vmss_power_state" not in host
        assert host["ansible_host"] == vm["computer_name"]
        assert host["ansible_port"] == 2222
        assert host["app"] == host["az_tags"].get("app", "none")
    by_app = {}
    for vm in vms:
        by_app.setdefault("app_" + hostvars(run.result)[vm["name"]]["app"], []).append(vm["name"])
    for group, names in by_app.items():
        assert group_hosts(run.result, group) == sorted(names)
    attention = [vm["name"] for vm in vms if vm["power_state"] != "running" or vm["health"] == "unhealthy"]
    assert attention and group_hosts(run.result, "needs_attention") == sorted(attention)
    unhealthy = [vm["name"] for vm in vms if vm["health"] == "unhealthy"]
    assert unhealthy and group_hosts(run.result, "health_unhealthy") == sorted(unhealthy)


def test_include_filters_and_env_scope_override(emulator):
    env = dict(emulator.env, AZURE_VMSS_SCALE_SETS="vmss-web,vmss-batch-*", AZURE_VMSS_ORCHESTRATION_MODES="Uniform")
    run = inventory({"include_filters": ["vmss_power_state == 'running'"]}, env)
    assert run.rc == 0, run.stderr
    wanted = [vm["name"] for vm in readable_vms(emulator) if vm["mode"] == "Uniform" and vm["power_state"] == "running"]
    assert wanted and sorted(hostvars(run.result)) == sorted(wanted)


def test_graph_is_readable(emulator):
    run = inventory({}, emulator.env, extra_args=("--graph",))
    assert run.rc == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "@all:"
    web = [vm["name"] for vm in readable_vms(emulator) if vm["scale_set"] == "vmss-web"]
    start = lines.index("  |--@vmss_scaleset_vmss_web:")
    listed = [line.split("--", 1)[1] for line in lines[start + 1:start + 1 + len(web)]]
    assert sorted(listed) == sorted(web)


def test_a_child_process_lists_and_the_inventory_is_the_same_without_one(emulator):
    said = inventory({}, emulator.env, extra_args=("--graph", "-vvv"))
    assert "listing in a child process while hosts are added" in said.stdout + said.stderr
    said = inventory({"list_in_child_process": False}, emulator.env, extra_args=("--graph", "-vvv"))
    assert "listing in this process, then adding the hosts" in said.stdout + said.stderr

    forked = inventory({}, emulator.env)
    in_process = inventory({"list_in_child_process": False}, emulator.env)
    assert forked.rc == 0 and in_process.rc == 0, forked.stderr + in_process.stderr
    # The same hosts, variables and groups, and every group's hosts in the same order.
    assert json.dumps(forked.raw) == json.dumps(in_process.raw)
    # That order: by scale set id, whichever set was listed first, then as Azure lists the set's VMs (pages are
    # added as they come): a Uniform set by instance id, a Flexible one by name, as the emulator lists them.
    variables = hostvars(forked.result)
    listed = forked.raw["vmss_power_running"]["hosts"]
    modes = set(variables[name]["vmss_orchestration_mode"] for name in listed)
    assert len(set(variables[name]["vmss_scale_set"] for name in listed)) > 2 and len(modes) == 2

    def list_position(name):
        host = variables[name]
        if host["vmss_orchestration_mode"] == "Uniform":
            return int(host["vmss_instance_id"]), ""
        return 0, host["vmss_name"].lower()

    assert listed == sorted(listed, key=lambda name: (variables[name]["vmss_scale_set_id"].lower(),
                                                      list_position(name)))


def test_a_scale_set_name_matching_nothing_fails_naming_it(emulator):
    run = inventory({"scale_sets": ["vmss-wbe"]}, dict(emulator.env, **AWX_UPDATE_ENV))
    assert run.rc != 0
    assert "No scale set matches 'vmss-wbe'" in run.stderr and "vmss-web" in run.stderr


def test_awx_names_win_over_azure_identity_names(emulator):
    """The doc fragment lists azure-identity's name first and AWX's last; Ansible uses the last one set."""
    env = dict(emulator.env, AZURE_CLIENT_SECRET="not-the-secret", AZURE_TENANT_ID="not-the-tenant")
    run = inventory({}, env)
    assert run.rc == 0, run.stderr
    assert len(hostvars(run.result)) == len(readable_vms(emulator))


def test_a_wrong_secret_fails_without_printing_it(emulator):
    secret = "wrong-secret-%s" % emulator.env["AZURE_CLIENT_ID"][:8]
    run = inventory({}, dict(emulator.env, AZURE_SECRET=secret, **AWX_UPDATE_ENV))
    assert run.rc != 0
    assert "Authentication failed" in run.stderr
    assert secret not in run.output and emulator.env["AZURE_SECRET"] not in run.output


# ---------------------------------------------------------------------------
# Requests: per scale set and page, never per VM
# ---------------------------------------------------------------------------

def test_requests_scale_with_scale_sets_and_pages():
    with start_emulator("sample.yml", ["--page-size", "2"]) as emu:
        run = inventory({}, emu.env)
        assert run.rc == 0, run.stderr
        log = arm_log(emu)
        vms = readable_vms(emu)
        per_set = {}
        for vm in vms:
            per_set.setdefault((vm["resource_group"], vm["scale_set"], vm["mode"]), []).append(vm)
        pages = dict((key, -(-len(members) // 2)) for key, members in per_set.items())
        vm_lists = [e for e in log if re.search(r"/virtualmachines$", e["path"], re.I)]
        assert len(vm_lists) == sum(pages.values())
        # no request addresses a single VM
        assert not [e for e in log if re.search(r"/virtualmachines/[^/]+$", e["path"], re.I)]
        uniform_nic_pages = sum(pages[key] for key in pages if key[2] == "Uniform")
        flexible_groups = set(key[0] for key in pages if key[2] == "Flexible")
        nic_lists = [e for e in log if e["path"].lower().endswith("/networkinterfaces")]
        flexible_vms = [vm for vm in vms if vm["mode"] == "Flexible"]
        assert len(nic_lists) == uniform_nic_pages + sum(
            -(-len([vm for vm in flexible_vms if vm["resource_group"] == group]) // 2) for group in flexible_groups)
        assert all(e["method"] == "GET" for e in log)
        assert len(hostvars(run.result)) == len(vms)


# ---------------------------------------------------------------------------
# Names: uniqueness, stability, sanitized groups (own estate)
# ---------------------------------------------------------------------------

def test_hostnames_are_unique_and_stable_and_groups_sanitized():
    with start_emulator("inventory-names.yml") as emu:
        config = {"hostnames": ["vmss_tags.color", "computer_name"]}
        first = inventory(config, emu.env)
        second = inventory(config, emu.env)
        assert first.rc == 0, first.stderr
        assert "share the host name(s) blue, green" in first.stderr
        vms = emu.vms()
        names = sorted(hostvars(first.result))
        assert names == sorted(hostvars(second.result))
        assert len(names) == len(vms)
        by_id = dict((host["vmss_id"], name) for name, host in hostvars(first.result).items())
        for vm in vms:
            name = by_id[vm["id"]]
            if vm["scale_set"] == "Web.Blue-v2":
                assert name == vm["computer_name"]  # no color tag: the next preference
            else:
                assert re.match(r"^(blue|green)_[0-9a-f]{8}$", name), name
        same_name = sorted(by_id[vm["id"]] for vm in vms if vm["scale_set"] == "vmss-app")
        assert group_hosts(first.result, "vmss_scaleset_vmss_app") == same_name
        assert len(group_hosts(first.result, "vmss_scaleset_web_blue_v2")) == 2
        assert len(group_hosts(first.result, "vmss_zone_eastus_3")) == 2


# ---------------------------------------------------------------------------
# Several subscriptions, partial access
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def multi():
    with start_emulator("multi.yml") as emu:
        yield emu


def subscription_ids(result):
    return set(host["vmss_subscription_id"] for host in hostvars(result).values())


def test_all_subscriptions_fails_naming_the_unreadable_one(multi):
    run = inventory({"subscriptions": ["all"]}, dict(multi.env, **AWX_UPDATE_ENV))
    assert run.rc != 0
    readable_b = [vm for vm in multi.vms() if vm["resource_group"] == "rg-shared"][0]["subscription_id"]
    assert "subscription '%s'" % readable_b in run.stderr
    assert "AuthorizationFailed" in run.stderr


def test_without_awx_settings_ansible_only_warns_but_adds_no_host(multi):
    run = inventory({"subscriptions": ["all"]}, multi.env)
    assert run.rc == 0
    assert hostvars(run.result) == {}
    # The readable subscription's hosts were added while the listing went on, then taken back with their groups.
    groups = list(run.result) + run.result["all"].get("children", [])
    assert [group for group in groups if group.startswith("vmss_")] == []
    assert "Could not read 1 part of the fleet" in run.stderr


def test_all_subscriptions_with_fail_on_partial_false_warns_naming_it(multi):
    run = inventory({"subscriptions": ["all"], "fail_on_partial": False}, multi.env)
    assert run.rc == 0, run.stderr
    full = multi.env["AZURE_SUBSCRIPTION_ID"]
    expected = [vm["name"] for vm in multi.vms() if vm["subscription_id"] == full]
    assert sorted(hostvars(run.result)) == sorted(expected)
    partial = set(vm["subscription_id"] for vm in multi.vms()) - {full}
    warned = [sub for sub in partial if "subscription '%s'" % sub in run.stderr]
    assert len(warned) == 1  # B is named; C is not visible to the credential at all
    assert "missing from this inventory" in run.stderr


def test_resource_groups_across_subscriptions_read_what_is_allowed(multi):
    env = dict(multi.env, AZURE_VMSS_SUBSCRIPTIONS="all", AZURE_VMSS_RESOURCE_GROUPS="rg-app,rg-shared",
               AZURE_VMSS_FAIL_ON_PARTIAL="false")
    run = inventory({}, env)
    assert run.rc == 0, run.stderr
    vms = multi.vms()
    full = multi.env["AZURE_SUBSCRIPTION_ID"]
    expected = [vm["name"] for vm in vms if vm["resource_group"] == "rg-app" and vm["subscription_id"] == full
                or vm["resource_group"] == "rg-shared"]
    assert sorted(hostvars(run.result)) == sorted(expected)
    assert len(subscription_ids(run.result)) == 2
    # rg-shared does not exist in A (a 404, fine since B has it); rg-app of B cannot be read (403, named)
    assert "resource group 'rg-app' of subscription" in run.stderr
    assert "resource group 'rg-shared'" not in run.stderr


# ---------------------------------------------------------------------------
# Faults: throttling and 5xx bursts are retried; a permanent failure is named
# ---------------------------------------------------------------------------

def test_throttling_and_server_errors_still_give_every_host(fresh_emulator):
    emu = fresh_emulator
    emu.settings(page_size=2, throttle=True,
                 throttle_buckets={"HighCostGet3Min": [1, 2], "VMScaleSetVMViews3Min": [1, 2]})
    emu.faults(error_rate=0.3, error_status=503, seed=11)
    run = inventory({"max_concurrency": 4}, emu.env)
    assert run.rc == 0, run.stderr
    statuses = [entry["status"] for entry in arm_log(emu)]
    assert 429 in statuses and 503 in statuses  # the faults really happened
    assert sorted(hostvars(run.result)) == sorted(vm["name"] for vm in readable_vms(emu))


def test_a_scale_set_that_keeps_failing_fails_the_run_naming_it(fresh_emulator):
    emu = fresh_emulator
    emu.faults(fail_paths=[{"pattern": "/virtualMachineScaleSets/vmss-web/virtualMachines$", "status": 500,
                            "code": "InternalServerError", "message": "Injected permanent failure."}])
    run = inventory({}, dict(emu.env, **dict(FEW_RETRIES, **AWX_UPDATE_ENV)))
    assert run.rc != 0
    assert "scale set 'vmss-web'" in run.stderr and "Injected permanent failure" in run.stderr

    run = inventory({"fail_on_partial": False}, dict(emu.env, **FEW_RETRIES))
    assert run.rc == 0, run.stderr
    others = [vm["name"] for vm in readable_vms(emu) if vm["scale_set"] != "vmss-web"]
    assert sorted(hostvars(run.result)) == sorted(others)
    assert "scale set 'vmss-web'" in run.stderr


# ---------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------

def test_a_cached_second_run_makes_no_request_and_gives_the_same_output(fresh_emulator, tmp_path):
    emu = fresh_emulator
    config = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path),
              "cache_timeout": 600}
    first = inventory(config, emu.env)
    assert first.rc == 0, first.stderr
    assert arm_log(emu)
    emu.clear_requests()

    second = inventory(config, emu.env)
    assert second.rc == 0, second.stderr
    assert emu.requests() == []
    assert json.dumps(second.result, sort_keys=True) == json.dumps(first.result, sort_keys=True)

    # what is built from the records may change without a new listing
    regrouped = inventory(dict(config, keyed_groups=[{"key": "vmss_location", "prefix": "region"}]), emu.env)
    assert regrouped.rc == 0 and emu.requests() == []
    assert group_hosts(regrouped.result, "region_eastus")

    # another scope is another cache entry; --flush-cache reads again
    narrowed = inventory(dict(config, resource_groups=["rg-web"]), emu.env)
    assert narrowed.rc == 0 and arm_log(emu)
    emu.clear_requests()
    flushed = inventory(config, emu.env, extra_args=("--list", "--export", "--flush-cache"))
    assert flushed.rc == 0 and arm_log(emu)
