# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One error layer: Azure's refusals become FleetError, a bug in this collection is reported as one.

The listing runs against the emulator through the collection's own clients; the bug is a record builder that
raises, as a programming error would. It must reach the user as "internal error in vmss.fleet", from a module and
from the inventory, never as "Azure refused the request" and never as a partial-read warning.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader

from ansible_collections.vmss.fleet.plugins.inventory.azure_vmss import InventoryModule
from ansible_collections.vmss.fleet.plugins.module_utils import fleet, module_runner
from ansible_collections.vmss.fleet.plugins.module_utils.auth import AUTH_OPTIONS, CONNECTION_OPTIONS

RESOURCE_GROUP = "rg-list-web"
INTERNAL = "internal error in vmss.fleet: TypeError: "


def broken_record_builder(secret):
    def instance_record(*args, **kwargs):
        raise TypeError("cannot build a record (client secret %s)" % secret)
    return instance_record


def test_a_bug_while_building_records_is_not_a_part_that_could_not_be_read(emu, azure_clients, monkeypatch):
    monkeypatch.setattr(fleet, "instance_record", broken_record_builder("x"))
    compute = azure_clients.compute()
    scale_sets = fleet.select_scale_sets(azure_clients.arm(), RESOURCE_GROUP)
    with pytest.raises(TypeError, match="cannot build a record"):
        fleet.list_fleet(compute, azure_clients.network(), scale_sets)


def test_azures_refusal_is_still_a_part_that_could_not_be_read(emu, azure_clients):
    emu.faults(fail_paths=[{"pattern": "/virtualMachineScaleSets/web/virtualMachines$", "status": 403,
                            "code": "AuthorizationFailed", "message": "no read access here"}])
    compute = azure_clients.compute()
    listing = fleet.list_fleet(compute, azure_clients.network(), fleet.select_scale_sets(azure_clients.arm(), RESOURCE_GROUP))
    assert [(what, error.code, error.status) for what, error in listing.failures] == [
        ("scale set 'web'", "AuthorizationFailed", 403)]
    assert listing.failures[0][1].message.startswith("Azure refused the request while listing the VMs of scale "
                                                     "set 'web' (AuthorizationFailed, status 403)")


# ---------------------------------------------------------------------------
# A module: module_runner.run's catch-all
# ---------------------------------------------------------------------------

def module_args(emu):
    env = emu.env
    return {"subscription_id": env["AZURE_SUBSCRIPTION_ID"], "client_id": env["AZURE_CLIENT_ID"],
            "secret": env["AZURE_SECRET"], "tenant": env["AZURE_TENANT"],
            "cloud_environment": env["AZURE_CLOUD_ENVIRONMENT"], "ca_cert": env["AZURE_CA_BUNDLE"],
            "resource_group": RESOURCE_GROUP}


def run_module_body(args, body, capsys):
    """Run ``module_runner.run`` as a module process would; returns the JSON it printed."""
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        patch_module_args = None
    if patch_module_args is not None:
        with patch_module_args(args), pytest.raises(SystemExit):
            module_runner.run(module_runner.new_module({"resource_group": {"type": "str"}}), body)
    else:
        from ansible.module_utils import basic

        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
        with pytest.raises(SystemExit):
            module_runner.run(module_runner.new_module({"resource_group": {"type": "str"}}), body)
    return json.loads(capsys.readouterr().out)


def test_a_bug_in_a_module_is_an_internal_error_without_traceback_or_secret(emu, monkeypatch, capsys):
    args = module_args(emu)
    monkeypatch.setattr(fleet, "instance_record", broken_record_builder(args["secret"]))

    def list_instances(module, clients):
        compute = clients.compute()
        listing = fleet.list_fleet(compute, clients.network(), fleet.select_scale_sets(clients.arm(), RESOURCE_GROUP))
        listing.raise_failures()
        return {"changed": False, "instances": listing.records}

    result = run_module_body(args, list_instances, capsys)
    assert result["failed"] is True
    assert result["msg"] == INTERNAL + "cannot build a record (client secret ********), please report"
    assert result["code"] == "InternalError"
    assert "exception" not in result and "Traceback" not in json.dumps(result)
    assert args["secret"] not in json.dumps(result)


