# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Azure cloud to talk to: resource manager URL, login authority and token audience.

A cloud is named (``AzureCloud``, ``AzureUSGovernment``, ``AzureChinaCloud``) or described by a metadata
endpoint URL, the way Azure Stack Hub and private clouds publish themselves. ``base_url`` and
``authority_host`` override whatever the cloud says.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

KNOWN_CLOUDS = {
    "AzureCloud": {
        "resource_manager": "https://management.azure.com",
        "authority": "https://login.microsoftonline.com",
        "audience": "https://management.azure.com",
    },
    "AzureUSGovernment": {
        "resource_manager": "https://management.usgovcloudapi.net",
        "authority": "https://login.microsoftonline.us",
        "audience": "https://management.usgovcloudapi.net",
    },
    "AzureChinaCloud": {
        "resource_manager": "https://management.chinacloudapi.cn",
        "authority": "https://login.chinacloudapi.cn",
        "audience": "https://management.chinacloudapi.cn",
    },
}

# Other spellings users bring from the Azure CLI, azure.azcollection and msrestazure.
CLOUD_ALIASES = {
    "azurecloud": "AzureCloud",
    "azurepubliccloud": "AzureCloud",
    "public": "AzureCloud",
    "azureusgovernment": "AzureUSGovernment",
    "azureusgovernmentcloud": "AzureUSGovernment",
    "usgovernment": "AzureUSGovernment",
    "azurechinacloud": "AzureChinaCloud",
    "china": "AzureChinaCloud",
}

PUBLIC_AUTHORITY_HOSTS = frozenset(cloud["authority"].split("://", 1)[1] for cloud in KNOWN_CLOUDS.values())


class CloudEndpoints(object):
    """Where ARM and the login authority live, and the scope tokens are requested for."""

    def __init__(self, name, resource_manager, authority, audience):
        self.name = name
        self.resource_manager = resource_manager.rstrip("/")
        self.authority = authority.rstrip("/")
        self.audience = audience.rstrip("/")

    @property
    def credential_scope(self):
        return self.audience + "/.default"

    @property
    def is_public_authority(self):
        """True for the public clouds' login hosts, where MSAL's instance discovery works."""
        host = self.authority.split("://", 1)[-1].split("/", 1)[0].lower()
        return host in PUBLIC_AUTHORITY_HOSTS

    def __repr__(self):
        return "CloudEndpoints(%r, %r, %r)" % (self.name, self.resource_manager, self.authority)


def is_metadata_url(value):
    return value.lower().startswith(("https://", "http://"))


def named_cloud(name):
    """Endpoints of a public or sovereign cloud given by name (case and common aliases tolerated)."""
    canonical = CLOUD_ALIASES.get(name.replace(" ", "").lower())
    if canonical is None:
        raise FleetError(
            "Unknown cloud_environment '%s'. Use one of %s, or the https:// URL of a cloud's metadata endpoint "
            "(for example https://management.local.azurestack.external/metadata/endpoints?api-version=2022-09-01)."
            % (name, ", ".join(sorted(KNOWN_CLOUDS))))
    return CloudEndpoints(canonical, **KNOWN_CLOUDS[canonical])


def cloud_from_metadata(url, document):
    """Endpoints from a metadata document (a list of clouds, or one cloud as older API versions return)."""
    clouds = document if isinstance(document, list) else [document]
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    chosen = None
    for cloud in clouds:
        if not isinstance(cloud, dict):
            continue
        manager_host = str(cloud.get("resourceManager", "")).split("://", 1)[-1].split("/", 1)[0].lower()
        if chosen is None or manager_host == host:
            chosen = cloud
    authentication = (chosen or {}).get("authentication") or {}
    audiences = authentication.get("audiences") or []
    if not chosen or not chosen.get("resourceManager") or not authentication.get("loginEndpoint") or not audiences:
        raise FleetError("The cloud metadata at %s does not describe a cloud: it needs resourceManager, "
                         "authentication.loginEndpoint and authentication.audiences." % url)
    return CloudEndpoints(chosen.get("name") or url, chosen["resourceManager"], authentication["loginEndpoint"],
                          audiences[0])


def fetch_metadata(url, connection_verify, timeout=30):
    """GET the metadata document through azure-core (its retries, its TLS verification)."""
    from azure.core import PipelineClient
    from azure.core.exceptions import AzureError
    from azure.core.rest import HttpRequest

    if not url.lower().startswith("https://"):
        raise FleetError("cloud_environment URL '%s' must use https://; TLS is always verified." % url)
    client = PipelineClient(base_url=url, connection_verify=connection_verify)
    try:
        response = client.send_request(HttpRequest("GET", url), connection_timeout=timeout, read_timeout=timeout)
        response.raise_for_status()
        return json.loads(response.text())
    except ValueError:
        raise FleetError("The cloud metadata at %s is not JSON." % url)
    except AzureError as exc:  # azure-core raises several kinds; all mean the same thing to the user
        raise FleetError("Could not read cloud metadata from %s: %s" % (url, str(exc).splitlines()[0]))
    finally:
        client.close()


def resolve_cloud(cloud_environment, base_url=None, authority_host=None, connection_verify=True):
    """The endpoints to use, from a cloud name or metadata URL, with explicit overrides applied last."""
    value = (cloud_environment or "AzureCloud").strip()
    if is_metadata_url(value):
        endpoints = cloud_from_metadata(value, fetch_metadata(value, connection_verify))
    else:
        endpoints = named_cloud(value)
    if base_url:
        endpoints.resource_manager = base_url.rstrip("/")
    if authority_host:
        endpoints.authority = authority_host.rstrip("/")
    for label, url in (("base_url", endpoints.resource_manager), ("authority_host", endpoints.authority)):
        if not url.lower().startswith("https://"):
            raise FleetError("%s '%s' must be an https:// URL; TLS is always verified." % (label, url))
    return endpoints
