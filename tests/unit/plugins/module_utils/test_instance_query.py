# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of instance_query: options, filters, counts, identifiers, the single-instance path, facts.

The Azure clients are small fakes that answer from dicts and record every call, so the tests can say
which requests a query made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import urllib.parse

import pytest

from azure.core.exceptions import ResourceNotFoundError

from ansible_collections.vmss.fleet.plugins.module_utils import facts_locator
from ansible_collections.vmss.fleet.plugins.module_utils import instance_query as query
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

SUB = "00000000-0000-0000-0000-000000000001"
RG_ID = "/subscriptions/%s/resourceGroups/rg1" % SUB
COMPUTE = RG_ID + "/providers/Microsoft.Compute"
NETWORK = RG_ID + "/providers/Microsoft.Network"
WEB_ID = COMPUTE + "/virtualMachineScaleSets/web"
FLEX_ID = COMPUTE + "/virtualMachineScaleSets/flex"


# ---------------------------------------------------------------------------
# Fakes
# ---------------------------------------------------------------------------

class Model(object):
    def __init__(self, body):
        self.body = body

    def as_dict(self):
        return self.body


class NotFoundResponse(object):
    status_code = 404
    reason = "Not Found"
    headers = {"content-type": "application/json"}
    request = None

    def text(self, encoding=None):
        return '{"error": {"code": "ResourceNotFound", "message": "not found"}}'

    def body(self):
        return self.text().encode()


def not_found():
    return ResourceNotFoundError(response=NotFoundResponse())


class Recorder(object):
    """Attribute access gives operation groups; each call is logged as 'group.method' and answered by a handler."""

    def __init__(self, log, handlers, prefix=""):
        self._log, self._handlers, self._prefix = log, handlers, prefix

    def __getattr__(self, name):
        path = self._prefix + name
        if path in self._handlers:
            def call(*args, **kwargs):
                self._log.append((path, args, kwargs))
                return self._handlers[path](*args, **kwargs)
            return call
        return Recorder(self._log, self._handlers, path + ".")


def status(code):
    return {"code": code, "level": "Info", "displayStatus": code}


def view(power="running", health=None, provisioning="succeeded"):
    body = {"statuses": [status("ProvisioningState/" + provisioning), status("PowerState/" + power)]}
    if health:
        body["vmHealth"] = {"status": status("HealthState/" + health)}
    return body


def uniform_vm(instance_id, **state):
    vm_id = "%s/virtualMachines/%s" % (WEB_ID, instance_id)
    nic_id = vm_id + "/networkInterfaces/web-nic"
    return {"name": "web_%s" % instance_id, "instanceId": instance_id, "id": vm_id, "location": "eastus",
            "properties": {"provisioningState": "Succeeded", "instanceView": view(**state),
                           "networkProfile": {"networkInterfaces": [{"id": nic_id}]}}}


def flexible_vm(suffix, scale_set_id=FLEX_ID, **state):
    name = "flex_%s" % suffix
    return {"name": name, "id": "%s/virtualMachines/%s" % (COMPUTE, name), "location": "eastus",
            "properties": {"provisioningState": "Succeeded", "instanceView": view(**state),
                           "virtualMachineScaleSet": {"id": scale_set_id},
                           "networkProfile": {"networkInterfaces": [{"id": "%s/networkInterfaces/%s-nic"
                                                                     % (NETWORK, name)}]}}}


def nic(vm, private_ip, public_ip_id=None):
    ip_properties = {"privateIPAddress": private_ip}
    if public_ip_id:
        ip_properties["publicIPAddress"] = {"id": public_ip_id}
    return {"id": vm["properties"]["networkProfile"]["networkInterfaces"][0]["id"],
            "properties": {"primary": True, "virtualMachine": {"id": vm["id"]},
                           "ipConfigurations": [{"properties": dict(ip_properties, primary=True)}]}}


WEB_VMS = [uniform_vm("0"), uniform_vm("3", power="stopped", health="unknown"),
           uniform_vm("17", health="unhealthy")]
