# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the azure_vmss inventory plugin: its pure helpers, and host building on a real InventoryData."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19: every plain string is a trusted template already
    def trust_as_template(value):
        return value

from ansible_collections.vmss.fleet.plugins.inventory import azure_vmss
from ansible_collections.vmss.fleet.plugins.inventory.azure_vmss import InventoryModule
from ansible_collections.vmss.fleet.plugins.module_utils import records
from ansible_collections.vmss.fleet.plugins.module_utils.auth import AuthSettings
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

SUB = "00000000-0000-0000-0000-0000000000aa"
RG = "/subscriptions/%s/resourceGroups/rg-web" % SUB


def scale_set(name, mode, group="rg-web", subscription=SUB):
    return {"name": name,
            "id": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachineScaleSets/%s"
                  % (subscription, group, name),
            "properties": {"orchestrationMode": mode}}


def vm_json(vmss, name, instance_id=None, power="running", computer_name=None, zones=None, location="westeurope",
            tags=None):
    if vmss["properties"]["orchestrationMode"] == "Uniform":
        vm_id = "%s/virtualMachines/%s" % (vmss["id"], instance_id)
    else:
        vm_id = "%s/providers/Microsoft.Compute/virtualMachines/%s" % (vmss["id"].split("/providers/")[0], name)
    return {
        "name": name, "id": vm_id, "instanceId": instance_id, "location": location, "zones": zones or [],
        "tags": tags or {},
        "properties": {
            "vmId": "vm-%s" % name, "provisioningState": "Succeeded",
            "virtualMachineScaleSet": {"id": vmss["id"]},
            "instanceView": {"computerName": computer_name or name.replace("_", "-"),
                             "statuses": [{"code": "ProvisioningState/succeeded"},
                                          {"code": "PowerState/%s" % power}]},
        },
    }


def record(vmss, name, instance_id=None, private_ips=("10.0.0.4",), public_ips=(), **kwargs):
    network = {"private_ips": list(private_ips), "public_ips": list(public_ips)}
    return records.instance_record(vm_json(vmss, name, instance_id, **kwargs), records.scale_set_ref(vmss), network)


UNIFORM = scale_set("web", "Uniform")
FLEXIBLE = scale_set("api", "Flexible")


# ---------------------------------------------------------------------------
# Host variables
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("prefix, include_view, source, expected_host", [
    ("vmss_", True, "private_ip", "10.0.0.4"),
    ("azure_", False, "public_ip", "20.1.2.3"),
    ("", True, "computer_name", "web-000003"),
    ("vmss_", True, "name", "web_3"),
])
def test_host_variables_carry_the_record_under_the_prefix(prefix, include_view, source, expected_host):
    rec = record(UNIFORM, "web_3", "3", public_ips=["20.1.2.3"], computer_name="web-000003")
    variables = azure_vmss.host_variables(rec, prefix, include_view, source)
    assert variables["ansible_host"] == expected_host
    assert variables[prefix + "power_state"] == "running"
    assert variables[prefix + "instance_id"] == "3"
    assert variables[prefix + "private_ips"] == ["10.0.0.4"]
    assert (prefix + "instance_view" in variables) is include_view
    expected = set(prefix + key for key in rec if include_view or key != "instance_view")
    assert set(variables) - {"ansible_host"} == expected


@pytest.mark.parametrize("source", ["public_ip", "private_ip"])
def test_no_ansible_host_when_the_chosen_address_is_missing(source):
    rec = record(FLEXIBLE, "api_1a2b3c4d", private_ips=(), public_ips=())
    assert "ansible_host" not in azure_vmss.host_variables(rec, ansible_host_source=source)


# ---------------------------------------------------------------------------
# Host names
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("preferences, expression_value, expected", [
    (["name"], None, "api_1a2b3c4d"),
    (["computer_name", "name"], None, "api-host"),
    (["public_ip", "private_ip"], None, "10.0.0.9"),       # no public IP: the next preference
    (["public_ip"], None, "api_1a2b3c4d"),                 # nothing given: the VM name
    (["vmss_tags.fqdn", "name"], "api.example.com", "api.example.com"),
    (["vmss_tags.fqdn", "name"], "", "api_1a2b3c4d"),      # empty expression result: the next preference
    (["vmss_tags.fqdn", "computer_name"], None, "api-host"),
    (["instance_id"], None, "api_1a2b3c4d"),               # Flexible: the instance id is the VM name
    ([], None, "api_1a2b3c4d"),
])
def test_preferred_hostname_takes_the_first_value_given(preferences, expression_value, expected):
    rec = record(FLEXIBLE, "api_1a2b3c4d", private_ips=["10.0.0.9"], computer_name="api-host")
    asked = []

    def evaluate(expression):
        asked.append(expression)
        return expression_value

    assert azure_vmss.preferred_hostname(rec, preferences, evaluate) == expected
    assert asked == [p for p in preferences[:1] if p not in azure_vmss.HOSTNAME_FIELDS]


