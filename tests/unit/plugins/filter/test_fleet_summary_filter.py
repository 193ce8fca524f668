# -*- coding: utf-8 -*-
"""The vmss.fleet.fleet_summary filter: what it accepts, what it refuses, and that Azure text stays data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.vmss.fleet.plugins.filter import fleet_summary as plugin

CORE = tuple(int(part) for part in plugin.ANSIBLE_CORE_VERSION.split(".")[:2])
POISON = "<script>alert(1)</script>{{ lookup('pipe', 'touch MARKER') }}"


def listing(message=POISON):
    scale_set = {"name": "web", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/"
                 "virtualMachineScaleSets/web", "resource_group": "rg", "orchestration_mode": "Uniform"}
    vm = {"name": "web_1", "scale_set": "web", "scale_set_id": scale_set["id"], "resource_group": "rg",
          "computer_name": POISON, "power_state": "running", "provisioning_state": "failed", "health": None,
          "latest_model_applied": True, "zones": [], "fault_domain": 0, "update_domain": 0,
          "instance_view": {"statuses": [{"code": "ProvisioningState/failed/Boom", "message": message}]}}
    return {"scale_sets": [scale_set], "instances": [vm]}


def test_the_filter_is_registered_under_its_name():
    assert plugin.FilterModule().filters() == {"fleet_summary": plugin.fleet_summary}


@pytest.mark.parametrize("value, named", [
    ([], "list"), ("text", "str"), ({"scale_sets": []}, "dict"), (None, "NoneType")])
def test_anything_but_an_instance_info_result_is_refused_by_type(value, named):
    with pytest.raises(AnsibleFilterError) as raised:
        plugin.fleet_summary(value)
    assert "registered result of vmss.fleet.instance_info" in str(raised.value)
    assert "got %s" % named in str(raised.value)


@pytest.mark.parametrize("examples", [-1, "5", 2.5, True])
def test_examples_must_be_a_whole_number(examples):
    with pytest.raises(AnsibleFilterError) as raised:
        plugin.fleet_summary(listing(), examples)
    assert "examples must be a whole number of 0 or more, got %r" % (examples,) in str(raised.value)


def test_azure_text_comes_back_as_it_was():
    summary = plugin.fleet_summary(listing(), 3)
    entry = summary["attention"]["instances"][0]
    assert entry["computer_name"] == POISON
    assert entry["reasons"][0] == {"reason": "provisioning_failed", "detail": "Boom: " + POISON}


@pytest.mark.skipif(CORE >= (2, 19), reason="from ansible-core 2.19 on, module results are never trusted templates")
def test_before_core_2_19_the_summary_is_marked_unsafe():
    # On 2.16-2.18 a plain string in a fact is templated wherever the fact is used.
    from ansible.utils.unsafe_proxy import AnsibleUnsafe

    summary = plugin.fleet_summary(listing(), 3)
    entry = summary["attention"]["instances"][0]
    assert isinstance(entry["computer_name"], AnsibleUnsafe)
    assert isinstance(entry["reasons"][0]["detail"], AnsibleUnsafe)
