# -*- coding: utf-8 -*-
"""Emulator fixtures for unit tests whose code sends requests: the collection's own clients, real HTTPS.

- ``listing_emulator`` (session): ``arm_emulator`` on estates/listing-fleet.yml (both modes, every power state,
  unhealthy and failed VMs, empty sets), pages of 2 items. Tests read it only; each one starts from a clear
  request log.
- ``azure_settings``: AuthSettings from nothing but what an AWX credential gives (the emulator's env.sh).
- ``azure_clients``: ``clients.AzureClients`` on those settings: azure-identity and the azure-mgmt clients, TLS
  verified against the emulator's CA.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ESTATES = os.path.join(REPO, "tests", "emulator", "estates")


def settings_for(emu, **overrides):
    """The collection's AuthSettings for an emulator, as the AWX credential's variables give them."""
    from ansible_collections.vmss.fleet.plugins.module_utils.auth import AuthSettings

    env = emu.env
    values = {"subscription_id": env["AZURE_SUBSCRIPTION_ID"], "client_id": env["AZURE_CLIENT_ID"],
              "secret": env["AZURE_SECRET"], "tenant": env["AZURE_TENANT"],
              "cloud_environment": env["AZURE_CLOUD_ENVIRONMENT"], "ca_cert": env["AZURE_CA_BUNDLE"],
              "retry_total": 0}
    values.update(overrides)
    return AuthSettings(values)


@pytest.fixture(scope="session")
def listing_emulator():
    from arm_emulator.testing import EmulatorProcess

    with EmulatorProcess(os.path.join(ESTATES, "listing-fleet.yml"), extra_args=["--page-size", "2"]) as emu:
        yield emu


@pytest.fixture
def emu(listing_emulator):
    listing_emulator.clear_faults()
    listing_emulator.clear_requests()
    return listing_emulator


@pytest.fixture
def azure_settings(emu):
    return settings_for(emu)


@pytest.fixture
def azure_clients(azure_settings):
    from ansible_collections.vmss.fleet.plugins.module_utils.clients import AzureClients

    clients = AzureClients(azure_settings)
    yield clients
    clients.close()