FLEX_VMS = [flexible_vm("0f3a9c21", health="healthy"), flexible_vm("a1b2c3d4", power="deallocated")]
OUTSIDER = flexible_vm("99999999", scale_set_id=COMPUTE + "/virtualMachineScaleSets/other")
SCALE_SETS = [
    {"name": "web", "id": WEB_ID, "location": "eastus", "properties": {"orchestrationMode": "Uniform"}},
    {"name": "flex", "id": FLEX_ID, "location": "eastus", "properties": {"orchestrationMode": "Flexible"}},
]
UNIFORM_PUBLIC_IP = WEB_ID + "/virtualMachines/17/networkInterfaces/web-nic/ipConfigurations/ipc/publicIPAddresses/pip"
FLEX_PUBLIC_IP = NETWORK + "/publicIPAddresses/flex_0f3a9c21-pip"
NICS = {
    "web_0": nic(WEB_VMS[0], "10.0.0.4"),
    "web_3": nic(WEB_VMS[1], "10.0.0.5"),
    "web_17": nic(WEB_VMS[2], "10.0.0.6", UNIFORM_PUBLIC_IP),
    "flex_0f3a9c21": nic(FLEX_VMS[0], "10.0.1.4", FLEX_PUBLIC_IP),
    "flex_a1b2c3d4": nic(FLEX_VMS[1], "10.0.1.5"),
}
PUBLIC_IPS = {
    UNIFORM_PUBLIC_IP.lower(): {"id": UNIFORM_PUBLIC_IP, "properties": {"ipAddress": "20.0.0.17"}},
    FLEX_PUBLIC_IP.lower(): {"id": FLEX_PUBLIC_IP, "properties": {"ipAddress": "20.0.1.1"}},
}


def pager(items):
    return [Model(item) for item in items]


def found(items, key, value):
    for item in items:
        if item[key].lower() == value.lower():
            return Model(item)
    raise not_found()


def nic_of(vm_name):
    if vm_name.lower() not in NICS:
        raise not_found()
    return Model(NICS[vm_name.lower()])


def public_ip(public_ip_id):
    if public_ip_id.lower() not in PUBLIC_IPS:
        raise not_found()
    return Model(PUBLIC_IPS[public_ip_id.lower()])


class JsonResponse(object):
    status_code = 200

    def __init__(self, items):
        self.content = json.dumps({"value": items}).encode("utf-8")

    def read(self):
        return self.content


def list_route(path, params):
    """(operation name, items) for a paged list read as JSON (``listing.iter_json``), by its path."""
    lowered = path.lower()
    web_items = [WEB_VMS, [NICS[key] for key in ("web_0", "web_3", "web_17")],
                 [PUBLIC_IPS[UNIFORM_PUBLIC_IP.lower()]]]
    flex_nics = [NICS[key] for key in ("flex_0f3a9c21", "flex_a1b2c3d4")]
    routes = [
        ("/virtualmachinescalesets/web/virtualmachines", "virtual_machine_scale_set_vms.list", web_items[0]),
        ("/virtualmachinescalesets/web/networkinterfaces",
         "network_interfaces.list_virtual_machine_scale_set_network_interfaces", web_items[1]),
        ("/virtualmachinescalesets/web/publicipaddresses",
         "public_ip_addresses.list_virtual_machine_scale_set_public_ip_addresses", web_items[2]),
        ("/microsoft.compute/virtualmachines", "virtual_machines.list", FLEX_VMS),
        ("/microsoft.network/networkinterfaces", "network_interfaces.list", flex_nics),
        ("/microsoft.network/publicipaddresses", "public_ip_addresses.list", [PUBLIC_IPS[FLEX_PUBLIC_IP.lower()]]),
    ]
    for suffix, name, items in routes:
        if lowered.endswith(suffix):
            if name == "virtual_machines.list":
                assert FLEX_ID in params["$filter"]
            return name, items
    raise AssertionError("unexpected list request %s" % path)


