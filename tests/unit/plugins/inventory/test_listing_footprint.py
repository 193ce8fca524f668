# -*- coding: utf-8 -*-
"""What the inventory's listing costs before its first host: every list it makes is raw JSON through an
ArmClient, so it imports no management SDK (azure-mgmt-compute alone takes a quarter of a second) and builds no
SDK model. Run in a fresh interpreter, since this one has imported everything already."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

from ansible_collections.vmss.fleet.plugins.module_utils.listing import list_scale_sets

LISTING = r"""
import json, sys
from ansible_collections.vmss.fleet.plugins.inventory.azure_vmss import send_fleet
from ansible_collections.vmss.fleet.plugins.module_utils.auth import AuthSettings
settings = AuthSettings(json.loads(sys.argv[1]))
scope = {"subscriptions": [], "resource_groups": [], "orchestration_modes": [], "scale_sets": [],
         "max_concurrency": 4, "include_instance_view": False}
messages = []
send_fleet(settings, scope, messages.append)
hosts = sum(len(message[2] or []) for message in messages if message[0] == "page")
print(json.dumps({"hosts": hosts, "sdks": sorted(name for name in sys.modules if name.startswith("azure.mgmt.")
                                                  and name.count(".") == 2)}))
"""


def test_the_inventory_listing_imports_no_management_sdk(emu, azure_settings):
    values = dict((name, getattr(azure_settings, name)) for name in vars(azure_settings))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    completed = subprocess.run([sys.executable, "-c", LISTING, json.dumps(values)], env=env, capture_output=True,
                               text=True, check=True)
    answer = json.loads(completed.stdout)
    assert answer["hosts"] > 0
    assert answer["sdks"] == ["azure.mgmt.core"]


def test_scale_sets_read_as_json_are_what_the_sdk_models_say(emu, azure_clients):
    compute, arm = azure_clients.compute(), azure_clients.arm()
    by_model = [vmss.as_dict() for vmss in compute.virtual_machine_scale_sets.list_all()]
    assert by_model and list_scale_sets(arm) == by_model
    group = by_model[0]["id"].split("/")[4]
    assert list_scale_sets(arm, group) == [vmss.as_dict() for vmss in compute.virtual_machine_scale_sets.list(group)]


def test_an_arm_client_leaves_the_callers_request_as_it_was(emu, azure_clients):
    from azure.core.rest import HttpRequest

    arm = azure_clients.arm()
    request = HttpRequest("GET", "/subscriptions/%s/providers/Microsoft.Compute/virtualMachineScaleSets"
                          % arm.subscription_id, params={"api-version": "2026-04-01"})
    url, headers = request.url, dict(request.headers)
    response = arm.send_request(request)
    assert response.status_code == 200 and response.json()["value"]
    assert (request.url, dict(request.headers)) == (url, headers)
