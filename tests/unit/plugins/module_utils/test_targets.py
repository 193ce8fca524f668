# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of targets.resolve_identifiers: the identifiers users write, in both orchestration modes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.targets import is_instance_id, resolve_identifiers

RG = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute"


def uniform(scale_set, instance_id):
    return {"name": "%s_%s" % (scale_set, instance_id), "instance_id": instance_id, "scale_set": scale_set,
            "orchestration_mode": "Uniform",
            "id": "%s/virtualMachineScaleSets/%s/virtualMachines/%s" % (RG, scale_set, instance_id)}


def flexible(scale_set, suffix):
    name = "%s_%s" % (scale_set, suffix)
    return {"name": name, "instance_id": name, "scale_set": scale_set, "orchestration_mode": "Flexible",
            "id": "%s/virtualMachines/%s" % (RG, name)}


# Gapped Uniform IDs, as Azure hands them out.
WEB = [uniform("web", "0"), uniform("web", "3"), uniform("web", "17")]
FLEX = [flexible("flex", "0f3a9c21"), flexible("flex", "a1b2c3d4")]
FLEET = WEB + FLEX


def names(records):
    return [record["name"] for record in records]


def problems_of(identifiers, records, scale_sets=None):
    with pytest.raises(FleetError) as info:
        resolve_identifiers(identifiers, records, scale_sets)
    return info.value


@pytest.mark.parametrize("identifier, expected", [
    ("0", True), ("17", True), ("web_17", False), ("-1", False), ("1.0", False), ("", False),
    ("\uff13", False),  # a full-width digit: isdigit() says yes, Azure would not
])
def test_is_instance_id(identifier, expected):
    assert is_instance_id(identifier) is expected


def test_mixed_identifiers_resolve_in_the_order_given():
    chosen = resolve_identifiers(["flex_a1b2c3d4", "17", "web_0"], FLEET)
    assert names(chosen) == ["flex_a1b2c3d4", "web_17", "web_0"]


def test_names_compare_case_insensitively():
    assert names(resolve_identifiers(["WEB_3", "Flex_0F3A9C21"], FLEET)) == ["web_3", "flex_0f3a9c21"]


def test_integers_are_accepted_as_instance_ids():
    assert names(resolve_identifiers([3], WEB)) == ["web_3"]


def test_a_gap_in_uniform_ids_is_unknown_not_computed():
    error = problems_of(["1"], WEB)
    assert "'1' is not an instance of scale set 'web'" in error.message
    assert error.code == "InvalidInstances"


def test_every_bad_identifier_is_reported_at_once():
    error = problems_of(["99", "web_3", "flex_ffffffff", "nope"], FLEET)
    assert "'99'" in error.message and "'flex_ffffffff'" in error.message and "'nope'" in error.message
    assert "'web_3'" not in error.message
    assert len(error.details) == 3
    assert error.message.endswith("Nothing was done.")


def test_uniform_id_for_a_flexible_set_explains_the_mode():
    error = problems_of(["3"], FLEX)
    assert "'3' is a Uniform instance ID" in error.message
    assert "Flexible" in error.message and "flex_0f3a9c21" in error.message


def test_wrong_mode_is_explained_for_an_empty_flexible_set_when_the_scale_sets_are_given():
    error = problems_of(["3"], [], {"Flexible": ["empty-flex"]})
    assert "'3' is a Uniform instance ID, but scale set 'empty-flex' has Flexible orchestration" in error.message


def test_uniform_id_is_matched_only_in_uniform_sets():
    error = problems_of(["0"], FLEX + [uniform("web", "5")])
    assert "'0' is not an instance of scale sets 'flex', 'web'" in error.message


def test_same_uniform_id_in_two_sets_is_ambiguous():
    error = problems_of(["3"], WEB + [uniform("api", "3")])
    assert "'3' is ambiguous" in error.message
    assert "web_3 in 'web'" in error.message and "api_3 in 'api'" in error.message


def test_two_identifiers_for_one_instance_are_refused():
    error = problems_of(["3", "web_3"], WEB)
    assert "'3' and 'web_3' name the same instance (web_3)" in error.message


def test_empty_identifier_is_named():
    assert "an empty identifier" in problems_of([" "], WEB).message