class FakeClients(object):
    def __init__(self):
        self.log = []
        self.subscriptions_used = []
        vms = WEB_VMS + FLEX_VMS + [OUTSIDER]
        handlers = {
            "virtual_machine_scale_sets.list": lambda group: pager(SCALE_SETS),
            "virtual_machine_scale_sets.list_all": lambda: pager(SCALE_SETS),
            "virtual_machine_scale_sets.get": lambda group, name: found(SCALE_SETS, "name", name),
            "virtual_machine_scale_set_vms.get":
                lambda group, name, instance_id, expand=None: found(WEB_VMS, "instanceId", instance_id),
            "virtual_machines.get": lambda group, name, expand=None: found(vms, "name", name),
            "network_interfaces.get_virtual_machine_scale_set_network_interface":
                lambda group, name, index, nic_name: nic_of("%s_%s" % (name, index)),
            "network_interfaces.get": lambda group, nic_name: nic_of(nic_name[:-len("-nic")]),
            "public_ip_addresses.get_virtual_machine_scale_set_public_ip_address":
                lambda group, name, index, nic_name, ipc, pip: public_ip(
                    "%s/virtualMachines/%s/networkInterfaces/%s/ipConfigurations/%s/publicIPAddresses/%s"
                    % (WEB_ID, index, nic_name, ipc, pip)),
            "public_ip_addresses.get": lambda group, name: public_ip("%s/publicIPAddresses/%s" % (NETWORK, name)),
            "send_request": self._send_request,
        }
        self._compute = Recorder(self.log, handlers)
        self._network = Recorder(self.log, handlers)

    def _send_request(self, request, stream=False):
        """The JSON lists: logged under the SDK operation they stand for, with ``$expand`` as ``expand``."""
        self.log.pop()  # replace the raw 'send_request' entry
        path = request.url.split("?")[0]
        params = dict(urllib.parse.parse_qsl(request.url.split("?", 1)[1])) if "?" in request.url else {}
        name, items = list_route(path, params)
        self.log.append((name, (path,), {"expand": params.get("$expand")}))
        return JsonResponse(items)

    def compute(self, subscription_id=None):
        self.subscriptions_used.append(subscription_id)
        return self._compute

    def network(self, subscription_id=None):
        return self._network

    def calls(self):
        return [path for path, _args, _kwargs in self.log]

    def calls_to(self, path):
        return [(args, kwargs) for logged, args, kwargs in self.log if logged == path]


def info_params(**overrides):
    params = {"resource_group": "rg1", "scale_set": None, "instances": None, "allow_missing": False,
              "power_state": None, "provisioning_state": None, "health": None, "instance_view": True,
              "network": True, "max_concurrency": 1}
    params.update(overrides)
    return params


def names(records):
    return [record["name"] for record in records]


def run_info(**overrides):
    clients = FakeClients()
    return clients, query.query_instances(clients, info_params(**overrides))


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, named", [
    ({"instance_view": False, "power_state": ["running"]}, "power_state"),
    ({"instance_view": False, "health": ["healthy"]}, "health"),
    ({"max_concurrency": 0}, "max_concurrency"),
    ({"instances": ["3", " "]}, "empty identifier"),
])
def test_conflicting_or_bad_options_fail_naming_them(overrides, named):
    with pytest.raises(FleetError) as info:
        query.check_info_options(info_params(**overrides))
    assert named in info.value.message


def test_provisioning_state_filter_works_without_instance_view():
    query.check_info_options(info_params(instance_view=False, provisioning_state=["succeeded"]))


def test_conflicting_options_fail_before_any_request():
    clients = FakeClients()
    with pytest.raises(FleetError):
        query.query_instances(clients, info_params(instance_view=False, power_state=["running"]))
    assert clients.log == []


# ---------------------------------------------------------------------------
# Filters and counts
# ---------------------------------------------------------------------------

RECORDS = [
    {"name": "a", "power_state": "running", "provisioning_state": "succeeded", "health": "healthy"},
    {"name": "b", "power_state": "stopped", "provisioning_state": "succeeded", "health": None},
    {"name": "c", "power_state": "running", "provisioning_state": "failed", "health": "unhealthy"},
]


@pytest.mark.parametrize("filters, expected", [
    ({}, ["a", "b", "c"]),
    ({"power_state": ["running"]}, ["a", "c"]),
    ({"power_state": ["stopped", "deallocated"]}, ["b"]),
    ({"provisioning_state": ["failed"]}, ["c"]),
    ({"health": ["none"]}, ["b"]),
    ({"health": ["healthy", "unhealthy"]}, ["a", "c"]),
    ({"power_state": ["running"], "provisioning_state": ["succeeded"]}, ["a"]),
    ({"power_state": ["deallocated"]}, []),
])
def test_apply_filters(filters, expected):
    assert names(query.apply_filters(RECORDS, **filters)) == expected


