# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils import cloud
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError


@pytest.mark.parametrize("name, canonical, manager", [
    ("AzureCloud", "AzureCloud", "https://management.azure.com"),
    ("azurepubliccloud", "AzureCloud", "https://management.azure.com"),
    ("AzureUSGovernment", "AzureUSGovernment", "https://management.usgovcloudapi.net"),
    ("AzureChinaCloud", "AzureChinaCloud", "https://management.chinacloudapi.cn"),
])
def test_named_clouds(name, canonical, manager):
    endpoints = cloud.named_cloud(name)
    assert (endpoints.name, endpoints.resource_manager) == (canonical, manager)
    assert endpoints.is_public_authority


def test_unknown_cloud_names_value_and_choices():
    with pytest.raises(FleetError) as info:
        cloud.named_cloud("AzureMoon")
    assert "'AzureMoon'" in info.value.message
    assert "AzureUSGovernment" in info.value.message and "metadata" in info.value.message


METADATA = [
    {"name": "Other", "resourceManager": "https://elsewhere.example/",
     "authentication": {"loginEndpoint": "https://login.elsewhere.example/", "audiences": ["https://x/"]}},
    {"name": "Stack", "resourceManager": "https://management.local.azurestack.external/",
     "authentication": {"loginEndpoint": "https://adfs.local.azurestack.external/adfs/",
                        "audiences": ["https://management.adfs.azurestack.local/abc", "https://other/"]}},
]


def test_metadata_list_picks_the_cloud_served_from_the_same_host():
    url = "https://management.local.azurestack.external/metadata/endpoints?api-version=2022-09-01"
    endpoints = cloud.cloud_from_metadata(url, METADATA)
    assert endpoints.name == "Stack"
    assert endpoints.resource_manager == "https://management.local.azurestack.external"
    assert endpoints.authority == "https://adfs.local.azurestack.external/adfs"
    assert endpoints.credential_scope == "https://management.adfs.azurestack.local/abc/.default"
    assert not endpoints.is_public_authority


def test_metadata_single_object_form():
    endpoints = cloud.cloud_from_metadata("https://elsewhere.example/metadata", METADATA[0])
    assert endpoints.resource_manager == "https://elsewhere.example"


def test_metadata_without_authentication_is_refused():
    with pytest.raises(FleetError, match="does not describe a cloud"):
        cloud.cloud_from_metadata("https://x/metadata", {"resourceManager": "https://x/"})


@pytest.mark.parametrize("kwargs, message", [
    ({"cloud_environment": "http://127.0.0.1/metadata/endpoints"}, "must use https://"),
    ({"cloud_environment": "AzureCloud", "base_url": "http://arm.local"}, "base_url 'http://arm.local' must be"),
    ({"cloud_environment": "AzureCloud", "authority_host": "http://login.local"}, "authority_host"),
])
def test_plain_http_is_refused(kwargs, message):
    with pytest.raises(FleetError, match=message):
        cloud.resolve_cloud(**kwargs)


def test_overrides_apply_on_top_of_a_named_cloud():
    endpoints = cloud.resolve_cloud("AzureCloud", base_url="https://arm.local/", authority_host="https://login.local")
    assert (endpoints.resource_manager, endpoints.authority) == ("https://arm.local", "https://login.local")
    assert endpoints.credential_scope == "https://management.azure.com/.default"