def place_all(named, taken=()):
    """Replays UniqueNames over ``[(resource id, name)]`` as the plugin does: {resource id: final host name}
    of the hosts it holds, the names it collided on, and the hosts it added in order."""
    unique = azure_vmss.UniqueNames(taken)
    hosts, added = {}, []
    for resource_id, name in named:
        final, moves = unique.place(resource_id, name, resource_id)
        for old_name, new_name, moved_id in moves:
            if old_name is not None:
                del hosts[old_name]
            hosts[new_name] = moved_id
            added.append(new_name)
        assert final not in hosts or final in taken
        hosts[final] = resource_id
        added.append(final)
    return dict((resource_id, name) for name, resource_id in hosts.items()), sorted(unique.collided), added


def test_unique_names_keep_unique_names_and_suffix_every_colliding_one():
    names, collided, _added = place_all([("/id/a", "web-1"), ("/id/b", "web-1"), ("/id/c", "web-2")])
    assert names["/id/c"] == "web-2"
    assert names["/id/a"].startswith("web-1_") and names["/id/b"].startswith("web-1_")
    assert len(set(names.values())) == 3
    assert collided == ["web-1"]


def test_unique_names_do_not_depend_on_listing_order():
    named = [("/id/%d" % n, "dup") for n in range(5)] + [("/id/x", "solo")]
    assert place_all(named)[0] == place_all(list(reversed(named)))[0]
    assert len(set(place_all(named)[0].values())) == 6


def test_unique_names_never_move_a_host_another_source_added():
    names, collided, added = place_all([("/id/a", "db"), ("/id/b", "db")], taken=["db"])
    assert collided == ["db"]
    assert sorted(names.values()) == sorted([azure_vmss.suffixed("db", "/id/a"), azure_vmss.suffixed("db", "/id/b")])
    assert added[0] == "db"  # the first merged into the other source's host, which keeps its name


def test_pages_are_handed_out_in_the_sets_order_the_first_set_a_page_at_a_time():
    in_order = azure_vmss.InOrder(["s1", "s2", "s3"])
    in_order.add("s2", ["b1"], True)
    assert in_order.ready() == []                          # s1 comes first
    in_order.add("s1", ["a1"], False)
    assert in_order.ready() == [("s1", "page", ["a1"])]    # before s1 is over
    in_order.add("s1", ["a2"], True)
    assert in_order.ready() == [("s1", "page", ["a2"]), ("s1", "over", None),
                                ("s2", "page", ["b1"]), ("s2", "over", None)]
    in_order.add("s3", ["c1"], False)
    assert in_order.ready() == [("s3", "page", ["c1"])]
    in_order.add("s3", None, True)                         # its list failed midway
    assert in_order.ready() == [("s3", "failed", None)]
    assert in_order.ready() == []


def test_a_set_that_failed_before_its_turn_hands_out_no_page():
    in_order = azure_vmss.InOrder(["s1", "s2"])
    in_order.add("s2", ["b1"], False)
    in_order.add("s2", None, True)
    in_order.add("s1", [], True)
    assert in_order.ready() == [("s1", "page", []), ("s1", "over", None), ("s2", "failed", None)]


def test_a_released_name_goes_to_the_next_vm_of_that_name():
    names = azure_vmss.UniqueNames()
    assert names.place("/id/a", "web", "a") == ("web", [])
    names.release("web", "/id/a")
    assert names.place("/id/b", "web", "b") == ("web", [])   # no collision with a host taken back
    names.release("web", "/id/a")                             # not its holder any more: nothing changes
    assert names.place("/id/c", "web", "c")[0] == azure_vmss.suffixed("web", "/id/c")


