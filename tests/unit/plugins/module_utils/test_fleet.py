# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of fleet.py's pure parts: choosing scale sets, and the scope of a read across subscriptions.

The SDK stand-ins here only return scale-set dicts or raise a FleetError (what ``listing`` makes of Azure's
refusals); what goes over the wire is tested against the emulator elsewhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils import fleet
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

SUB = "00000000-0000-0000-0000-0000000000aa"


def scale_set(name, mode, group="rg-web", subscription=SUB, tags=None):
    return {"name": name,
            "id": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachineScaleSets/%s"
                  % (subscription, group, name),
            "tags": tags or {},
            "properties": {"orchestrationMode": mode}}


# ---------------------------------------------------------------------------
# Choosing scale sets: the one function every module and the inventory use
# ---------------------------------------------------------------------------

NAMED = [{"name": n} for n in ("web-a", "web-b", "API", "batch")]


@pytest.mark.parametrize("patterns, expected", [
    (None, ["web-a", "web-b", "API", "batch"]),
    (["web-*"], ["web-a", "web-b"]),
    (["api"], ["API"]),
    (["web-?", "web-a"], ["web-a", "web-b"]),
])
def test_match_names(patterns, expected):
    assert [item["name"] for item in fleet.match_names(NAMED, patterns)] == expected


def test_unmatched_pattern_names_it_and_what_exists():
    with pytest.raises(FleetError) as info:
        fleet.match_names(NAMED, ["web-*", "db-*"])
    assert "'db-*'" in info.value.message and "web-a" in info.value.message


@pytest.mark.parametrize("wanted, expected", [
    ({"env": "prod"}, True),
    ({"env": "dev"}, False),
    ({"team": ""}, True),
    ({"missing": None}, False),
])
def test_matches_tags(wanted, expected):
    assert fleet.matches_tags({"tags": {"env": "prod", "team": "core"}}, wanted) is expected


SETS = [scale_set("web-b", "Uniform", "rg2", tags={"env": "prod"}),
        scale_set("web-a", "Flexible", "rg1", tags={"env": "prod"}),
        scale_set("api", "Flexible", "rg1", tags={"env": "dev"})]


@pytest.mark.parametrize("names, modes, tags, expected", [
    (None, None, None, ["api", "web-a", "web-b"]),  # sorted by id
    (["web-*"], None, None, ["web-a", "web-b"]),
    (["web-*"], ["flexible"], None, ["web-a"]),
    (None, ["Flexible"], {"env": "prod"}, ["web-a"]),
    (["web-*", "api"], ["Uniform"], None, ["web-b"]),  # names first: 'api' of the other mode is no typo
    (None, None, {"env": "qa"}, []),
])
def test_choose_scale_sets_by_names_modes_and_tags(names, modes, tags, expected):
    assert [vmss["name"] for vmss in fleet.choose_scale_sets(SETS, names, modes, tags)] == expected


def test_choose_scale_sets_fails_naming_every_unmatched_name():
    with pytest.raises(FleetError, match="No scale set matches 'db', 'x-\\*' \\(available: api, web-a, web-b\\)"):
        fleet.choose_scale_sets(SETS, ["web-a", "db", "x-*"])


# ---------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("wanted, expected, lists", [
    (None, ["default-sub"], False),
    ([], ["default-sub"], False),
    (["b", "B", "a"], ["b", "a"], False),
    (["all"], ["s1", "s2"], True),
    (["ALL", "s2", "s3"], ["s1", "s2", "s3"], True),
])
def test_subscription_scope(wanted, expected, lists):
    calls = []

    def list_all():
        calls.append("all")
        return ["s1", "s2"]

    assert fleet.subscription_scope(wanted, lambda: "default-sub", list_all) == expected
    assert bool(calls) is lists


def test_subscription_scope_all_with_nothing_visible_is_an_error():
    with pytest.raises(FleetError, match="can see no subscription"):
        fleet.subscription_scope(["all"], lambda: "x", lambda: [])


@pytest.mark.parametrize("groups, expected", [
    (None, [("s1", None), ("s2", None)]),
    (["rg1", "rg2"], [("s1", "rg1"), ("s1", "rg2"), ("s2", "rg1"), ("s2", "rg2")]),
])
def test_read_scopes(groups, expected):
    assert fleet.read_scopes(["s1", "s2"], groups) == expected


def test_missing_resource_group_is_fine_only_when_another_subscription_has_it():
    missing = FleetError("not found", status=404, code="ResourceGroupNotFound")
    refused = FleetError("refused", status=403, code="AuthorizationFailed")
    failures = [("s1", "rg-a", missing), ("s2", "rg-b", missing), ("s2", "rg-a", refused), ("s3", None, refused)]
    kept = fleet.drop_groups_found_elsewhere(failures, found_groups={"rg-a"})
    assert kept == [("s2", "rg-b", missing), ("s2", "rg-a", refused), ("s3", None, refused)]