def test_listing_everything_returns_both_modes_with_counts_per_scale_set():
    clients, result = run_info()
    assert names(result["instances"]) == ["flex_0f3a9c21", "flex_a1b2c3d4", "web_0", "web_3", "web_17"]
    summary = dict((entry["name"], entry) for entry in result["scale_sets"])
    assert summary["web"]["orchestration_mode"] == "Uniform" and summary["flex"]["orchestration_mode"] == "Flexible"
    assert summary["web"]["instance_count"] == 3 and summary["web"]["listed"] is True
    assert summary["web"]["power_states"] == {"running": 2, "stopped": 1}
    assert summary["web"]["health_states"] == {"unknown": 1, "unhealthy": 1}
    assert summary["flex"]["power_states"] == {"running": 1, "deallocated": 1}
    assert summary["flex"]["provisioning_states"] == {"succeeded": 2}
    assert result["changed"] is False and result["missing"] == []
    assert "virtual_machine_scale_set_vms.get" not in clients.calls()
    assert "virtual_machines.get" not in clients.calls()


def test_filters_change_returned_counts_not_the_read_counts():
    _clients, result = run_info(power_state=["running"])
    assert names(result["instances"]) == ["flex_0f3a9c21", "web_0", "web_17"]
    web = [entry for entry in result["scale_sets"] if entry["name"] == "web"][0]
    assert (web["instance_count"], web["returned_count"]) == (3, 2)


def test_listed_records_carry_addresses_joined_from_the_lists():
    _clients, result = run_info()
    by_name = dict((record["name"], record) for record in result["instances"])
    assert by_name["web_17"]["private_ips"] == ["10.0.0.6"] and by_name["web_17"]["public_ips"] == ["20.0.0.17"]
    assert by_name["flex_0f3a9c21"]["public_ips"] == ["20.0.1.1"]


def test_network_false_reads_no_network_list():
    clients, result = run_info(network=False)
    assert not [call for call in clients.calls() if call.startswith(("network_interfaces", "public_ip"))]
    assert all(record["private_ips"] == [] for record in result["instances"])


@pytest.mark.parametrize("instance_view, expand", [(True, "instanceView"), (False, None)])
def test_instance_view_option_decides_the_expand(instance_view, expand):
    clients, _result = run_info(instance_view=instance_view)
    for operation in ("virtual_machine_scale_set_vms.list", "virtual_machines.list"):
        assert [kwargs.get("expand") for _args, kwargs in clients.calls_to(operation)] == [expand]


# ---------------------------------------------------------------------------
# Identifiers on the list path
# ---------------------------------------------------------------------------

def test_identifiers_of_both_modes_across_sets_use_the_lists():
    clients, result = run_info(instances=["flex_a1b2c3d4", "17", "WEB_0"])
    assert names(result["instances"]) == ["flex_a1b2c3d4", "web_17", "web_0"]
    assert clients.calls().count("virtual_machine_scale_set_vms.list") == 1
    assert "virtual_machine_scale_set_vms.get" not in clients.calls()
    web = [entry for entry in result["scale_sets"] if entry["name"] == "web"][0]
    assert web["returned_count"] == 2


def test_unknown_identifiers_fail_naming_each():
    with pytest.raises(FleetError) as info:
        run_info(instances=["17", "5", "flex_deadbeef"])
    assert "'5'" in info.value.message and "'flex_deadbeef'" in info.value.message
    assert "'17'" not in info.value.message


def test_allow_missing_reports_unknown_identifiers_instead():
    _clients, result = run_info(instances=["17", "5", "flex_deadbeef"], allow_missing=True)
    assert names(result["instances"]) == ["web_17"]
    assert result["missing"] == ["5", "flex_deadbeef"]


def test_allow_missing_still_fails_on_a_uniform_id_for_flexible_sets():
    with pytest.raises(FleetError) as info:
        run_info(scale_set=["fl*"], instances=["3"], allow_missing=True)
    assert "'3' is a Uniform instance ID" in info.value.message


def test_identifiers_then_filters():
    _clients, result = run_info(instances=["0", "3"], power_state=["stopped"])
    assert names(result["instances"]) == ["web_3"]


def test_glob_matching_nothing_fails_naming_it():
    with pytest.raises(FleetError) as info:
        run_info(scale_set=["db-*"])
    assert "'db-*'" in info.value.message and "web" in info.value.message


