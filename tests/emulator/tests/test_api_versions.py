"""The network views of a Uniform scale set answer only Compute's api-versions, as ARM does: the SDK's pinned
2018-10-01 works, a Network api-version (what azure.azcollection sends) gets 400 NoRegisteredProviderFound."""

import pytest
import requests

from arm_emulator.api_versions import VMSS_NETWORK_API_VERSIONS
from arm_emulator.testing import ARM_SCOPE

from conftest import RG_FLEX, RG_UNIFORM, SUB_A, VMSS_UNIFORM

SCALE_SET = (f"/subscriptions/{SUB_A}/resourceGroups/{RG_UNIFORM}/providers/Microsoft.Compute/"
             f"virtualMachineScaleSets/{VMSS_UNIFORM}")


def vmss_network_paths(instance_id):
    vm = f"{SCALE_SET}/virtualMachines/{instance_id}"
    nic = f"{vm}/networkInterfaces/{VMSS_UNIFORM}-nic01"
    return [f"{SCALE_SET}/networkInterfaces", f"{SCALE_SET}/publicIPAddresses", f"{vm}/networkInterfaces", nic,
            f"{nic}/ipConfigurations/{VMSS_UNIFORM}-ipconfig/publicIPAddresses",
            f"{nic}/ipConfigurations/{VMSS_UNIFORM}-ipconfig/publicIPAddresses/{VMSS_UNIFORM}-pip"]


@pytest.fixture
def get(emu, clients):
    token = clients.credential.get_token(ARM_SCOPE).token

    def send(path, api_version):
        return requests.get(f"{emu.endpoint}{path}", params={"api-version": api_version},
                            headers={"Authorization": f"Bearer {token}"}, verify=emu.ca_bundle, timeout=30)
    return send


@pytest.fixture
def instance_id(emu):
    return next(vm["instance_id"] for vm in emu.vms(scale_set=VMSS_UNIFORM) if vm["public_ip"])


def test_the_sdk_pinned_version_is_served(get, instance_id):
    assert "2018-10-01" in VMSS_NETWORK_API_VERSIONS
    assert [get(path, "2018-10-01").status_code for path in vmss_network_paths(instance_id)] == [200] * 6


def test_a_network_api_version_is_refused_naming_the_supported_ones(get, instance_id):
    for path in vmss_network_paths(instance_id):
        response = get(path, "2024-05-01")
        assert response.status_code == 400, path
        error = response.json()["error"]
        assert error["code"] == "NoRegisteredProviderFound"
        assert "'2024-05-01'" in error["message"] and "2018-10-01" in error["message"]


def test_network_interfaces_of_resource_groups_take_network_versions(get):
    path = f"/subscriptions/{SUB_A}/resourceGroups/{RG_FLEX}/providers/Microsoft.Network/networkInterfaces"
    assert get(path, "2024-05-01").status_code == 200