@pytest.mark.parametrize("left, right", [
    ("/subscriptions/S/resourceGroups/RG/providers/x/vm1", "/subscriptions/s/resourcegroups/rg/providers/x/vm1"),
])
def test_identity_suffix_ignores_resource_id_case(left, right):
    assert azure_vmss.identity_suffix(left) == azure_vmss.identity_suffix(right)
    assert azure_vmss.identity_suffix(left) != azure_vmss.identity_suffix(left + "0")


# ---------------------------------------------------------------------------
# Groups and filters
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("vmss, name, kwargs, prefix, expected", [
    (UNIFORM, "web_3", {"instance_id": "3"}, "vmss_",
     ["vmss_scaleset_web", "vmss_mode_uniform", "vmss_power_running"]),
    (FLEXIBLE, "api_1a2b3c4d", {"power": "deallocated", "zones": ["1", "2"], "location": "East US"}, "fleet_",
     ["fleet_scaleset_api", "fleet_mode_flexible", "fleet_power_deallocated", "fleet_zone_east_us_1",
      "fleet_zone_east_us_2"]),
    (scale_set("Web-Blue.v2", "Uniform"), "Web-Blue.v2_0", {"instance_id": "0"}, "",
     ["scaleset_web_blue_v2", "mode_uniform", "power_running"]),
])
def test_default_groups_are_sanitized_and_per_set_mode_power_and_zone(vmss, name, kwargs, prefix, expected):
    assert azure_vmss.default_groups(record(vmss, name, **kwargs), prefix) == expected


@pytest.mark.parametrize("include, exclude, kept", [
    ([], [], True),
    ([False, True], [], True),
    ([False, False], [], False),
    ([], [False, True], False),
    ([True], [True], False),
    ([True], [False], True),
])
def test_keep_host_ors_includes_and_any_exclude_drops(include, exclude, kept):
    assert azure_vmss.keep_host(include, exclude) is kept


def test_failure_report_names_every_part():
    report = azure_vmss.failure_report([("subscription 'b'", FleetError("403 here")),
                                        ("scale set 'web' of subscription 'a'", FleetError("500 there"))])
    assert report.startswith("Could not read 2 parts of the fleet")
    assert "subscription 'b': 403 here" in report and "scale set 'web' of subscription 'a': 500 there" in report


@pytest.mark.parametrize("options, message", [
    ({"hostvars_prefix": "vmss-", "group_prefix": "vmss_", "max_concurrency": 4}, "hostvars_prefix 'vmss-'"),
    ({"hostvars_prefix": "x", "group_prefix": "1g_", "max_concurrency": 4}, "group_prefix '1g_'"),
    ({"hostvars_prefix": "", "group_prefix": "", "max_concurrency": 0}, "max_concurrency must be 1 or more"),
])
def test_validate_options_names_the_bad_value(options, message):
    with pytest.raises(FleetError, match=message):
        azure_vmss.validate_options(options)


CREDENTIAL = {"auth_source": "auto", "tenant": "t1", "client_id": "c1", "secret": "s3cret-value-1"}


def fingerprint(**changes):
    return azure_vmss.credential_fingerprint(AuthSettings(dict(CREDENTIAL, **changes)))


def test_cache_key_changes_with_what_is_read_and_with_the_credential_only():
    scope = {"subscriptions": ["a"], "resource_groups": None}
    key = azure_vmss.cache_key(scope, fingerprint())
    assert key == azure_vmss.cache_key(dict(scope), fingerprint())
    assert key != azure_vmss.cache_key(dict(scope, resource_groups=["rg"]), fingerprint())
    assert key != azure_vmss.cache_key(scope, fingerprint(secret="s3cret-value-2"))
    assert key.startswith("vmss_fleet_azure_vmss_") and "s3cret" not in key


@pytest.mark.parametrize("changes", [
    {"secret": "another-secret"}, {"client_id": "c2"}, {"tenant": "t2"}, {"subscription_id": "s2"},
    {"auth_source": "env"}, {"secret": None, "ad_user": "u", "password": "p"},
])
def test_credential_fingerprint_tells_credentials_apart(changes):
    assert fingerprint(**changes) != fingerprint()


def test_credential_fingerprint_covers_a_certificates_content(tmp_path):
    pem = tmp_path / "sp.pem"
    pem.write_text("first certificate")
    first = fingerprint(secret=None, certificate_path=str(pem))
    pem.write_text("second certificate")
    assert fingerprint(secret=None, certificate_path=str(pem)) != first


