# -*- coding: utf-8 -*-
"""scaleset_info end to end: playbook -> module -> our auth and clients -> HTTPS -> the emulator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import os
import textwrap

import pytest

from harness import arm_requests, run_module, run_playbook


def stock_compute(emu):
    """The stock SDK, built as azure-facts.md shows: the oracle the module's answers are checked against."""
    from azure.identity import ClientSecretCredential
    from azure.mgmt.compute import ComputeManagementClient

    ready = emu.ready
    credential = ClientSecretCredential(ready["tenant_id"], ready["client_id"], ready["client_secret"],
                                        authority=ready["authority_host"], disable_instance_discovery=True,
                                        connection_verify=ready["ca_bundle"])
    return ComputeManagementClient(credential, ready["subscription_id"], base_url=ready["endpoint"],
                                   credential_scopes=["https://management.azure.com/.default"],
                                   connection_verify=ready["ca_bundle"], polling_interval=1)


def expected_summaries(emu):
    """{scale set name: Counter of status codes} counted VM by VM through the stock SDK."""
    compute = stock_compute(emu)
    summaries = {}
    for vmss in compute.virtual_machine_scale_sets.list_all():
        group = vmss.id.split("/")[4]
        if vmss.orchestration_mode == "Flexible":
            vms = compute.virtual_machines.list(
                group, filter="'virtualMachineScaleSet/id' eq '%s'" % vmss.id, expand="instanceView")
        else:
            vms = compute.virtual_machine_scale_set_vms.list(group, vmss.name, expand="instanceView")
        counts = collections.Counter()
        for vm in vms:
            for status in vm.instance_view.statuses:
                if status.code.startswith(("PowerState/", "ProvisioningState/")):
                    counts[status.code] += 1
        summaries[vmss.name] = (vmss.orchestration_mode, group, counts)
    return summaries


@pytest.fixture(scope="module")
def expected(emulator):
    return expected_summaries(emulator)


def by_name(result):
    return dict((item["name"], item) for item in result["scale_sets"])


def test_subscription_scope_lists_both_modes_with_exact_status_counts(emulator, expected):
    run = run_module("scaleset_info", {}, emulator.env)
    assert run.result and not run.result.get("failed"), run.output
    found = by_name(run.result)
    assert set(found) == set(expected)
    assert set(item["orchestration_mode"] for item in found.values()) == {"Uniform", "Flexible"}
    for name, (mode, group, counts) in expected.items():
        record = found[name]
        assert record["orchestration_mode"] == mode
        assert record["resource_group"] == group
        assert record["status_summary"] == dict(counts), name
    # The sample estate promises one stopped and one deallocated VM somewhere.
    totals = sum((counts for _mode, _group, counts in expected.values()), collections.Counter())
    assert totals["PowerState/stopped"] >= 1 and totals["PowerState/deallocated"] >= 1


def test_uniform_summary_uses_the_scale_set_instance_view_and_flexible_lists_members(fresh_emulator):
    expected = expected_summaries(fresh_emulator)
    fresh_emulator.clear_requests()
    run = run_module("scaleset_info", {}, fresh_emulator.env)
    assert not run.result.get("failed"), run.output
    uniform = [name for name, (mode, _g, _c) in expected.items() if mode == "Uniform"]
    flexible = [name for name, (mode, _g, _c) in expected.items() if mode == "Flexible"]
    gets = arm_requests(fresh_emulator, "GET")
    instance_views = [e for e in gets if e["path"].endswith("/instanceView")]
    assert sorted(e["path"].split("/")[-2] for e in instance_views) == sorted(uniform)
    member_lists = [e for e in gets if e["path"].endswith("/virtualMachines")
                    and "virtualMachineScaleSets" not in e["path"]]
    assert len(member_lists) == len(flexible)
    assert all("instanceView" in str(e["query"]) for e in member_lists)


def test_resource_group_scope_and_glob(emulator, expected):
    mode_by_group = collections.defaultdict(set)
    for name, (mode, group, _counts) in expected.items():
        mode_by_group[group].add(name)
    group, names = sorted(mode_by_group.items())[0]
    run = run_module("scaleset_info", {"resource_group": group}, emulator.env)
    assert set(by_name(run.result)) == names, run.output

    first = sorted(expected)[0]
    pattern = first[:3] + "*"
    run = run_module("scaleset_info", {"name": [pattern], "status_summary": False}, emulator.env)
    matched = set(by_name(run.result))
    assert first in matched
    assert matched == set(name for name in expected if name.lower().startswith(first[:3].lower()))
    assert all("status_summary" not in item for item in run.result["scale_sets"])


def test_check_mode_returns_the_same_data(emulator):
    normal = run_module("scaleset_info", {}, emulator.env)
    checked = run_module("scaleset_info", {}, emulator.env, check=True)
    assert checked.result["scale_sets"] == normal.result["scale_sets"]
    assert checked.result["changed"] is False