def test_a_glob_never_takes_the_single_instance_path():
    clients, result = run_info(scale_set=["we*"], instances=["3"])
    assert names(result["instances"]) == ["web_3"]
    assert "virtual_machine_scale_set_vms.list" in clients.calls()
    assert result["scale_sets"][0]["listed"] is True


# ---------------------------------------------------------------------------
# The single-instance path
# ---------------------------------------------------------------------------

def test_one_uniform_instance_is_one_get_with_instance_view():
    clients, result = run_info(scale_set=["web"], instances=["17"])
    assert names(result["instances"]) == ["web_17"]
    gets = clients.calls_to("virtual_machine_scale_set_vms.get")
    assert gets == [(("rg1", "web", "17"), {"expand": "instanceView"})]
    assert "virtual_machine_scale_set_vms.list" not in clients.calls()
    assert "virtual_machines.list" not in clients.calls()
    record = result["instances"][0]
    assert record["private_ips"] == ["10.0.0.6"] and record["public_ips"] == ["20.0.0.17"]
    assert record["power_state"] == "running" and record["health"] == "unhealthy"
    assert result["scale_sets"] == [dict(result["scale_sets"][0], name="web", listed=False, instance_count=1,
                                         returned_count=1)]


def test_one_uniform_instance_by_vm_name():
    clients, result = run_info(scale_set=["web"], instances=["Web_3"])
    assert names(result["instances"]) == ["web_3"]
    assert clients.calls_to("virtual_machine_scale_set_vms.get")[0][0] == ("rg1", "web", "3")


def test_one_flexible_instance_is_one_get():
    clients, result = run_info(scale_set=["flex"], instances=["flex_0f3a9c21"], network=False)
    assert names(result["instances"]) == ["flex_0f3a9c21"]
    assert result["instances"][0]["instance_id"] == "flex_0f3a9c21"
    assert clients.calls_to("virtual_machines.get") == [(("rg1", "flex_0f3a9c21"), {"expand": "instanceView"})]
    assert "virtual_machines.list" not in clients.calls()


def test_single_path_filters_apply_too():
    _clients, result = run_info(scale_set=["web"], instances=["17"], power_state=["stopped"])
    assert result["instances"] == []


@pytest.mark.parametrize("scale_set, identifier, expected", [
    ("web", "5", "'5' is not an instance of scale set 'web'"),
    ("web", "flex_0f3a9c21", "'flex_0f3a9c21' is not an instance of scale set 'web'"),
    ("flex", "flex_99999999", "'flex_99999999' is not an instance of scale set 'flex'"),  # exists, other set
    ("flex", "flex_deadbeef", "'flex_deadbeef' is not an instance of scale set 'flex'"),
    ("flex", "3", "'3' is a Uniform instance ID, but scale set 'flex' has Flexible orchestration"),
])
def test_single_path_errors_name_the_identifier(scale_set, identifier, expected):
    with pytest.raises(FleetError) as info:
        run_info(scale_set=[scale_set], instances=[identifier])
    assert expected in info.value.message


def test_single_path_allow_missing():
    _clients, result = run_info(scale_set=["web"], instances=["5"], allow_missing=True)
    assert result["instances"] == [] and result["missing"] == ["5"]


def test_unknown_scale_set_fails_naming_it():
    with pytest.raises(FleetError) as info:
        run_info(scale_set=["nope"], instances=["3"])
    assert "'nope'" in info.value.message


@pytest.mark.parametrize("identifier, expected", [
    ("7", "7"), ("web_7", "7"), ("WEB_7", "7"), ("web_x7", None), ("web7", None), ("api_7", None),
])
def test_uniform_instance_id_from_identifier(identifier, expected):
    assert query.uniform_instance_id(identifier, "web") == expected


# ---------------------------------------------------------------------------
# instance_facts
# ---------------------------------------------------------------------------

def facts_params(**overrides):
    params = {"id": None, "scale_set": None, "resource_group": None, "instance_id": None, "network": True,
              "hostvars_prefix": "vmss_"}
    params.update(overrides)
    return params