def test_credential_fingerprint_is_a_digest_not_the_secret():
    value = fingerprint()
    assert len(value) == 64 and int(value, 16) >= 0
    assert "s3cret" not in value


# ---------------------------------------------------------------------------
# verify_file
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("filename, expected", [
    ("prod.azure_vmss.yml", True),
    ("azure_vmss.yaml", True),
    ("prod.azure_vmss.yml.bak", False),
    ("prod.azure_rm.yml", False),
    ("inventory.ini", False),
])
def test_verify_file_accepts_only_azure_vmss_files(tmp_path, filename, expected):
    path = tmp_path / filename
    path.write_text("plugin: vmss.fleet.azure_vmss\n")
    assert InventoryModule().verify_file(str(path)) is expected


@pytest.mark.parametrize("path", [None, 42, "/does/not/exist.azure_vmss.yml", b"\xff.azure_vmss.yml"])
def test_verify_file_never_raises(path):
    assert InventoryModule().verify_file(path) is False


# ---------------------------------------------------------------------------
# Building hosts on a real InventoryData
# ---------------------------------------------------------------------------

DEFAULT_OPTIONS = {
    "hostvars_prefix": "vmss_", "include_instance_view": True, "ansible_host_source": "private_ip",
    "hostnames": ["name"], "default_groups": True, "group_prefix": "vmss_", "include_filters": [],
    "exclude_filters": [], "strict": False, "compose": {}, "groups": {}, "keyed_groups": [],
    "use_extra_vars": False, "leading_separator": True,
}