def test_azures_refusal_in_a_module_keeps_its_status_and_code(emu, capsys):
    emu.faults(fail_paths=[{"pattern": "/virtualMachineScaleSets$", "status": 403, "code": "AuthorizationFailed",
                            "message": "no read access here"}])

    def list_scale_sets(module, clients):
        return {"changed": False, "scale_sets": fleet.select_scale_sets(clients.arm(), RESOURCE_GROUP)}

    result = run_module_body(module_args(emu), list_scale_sets, capsys)
    assert (result["status"], result["code"]) == (403, "AuthorizationFailed")
    assert result["msg"].startswith("Azure refused the request while listing scale sets in resource group")
    assert "exception" not in result


# ---------------------------------------------------------------------------
# The inventory: parse's catch-all, with fail_on_partial: false
# ---------------------------------------------------------------------------

PLUGIN_DEFAULTS = {
    "plugin": "vmss.fleet.azure_vmss", "subscriptions": None, "resource_groups": None, "scale_sets": None,
    "orchestration_modes": None, "hostvars_prefix": "vmss_", "include_instance_view": False,
    "ansible_host_source": "private_ip", "hostnames": ["name"], "default_groups": True, "group_prefix": "vmss_",
    "include_filters": [], "exclude_filters": [], "max_concurrency": 4, "fail_on_partial": True, "strict": False,
    "compose": {}, "groups": {}, "keyed_groups": [], "use_extra_vars": False, "leading_separator": True,
    "cache": False, "cache_plugin": "memory", "cache_timeout": 3600, "cache_connection": None, "cache_prefix": None,
    "list_in_child_process": True,
}


def configured_plugin(emu, **options):
    """The plugin with its options set as ``_read_config_data`` would from a config file."""
    plugin = InventoryModule()
    values = dict((name, None) for name in list(AUTH_OPTIONS))
    values.update((name, option["default"]) for name, option in CONNECTION_OPTIONS.items())
    values.update(PLUGIN_DEFAULTS)
    values.update(module_args(emu))
    values.pop("resource_group")
    values.update(retry_total=0, **options)
    plugin._options = values
    plugin._read_config_data = lambda path: None
    return plugin


def parse(plugin, tmp_path):
    path = tmp_path / "fleet.azure_vmss.yml"
    path.write_text("plugin: vmss.fleet.azure_vmss\n")
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), str(path), cache=False)
    return inventory


def test_a_bug_in_the_inventory_fails_it_as_internal_even_with_fail_on_partial_false(emu, monkeypatch, tmp_path,
                                                                                     capsys):
    plugin = configured_plugin(emu, fail_on_partial=False, resource_groups=[RESOURCE_GROUP])
    monkeypatch.setattr(fleet, "instance_record", broken_record_builder(emu.env["AZURE_SECRET"]))
    with pytest.raises(AnsibleError) as info:
        parse(plugin, tmp_path)
    message = str(info.value)
    assert message.startswith(INTERNAL + "cannot build a record (client secret ********), please report")
    assert "Azure refused" not in message and emu.env["AZURE_SECRET"] not in message
    assert info.value.__cause__ is None and info.value.__context__ is None  # no chained traceback
    assert "WARNING" not in capsys.readouterr().err


def test_azures_refusal_in_the_inventory_with_fail_on_partial_false_is_a_warning(emu, tmp_path, capsys):
    emu.faults(fail_paths=[{"pattern": "/virtualMachineScaleSets/web/virtualMachines$", "status": 403,
                            "code": "AuthorizationFailed", "message": "no read access here"}])
    plugin = configured_plugin(emu, fail_on_partial=False, resource_groups=[RESOURCE_GROUP])
    inventory = parse(plugin, tmp_path)
    assert "web" not in [host.vars.get("vmss_scale_set") for host in inventory.hosts.values()]
    assert "scale set 'web'" in capsys.readouterr().err
