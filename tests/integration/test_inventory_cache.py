# -*- coding: utf-8 -*-
"""The azure_vmss inventory's cache and credentials: a cached listing is only served to the credential that made it.

Estate ``cache-principals.yml``: a principal that reads the whole subscription ("wide"), one that reads
rg-cache-a only ("narrow"), a scale set of each mode in each of two resource groups. Every run is
``ansible-inventory`` with the emulator's env.sh (the wide principal's AWX variables); a config file that names
another credential overrides them, as a user's second ``*.azure_vmss.yml`` would. Expected hosts come from the
emulator's control API; which credential asked what comes from its request log (``client_id`` per request).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from harness import run_inventory, start_emulator

PLUGIN = "vmss.fleet.azure_vmss"
ESTATE = "cache-principals.yml"
NARROW_CLIENT = "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e02"
NARROW_SECRET = "cache-narrow-secret-NOT-a-real-one-8Wz"
WIDE_SECRET = "cache-wide-secret-NOT-a-real-one-3Fq"
GROUPS = ["rg-cache-a", "rg-cache-b"]
AWX_UPDATE_ENV = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "True"}  # what AWX sets: a source that fails fails the run


@pytest.fixture
def emu():
    with start_emulator(ESTATE) as emulator:
        yield emulator


def cached_config(cache_dir, **options):
    config = {"plugin": PLUGIN, "resource_groups": GROUPS, "cache": True, "cache_plugin": "ansible.builtin.jsonfile",
              "cache_connection": str(cache_dir), "cache_timeout": 600, "retry_total": 0}
    config.update(options)
    return config


def inventory(config, emu, name):
    return run_inventory(config, dict(emu.env, **AWX_UPDATE_ENV), name=name)


def hosts(run):
    return sorted(run.result["_meta"]["hostvars"])


def vms_in(emu, *groups):
    return sorted(vm["name"] for vm in emu.vms() if vm["resource_group"] in groups)


def arm_clients(emu):
    """The client ids that sent ARM requests (token and metadata requests left out)."""
    return set(entry.get("client_id") for entry in emu.requests() if entry["path"].lower().startswith("/subscriptions"))


def cache_files(cache_dir):
    return [os.path.join(str(cache_dir), name) for name in os.listdir(str(cache_dir))]


def test_a_listing_cached_for_one_credential_is_not_served_to_another(emu, tmp_path):
    wide = inventory(cached_config(tmp_path), emu, "wide.azure_vmss.yml")
    assert wide.rc == 0, wide.stderr
    assert hosts(wide) == vms_in(emu, *GROUPS)
    emu.clear_requests()

    # Same scope, another file, a principal that may read rg-cache-a only: it must list for itself and get only
    # what it may read (before, it got the wide principal's cached hosts of rg-cache-b too, with no request).
    narrow = inventory(cached_config(tmp_path, client_id=NARROW_CLIENT, secret=NARROW_SECRET, fail_on_partial=False),
                       emu, "narrow.azure_vmss.yml")
    assert narrow.rc == 0, narrow.stderr
    assert hosts(narrow) == vms_in(emu, "rg-cache-a")
    assert arm_clients(emu) == {NARROW_CLIENT}
    assert "rg-cache-b" in narrow.stderr  # the warning names what it could not read

    # The wide principal's own entry is still there for it: a second run makes no request.
    emu.clear_requests()
    again = inventory(cached_config(tmp_path), emu, "wide.azure_vmss.yml")
    assert again.rc == 0 and hosts(again) == hosts(wide)
    assert emu.requests() == []


def test_a_wrong_secret_gets_no_host_from_another_files_cache(emu, tmp_path):
    right = inventory(cached_config(tmp_path), emu, "right.azure_vmss.yml")
    assert right.rc == 0 and hosts(right), right.stderr
    emu.clear_requests()

    wrong = inventory(cached_config(tmp_path, secret="not-the-secret"), emu, "wrong.azure_vmss.yml")
    assert wrong.rc != 0
    assert "Authentication failed" in wrong.stderr and "AADSTS7000215" in wrong.stderr
    assert "not-the-secret" not in wrong.output
    tokens = [entry for entry in emu.requests() if entry["path"].endswith("/oauth2/v2.0/token")]
    assert tokens and set(entry["status"] for entry in tokens) == {401}  # one per scope read concurrently
    assert arm_clients(emu) == set()


def test_the_cache_file_is_owner_only_and_holds_no_secret_or_token(emu, tmp_path):
    wide = inventory(cached_config(tmp_path), emu, "wide.azure_vmss.yml")
    narrow = inventory(cached_config(tmp_path, client_id=NARROW_CLIENT, secret=NARROW_SECRET, fail_on_partial=False),
                       emu, "narrow.azure_vmss.yml")
    assert wide.rc == 0 and narrow.rc == 0, wide.stderr + narrow.stderr
    files = cache_files(tmp_path)
    # The wide listing is complete and cached; the narrow one has a missing part, and is never cached.
    assert len(files) == 1, files
    mode = stat.S_IMODE(os.stat(files[0]).st_mode)
    assert mode == 0o600, oct(mode)
    with open(files[0]) as handle:
        content = handle.read()
    assert vms_in(emu, *GROUPS)[0] in content
    tokens = [token["token"] for token in emu.tokens()]
    assert tokens
    for secret in [WIDE_SECRET, NARROW_SECRET] + tokens:
        assert secret not in content
        assert secret not in os.path.basename(files[0])