def trusted(value):
    """Options read from a config file are trusted templates; do the same for the test's."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, list):
        return [trusted(item) for item in value]
    if isinstance(value, dict):
        return dict((key, trusted(item)) for key, item in value.items())
    return value


def build(recs, **options):
    plugin = InventoryModule()
    plugin._options = dict(DEFAULT_OPTIONS, **dict((k, trusted(v)) for k, v in options.items()))
    plugin.inventory = InventoryData()
    plugin.loader = DataLoader()
    if not hasattr(plugin, "templar"):  # before ansible-core 2.19 parse() makes it, and these tests skip parse()
        plugin.templar = Templar(loader=plugin.loader)
    plugin._vars = {}
    plugin._populate(recs)
    return plugin.inventory


def members(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


FLEET = [
    record(UNIFORM, "web_0", "0", private_ips=["10.0.0.4"], computer_name="web000000", zones=["1"],
           tags={"role": "frontend"}),
    record(UNIFORM, "web_3", "3", private_ips=["10.0.0.5"], computer_name="web000003", power="stopped",
           zones=["2"], tags={"role": "frontend"}),
    record(FLEXIBLE, "api_1a2b3c4d", private_ips=["10.1.0.4"], computer_name="api8f0e1d", power="deallocated",
           tags={"role": "backend"}),
]


def test_every_record_is_a_host_with_its_variables_and_default_groups():
    inventory = build(FLEET)
    assert sorted(inventory.hosts) == ["api_1a2b3c4d", "web_0", "web_3"]
    assert members(inventory, "vmss_scaleset_web") == ["web_0", "web_3"]
    assert members(inventory, "vmss_mode_flexible") == ["api_1a2b3c4d"]
    assert members(inventory, "vmss_power_stopped") == ["web_3"]
    assert members(inventory, "vmss_zone_westeurope_1") == ["web_0"]
    host_vars = inventory.get_host("api_1a2b3c4d").vars
    assert host_vars["ansible_host"] == "10.1.0.4"
    assert host_vars["vmss_orchestration_mode"] == "Flexible"
    assert host_vars["vmss_instance_view"]["computer_name"] == "api8f0e1d"


def test_default_groups_can_be_turned_off():
    inventory = build(FLEET, default_groups=False)
    assert not [name for name in inventory.groups if name.startswith("vmss_")]


def test_compose_keyed_groups_and_groups_see_the_prefixed_variables():
    inventory = build(FLEET, compose={"role": "vmss_tags.role", "ansible_host": "vmss_computer_name"},
                      keyed_groups=[{"key": "vmss_tags.role", "prefix": "role"}],
                      groups={"down": "vmss_power_state != 'running'"})
    assert members(inventory, "role_frontend") == ["web_0", "web_3"]
    assert members(inventory, "role_backend") == ["api_1a2b3c4d"]
    assert members(inventory, "down") == ["api_1a2b3c4d", "web_3"]
    assert inventory.get_host("web_3").vars["ansible_host"] == "web000003"
    assert inventory.get_host("web_3").vars["role"] == "frontend"


@pytest.mark.parametrize("include, exclude, expected", [
    ([], [], ["api_1a2b3c4d", "web_0", "web_3"]),
    (["vmss_power_state == 'running'", "vmss_orchestration_mode == 'Flexible'"], [], ["api_1a2b3c4d", "web_0"]),
    ([], ["vmss_tags.role == 'frontend'"], ["api_1a2b3c4d"]),
    (["vmss_scale_set == 'web'"], ["vmss_instance_id == '3'"], ["web_0"]),
    (["vmss_tags.missing == 'x'"], [], []),  # cannot be evaluated, not strict: counts as false
])
def test_include_and_exclude_filters(include, exclude, expected):
    assert sorted(build(FLEET, include_filters=include, exclude_filters=exclude).hosts) == expected


def test_a_broken_filter_fails_with_strict():
    with pytest.raises(Exception, match="Could not evaluate filter"):
        build(FLEET, include_filters=["vmss_tags.missing == 'x'"], strict=True)


def test_hostnames_expression_and_collisions_get_stable_suffixes():
    twin = record(scale_set("web", "Uniform", "rg-other"), "web_0", "0", computer_name="web000000")
    inventory = build(FLEET + [twin], hostnames=["computer_name"])
    names = sorted(inventory.hosts)
    assert "web000003" in names and "api8f0e1d" in names
    suffixed = [name for name in names if name.startswith("web000000_")]
    assert len(suffixed) == 2 and "web000000" not in names
    again = build(list(reversed(FLEET + [twin])), hostnames=["computer_name"])
    assert sorted(again.hosts) == names

    expressed = build(FLEET, hostnames=["vmss_tags.role ~ '-' ~ vmss_instance_id"])
    assert "frontend-3" in expressed.hosts and "backend-api_1a2b3c4d" in expressed.hosts


def test_a_failed_run_takes_back_its_hosts_and_groups_and_leaves_the_other_sources():
    inventory = InventoryData()
    inventory.add_group("static")
    inventory.add_host("db1", group="static")
    added = azure_vmss._AddedHosts(inventory)
    for name in ("web_0", "db1"):  # db1: a VM named like another source's host merges into it
        added.add(name)
        inventory.add_group("vmss_scaleset_web")
        inventory.add_child("vmss_scaleset_web", name)
    inventory.add_group("vmss_parent")
    inventory.add_child("static", "vmss_parent")  # a keyed group under a group of another source
    added.undo()
    assert sorted(inventory.hosts) == ["db1"]
    assert sorted(inventory.groups) == ["all", "static", "ungrouped"]
    assert [group.name for group in inventory.groups["static"].child_groups] == []
    assert [host.name for host in inventory.groups["static"].get_hosts()] == ["db1"]


def test_a_set_whose_list_fails_midway_loses_the_hosts_added_from_it():
    from types import SimpleNamespace

    from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

    plugin = InventoryModule()
    plugin._options = dict(DEFAULT_OPTIONS, fail_on_partial=False)
    plugin.inventory = InventoryData()
    plugin.loader = DataLoader()
    if not hasattr(plugin, "templar"):
        plugin.templar = Templar(loader=plugin.loader)
    plugin._vars = {}
    by_set = {}
    for rec in FLEET:
        by_set.setdefault(rec["scale_set_id"].lower(), []).append(rec)
    first, second = sorted(by_set)          # the first set in order fails after its first page was added
    error = FleetError("listing the VMs of scale set: throttled", status=429, code="TooManyRequests")
    plugin._listing_messages = lambda _settings: [
        ("plan", [second, first]),
        ("page", first, by_set[first][:1], False),
        ("page", second, by_set[second], True),
        ("page", first, None, True),
        ("end", [("scale set of subscription 's'", error)], 1),
    ]
    plugin._start_hosts()
    records, complete = plugin._add_from_azure(SimpleNamespace(secrets=lambda: []))
    plugin._end_hosts()
    assert not complete and records == by_set[second]
    assert sorted(plugin.inventory.hosts) == sorted(rec["name"] for rec in by_set[second])