# ---------------------------------------------------------------------------
# Scale-set discovery across subscriptions over stand-in clients (scope errors, name matching)
# ---------------------------------------------------------------------------

class FakeArm(object):
    """One subscription's scale sets by resource group, and the error each scope's list raises."""

    def __init__(self, by_group, errors=None):
        self.by_group, self.errors = by_group, errors or {}

    def scale_sets(self, group):
        if group in self.errors:
            raise self.errors[group]
        if group is None:
            return [vmss for sets in self.by_group.values() for vmss in sets]
        return list(self.by_group.get(group, []))


class FakeClients(object):
    def __init__(self, arms):
        self.arms = arms

    def arm(self, subscription):
        return self.arms[subscription]


NOT_FOUND = FleetError("Resource group 'rg-b' could not be found.", status=404, code="ResourceGroupNotFound")
REFUSED = FleetError("does not have authorization", status=403, code="AuthorizationFailed")


def discover(arms, groups=None, names=None, modes=None):
    read = fleet.FleetRead()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fleet, "list_scale_sets", lambda arm, group: arm.scale_sets(group))
        found = fleet.discover_scale_sets(FakeClients(arms), sorted(arms), groups, modes, names, 4, read)
    return dict((sub, sorted(v["name"] for v in sets)) for sub, sets in found.items()), read


def test_discovery_reads_each_scope_and_names_the_refused_one():
    arms = {"a": FakeArm({"rg1": [scale_set("web", "Uniform", "rg1", "a")]}),
            "b": FakeArm({}, {None: REFUSED})}
    found, read = discover(arms)
    assert found == {"a": ["web"]}
    assert [what for what, _error in read.failures] == ["subscription 'b'"]
    assert read.scopes_read == 1


def test_discovery_tolerates_a_resource_group_absent_from_one_subscription_only():
    arms = {"a": FakeArm({"rg-a": [scale_set("web", "Uniform", "rg-a", "a")]}, {"rg-b": NOT_FOUND}),
            "b": FakeArm({"rg-b": [scale_set("api", "Flexible", "rg-b", "b")]}, {"rg-a": NOT_FOUND})}
    found, read = discover(arms, groups=["rg-a", "rg-b"])
    assert found == {"a": ["web"], "b": ["api"]}
    assert read.failures == []


def test_discovery_reports_a_resource_group_found_nowhere():
    arms = {"a": FakeArm({"rg-a": [scale_set("web", "Uniform", "rg-a", "a")]}, {"rg-b": NOT_FOUND})}
    _found, read = discover(arms, groups=["rg-a", "rg-b"])
    assert [what for what, _error in read.failures] == ["resource group 'rg-b' of subscription 'a'"]


@pytest.mark.parametrize("names, modes, expected", [
    (["web-*"], None, {"a": ["web-blue", "web-green"], "b": ["web-x"]}),
    (["API", "web-blue"], None, {"a": ["api", "web-blue"], "b": []}),
    (None, ["Flexible"], {"a": ["api"], "b": []}),
])
def test_discovery_matches_names_and_modes_across_subscriptions(names, modes, expected):
    arms = {"a": FakeArm({"rg": [scale_set("web-blue", "Uniform", "rg", "a"),
                                 scale_set("web-green", "Uniform", "rg", "a"),
                                 scale_set("api", "Flexible", "rg", "a")]}),
            "b": FakeArm({"rg": [scale_set("web-x", "Uniform", "rg", "b")]})}
    found, read = discover(arms, names=names, modes=modes)
    assert dict((k, v) for k, v in found.items()) == expected
    assert read.failures == []


def test_a_name_matching_nothing_fails_naming_it_and_what_exists():
    arms = {"a": FakeArm({"rg": [scale_set("web", "Uniform", "rg", "a")]})}
    with pytest.raises(FleetError, match="No scale set matches 'wbe'.*available: web"):
        discover(arms, names=["web", "wbe"])


def test_a_name_matching_nothing_joins_the_failures_when_parts_were_unreadable():
    arms = {"a": FakeArm({"rg": [scale_set("web", "Uniform", "rg", "a")]}),
            "b": FakeArm({}, {None: REFUSED})}
    found, read = discover(arms, names=["web", "api"])
    assert found == {"a": ["web"]}
    assert [what for what, _error in read.failures] == ["subscription 'b'", "scale sets 'api'"]