def test_facts_by_uniform_resource_id_is_one_vm_get_in_the_ids_subscription():
    clients = FakeClients()
    result = query.instance_facts(clients, facts_params(id=WEB_VMS[2]["id"]))
    record = result["ansible_facts"]["vmss_instance"]
    assert (record["name"], record["instance_id"], record["scale_set"]) == ("web_17", "17", "web")
    assert record["orchestration_mode"] == "Uniform"
    assert record["instance_view"]["statuses"][1]["code"] == "PowerState/running"
    assert clients.calls_to("virtual_machine_scale_set_vms.get") == [(("rg1", "web", "17"),
                                                                     {"expand": "instanceView"})]
    assert "virtual_machine_scale_sets.get" not in clients.calls()
    assert clients.subscriptions_used == [SUB]
    assert result["changed"] is False


def test_facts_by_flexible_resource_id():
    clients = FakeClients()
    record = query.instance_facts(clients, facts_params(id=FLEX_VMS[0]["id"]))["ansible_facts"]["vmss_instance"]
    assert (record["instance_id"], record["scale_set"], record["orchestration_mode"]) == (
        "flex_0f3a9c21", "flex", "Flexible")
    assert record["public_ips"] == ["20.0.1.1"]


def test_facts_by_scale_set_and_instance_id():
    clients = FakeClients()
    result = query.instance_facts(clients, facts_params(scale_set="web", resource_group="rg1", instance_id="3"))
    assert result["ansible_facts"]["vmss_instance"]["name"] == "web_3"
    assert clients.calls()[:2] == ["virtual_machine_scale_sets.get", "virtual_machine_scale_set_vms.get"]


@pytest.mark.parametrize("params, expected", [
    ({"id": WEB_VMS[0]["id"], "scale_set": "web"}, "not both"),
    ({"scale_set": "web"}, "missing resource_group, instance_id"),
    ({}, "vmss_id"),
    ({"id": "web_3"}, "not an Azure resource ID"),
    ({"id": COMPUTE + "/virtualMachineScaleSets/web"}, "is not the resource id of a scale-set VM"),
    ({"id": COMPUTE + "/virtualMachineScaleSets/web/virtualMachines/5"}, "does not exist"),
    ({"scale_set": "nope", "resource_group": "rg1", "instance_id": "3"}, "Scale set 'nope' does not exist"),
    ({"scale_set": "web", "resource_group": "rg1", "instance_id": "5"}, "'5' is not an instance of scale set 'web'"),
])
def test_facts_bad_locators_fail_naming_the_value(params, expected):
    with pytest.raises(FleetError) as info:
        query.instance_facts(FakeClients(), facts_params(**params))
    assert expected in info.value.message


def test_facts_for_a_vm_outside_any_scale_set():
    clients = FakeClients()
    loner = dict(OUTSIDER, properties=dict(OUTSIDER["properties"], virtualMachineScaleSet=None))
    clients._compute = Recorder(clients.log, {"virtual_machines.get": lambda group, name, expand=None: Model(loner)})
    with pytest.raises(FleetError) as info:
        query.instance_facts(clients, facts_params(id=OUTSIDER["id"]))
    assert "is not a member of a scale set" in info.value.message


HOSTVARS = {"vmss_id": WEB_VMS[0]["id"], "vmss_scale_set": "web", "vmss_resource_group": "rg1",
            "vmss_instance_id": "0", "vmss_subscription_id": SUB}


@pytest.mark.parametrize("args, host_vars, prefix, expected", [
    ({}, HOSTVARS, "vmss_", {"id": WEB_VMS[0]["id"]}),
    ({"instance_id": "3"}, HOSTVARS, "vmss_", {}),
    ({"id": "x"}, HOSTVARS, "vmss_", {}),
    ({}, dict((k, v) for k, v in HOSTVARS.items() if k != "vmss_id"), "vmss_",
     {"scale_set": "web", "resource_group": "rg1", "instance_id": "0", "subscription_id": SUB}),
    ({"subscription_id": "mine"}, {"vmss_scale_set": "web", "vmss_instance_id": 0, "vmss_subscription_id": SUB},
     "vmss_", {"scale_set": "web", "instance_id": "0"}),
    ({}, {"az_id": "/x"}, "az_", {"id": "/x"}),
    ({}, HOSTVARS, "az_", {}),
])
def test_locator_from_hostvars(args, host_vars, prefix, expected):
    assert facts_locator.locator_from_hostvars(args, host_vars, prefix) == expected
