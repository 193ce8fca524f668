"""Fixtures shared by every emulator test module.

- ``emulator`` (session): one emulator serving estates/sample.yml, with short LROs and 2-item pages.
- ``emu`` (function): that emulator, reset to the estate and its start-up settings before the test.
- ``clients`` (function): the stock SDK clients for it (``sdk_clients``), polling every 0.1 s.
- ``multi_emulator`` (session) / ``multi_clients``: estates/multi.yml (partial access across subscriptions).
- ``env_clients``: clients built from nothing but the emulator's env.sh (what an AWX job would have).
"""

import json
import shlex
import ssl
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from arm_emulator.testing import ARM_SCOPE, EmulatorProcess, sdk_clients

HERE = Path(__file__).resolve().parent
ESTATES = HERE.parent / "estates"
SAMPLE = ESTATES / "sample.yml"
MULTI = ESTATES / "multi.yml"

# Sample estate facts the tests rely on (see estates/sample.yml).
SUB_A = "1c7f3e9a-2b4d-4e6f-8a1b-3c5d7e9f0a11"
SUB_B = "9d2e4f6a-8b0c-4d1e-a3f5-b7c9d1e3f522"
RG_UNIFORM, VMSS_UNIFORM = "rg-web", "vmss-web"
RG_FLEX, VMSS_FLEX_EPHEMERAL, VMSS_FLEX_STANDARD = "rg-batch", "vmss-batch-eph", "vmss-batch-std"

FAST_ARGS = ["--operation-seconds", "0.4", "--page-size", "2"]


@pytest.fixture(scope="session")
def sample_estate():
    return SAMPLE


@pytest.fixture(scope="session")
def multi_estate():
    return MULTI


@pytest.fixture(scope="session")
def emulator():
    with EmulatorProcess(SAMPLE, extra_args=FAST_ARGS) as emu:
        yield emu


@pytest.fixture
def emu(emulator):
    emulator.reset()
    return emulator


@pytest.fixture
def clients(emu):
    return sdk_clients(emu.ready, polling_interval=0.1)


@pytest.fixture(scope="session")
def multi_emulator():
    with EmulatorProcess(MULTI, extra_args=FAST_ARGS) as emu:
        yield emu


@pytest.fixture
def multi_clients(multi_emulator):
    multi_emulator.reset()
    return sdk_clients(multi_emulator.ready, polling_interval=0.1)


def read_env_file(path):
    """The variables `. env.sh` would export."""
    env = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        words = shlex.split(line)
        assert words[0] == "export", line
        key, _sep, value = words[1].partition("=")
        env[key] = value
    return env


def clients_from_env(env, polling_interval=0.1):
    """Build the stock SDK clients from AWX-style variables only: the cloud comes from the metadata URL."""
    from azure.identity import ClientSecretCredential
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    ca = env["AZURE_CA_BUNDLE"]
    context = ssl.create_default_context(cafile=ca)
    with urllib.request.urlopen(env["AZURE_CLOUD_ENVIRONMENT"], context=context, timeout=10) as response:
        cloud = json.loads(response.read())[0]
    base_url = cloud["resourceManager"].rstrip("/")
    authority = cloud["authentication"]["loginEndpoint"].rstrip("/")
    audience = cloud["authentication"]["audiences"][-1].rstrip("/") + "/.default"
    credential = ClientSecretCredential(env["AZURE_TENANT"], env["AZURE_CLIENT_ID"], env["AZURE_SECRET"],
                                        authority=authority, disable_instance_discovery=True,
                                        connection_verify=ca)
    common = dict(base_url=base_url, credential_scopes=[audience], connection_verify=ca)
    sub = env["AZURE_SUBSCRIPTION_ID"]
    return SimpleNamespace(
        cloud=cloud,
        credential=credential,
        compute=ComputeManagementClient(credential, sub, polling_interval=polling_interval, **common),
        network=NetworkManagementClient(credential, sub, **common),
        subscriptions=SubscriptionClient(credential, **common),
    )


@pytest.fixture
def env_clients(emu):
    return clients_from_env(read_env_file(emu.env_file))


def arm_paths(requests, method=None):
    """The ARM requests of a request-log snapshot (token and metadata calls left out)."""
    return [r for r in requests
            if r["path"].startswith(("/subscriptions", "/providers")) and (method is None or r["method"] == method)]


__all__ = ["ARM_SCOPE", "arm_paths", "clients_from_env", "read_env_file"]