def test_glob_matching_nothing_names_it(emulator):
    run = run_module("scaleset_info", {"name": ["nothing-like-this-*"]}, emulator.env)
    assert run.result["failed"]
    assert "'nothing-like-this-*'" in run.result["msg"]


def identity_env(emu):
    """azure-identity's own variable names instead of AWX's."""
    env = dict(emu.env)
    env["AZURE_CLIENT_SECRET"] = env.pop("AZURE_SECRET")
    env["AZURE_TENANT_ID"] = env.pop("AZURE_TENANT")
    return env


def options_only(emu):
    """Everything as module options; the environment has nothing Azure at all."""
    ready = emu.ready
    return {}, {"subscription_id": ready["subscription_id"], "client_id": ready["client_id"],
                "secret": ready["client_secret"], "tenant": ready["tenant_id"],
                "cloud_environment": emu.env["AZURE_CLOUD_ENVIRONMENT"], "ca_cert": ready["ca_bundle"]}


@pytest.mark.parametrize("how", ["awx", "identity", "options"])
def test_auth_sources(emulator, expected, how):
    if how == "awx":
        env, args = emulator.env, {}
    elif how == "identity":
        env, args = identity_env(emulator), {}
    else:
        env, args = options_only(emulator)
    run = run_module("scaleset_info", dict(args, status_summary=False), env)
    assert run.result and not run.result.get("failed"), run.output
    assert set(by_name(run.result)) == set(expected)


def test_module_defaults_group_sets_auth_once(emulator, tmp_path, expected):
    _env, args = options_only(emulator)
    playbook = tmp_path / "defaults.yml"
    lines = "\n".join("        %s: %s" % (key, value) for key, value in sorted(args.items()))
    playbook.write_text(textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          module_defaults:
            group/vmss.fleet.azure:
        %s
          tasks:
            - vmss.fleet.scaleset_info:
                status_summary: false
              register: found
            - ansible.builtin.assert:
                that: found.scale_sets | map(attribute='name') | sort == %s
        """) % (lines, sorted(expected)))
    run = run_playbook(str(playbook), {})
    assert run.rc == 0, run.output


def secret_free(run, secret):
    assert secret not in run.output
    assert secret not in str(run.result)


def test_wrong_secret_is_a_clear_authentication_error(emulator):
    env = dict(emulator.env, AZURE_SECRET="wrong-" + emulator.ready["client_secret"])
    run = run_module("scaleset_info", {}, env)
    assert run.result["failed"]
    assert "Authentication failed" in run.result["msg"]
    assert "Traceback" not in run.output
    secret_free(run, env["AZURE_SECRET"])
    secret_free(run, emulator.ready["client_secret"])


@pytest.mark.parametrize("override, expect", [
    ({"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-00000000dead"}, "00000000-0000-0000-0000-00000000dead"),
    ({"AZURE_CLOUD_ENVIRONMENT": "AzureMoonCloud"}, "Unknown cloud_environment 'AzureMoonCloud'"),
    ({"AZURE_CA_BUNDLE": "/nonexistent/emulator-ca.pem"}, "ca_cert '/nonexistent/emulator-ca.pem' does not exist"),
])
def test_bad_settings_name_the_problem(emulator, override, expect):
    run = run_module("scaleset_info", {}, dict(emulator.env, **override))
    assert run.result["failed"], run.output
    assert expect in run.result["msg"]
    assert "Traceback" not in run.output
    secret_free(run, emulator.ready["client_secret"])


def test_unknown_resource_group_is_named(emulator):
    run = run_module("scaleset_info", {"resource_group": "rg-that-does-not-exist"}, emulator.env)
    assert run.result["failed"]
    assert "rg-that-does-not-exist" in run.result["msg"]
    assert run.result.get("status") == 404
    secret_free(run, emulator.ready["client_secret"])


def test_subscription_outside_the_principals_scope_is_403(emulator):
    forbidden = unreadable_subscription(emulator)
    run = run_module("scaleset_info", {"subscription_id": forbidden}, emulator.env)
    assert run.result["failed"]
    assert run.result.get("status") == 403
    assert run.result.get("code") == "AuthorizationFailed"
    assert "AuthorizationFailed" in run.result["msg"]
    secret_free(run, emulator.ready["client_secret"])


def unreadable_subscription(emu):
    """A subscription of the sample estate that the sample principal may not read."""
    import yaml

    with open(emu.estate_path) as handle:
        estate = yaml.safe_load(handle)
    ids = [sub["id"] for sub in estate["subscriptions"]]
    others = [sub for sub in ids if sub != emu.ready["subscription_id"]]
    assert others, "the sample estate needs a second subscription"
    return others[0]


def test_missing_sdk_gives_missing_required_lib(emulator):
    system_python = "/usr/bin/python3"
    if not os.path.exists(system_python):
        pytest.skip("no system python without the Azure SDK on this machine")
    run = run_module("scaleset_info", {}, emulator.env,
                     vars_={"ansible_python_interpreter": system_python})
    assert run.result["failed"]
    assert "Failed to import the required Python library (azure-" in run.result["msg"]
