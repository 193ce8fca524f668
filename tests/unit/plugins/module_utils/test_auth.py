# -*- coding: utf-8 -*-
"""Which auth source wins, how environment names map to options, and what bad settings say."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.vmss.fleet.plugins.module_utils import auth
from ansible_collections.vmss.fleet.plugins.module_utils.cloud import CloudEndpoints, named_cloud
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

ALL_ENV = sorted({name for names in auth.AUTH_ENV.values() for name in names})


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)
    # No ~/.azure/credentials unless a test writes one.
    monkeypatch.setenv("HOME", str(tmp_path))


def fallback_value(option, monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = auth.module_argument_spec()[option]
    function, names = spec["fallback"]
    try:
        return function(*names)
    except AnsibleFallbackNotFound:
        return None


@pytest.mark.parametrize("option, env, expected", [
    ("secret", {"AZURE_SECRET": "awx"}, "awx"),
    ("secret", {"AZURE_CLIENT_SECRET": "identity"}, "identity"),
    ("secret", {"AZURE_SECRET": "awx", "AZURE_CLIENT_SECRET": "identity"}, "awx"),
    ("tenant", {"AZURE_TENANT": "t-awx"}, "t-awx"),
    ("tenant", {"AZURE_TENANT_ID": "t-identity"}, "t-identity"),
    ("tenant", {"AZURE_TENANT": "t-awx", "AZURE_TENANT_ID": "t-identity"}, "t-awx"),
    ("ad_user", {"AZURE_AD_USER": "ops@example.com"}, "ops@example.com"),
    ("ad_user", {"AZURE_USERNAME": "dev@example.com"}, "dev@example.com"),
    ("cloud_environment", {"AZURE_CLOUD_ENVIRONMENT": "AzureUSGovernment"}, "AzureUSGovernment"),
    ("ca_cert", {"AZURE_CA_BUNDLE": "/etc/ca.pem"}, "/etc/ca.pem"),
    ("subscription_id", {}, None),
])
def test_module_env_names_map_awx_first(monkeypatch, option, env, expected):
    assert fallback_value(option, monkeypatch, env) == expected


def test_every_auth_option_has_an_env_fallback_and_secrets_are_no_log():
    spec = auth.module_argument_spec()
    for name in auth.AUTH_OPTIONS:
        assert spec[name]["fallback"][0] is env_fallback, name
    assert spec["secret"]["no_log"] is True
    assert spec["password"]["no_log"] is True


def settings(**values):
    return auth.AuthSettings(values)


@pytest.mark.parametrize("values, expected", [
    ({"client_id": "c", "secret": "s", "tenant": "t"}, "service_principal"),
    ({"client_id": "c", "certificate_path": "/c.pem", "tenant": "t"}, "certificate"),
    ({"ad_user": "u", "password": "p"}, "user_password"),
    ({"client_id": "c", "federated_token_file": "/tok"}, "workload_identity"),
    ({"client_id": "c", "secret": "s"}, "default_chain"),  # no tenant: not a complete service principal
    ({}, "default_chain"),
    ({"auth_source": "cli", "client_id": "c", "secret": "s", "tenant": "t"}, "cli"),
    ({"auth_source": "msi"}, "msi"),
])
def test_auto_source_resolution(values, expected):
    assert auth.choose_source(settings(**values)) == expected


def test_auto_uses_credential_file_when_present(tmp_path):
    (tmp_path / ".azure").mkdir()
    (tmp_path / ".azure" / "credentials").write_text("[default]\nclient_id=c\n")
    assert auth.choose_source(settings()) == "credential_file"


def test_credential_file_fills_only_unset_values(tmp_path):
    (tmp_path / ".azure").mkdir()
    (tmp_path / ".azure" / "credentials").write_text(
        "[default]\nsubscription_id=sub-file\nclient_id=c-file\nsecret=s-file\ntenant=t-file\n"
        "[prod]\nsubscription_id=sub-prod\nclient_id=c-prod\nsecret=s-prod\ntenant=t-prod\n")
    chosen = settings(client_id="c-explicit", profile="prod")
    auth.apply_credential_file(chosen)
    assert (chosen.client_id, chosen.secret, chosen.subscription_id) == ("c-explicit", "s-prod", "sub-prod")


def test_credential_file_unknown_profile_names_it_and_the_known_ones(tmp_path):
    (tmp_path / ".azure").mkdir()
    (tmp_path / ".azure" / "credentials").write_text("[default]\nclient_id=c\n")
    with pytest.raises(FleetError, match="Profile 'nope' not found.*default"):
        auth.read_credential_file("nope")


def test_env_source_names_what_is_missing():
    with pytest.raises(FleetError, match="missing: tenant, secret"):
        auth.build_credential(settings(auth_source="env", client_id="c"), named_cloud("AzureCloud"))


@pytest.mark.parametrize("values, message", [
    ({"auth_source": "kerberos"}, "Unknown auth_source 'kerberos'"),
    ({"ca_cert": "/nonexistent/ca.pem"}, "ca_cert '/nonexistent/ca.pem' does not exist"),
    ({"retry_total": -1}, "retry_total must be a non-negative"),
    ({"polling_interval": 0}, "polling_interval must be a positive"),
])
def test_validate_settings_names_the_bad_value(values, message):
    with pytest.raises(FleetError, match=message):
        auth.validate_settings(settings(**values))


def test_settings_from_plugin_options_tolerates_unknown_options():
    options = {"client_id": "c", "secret": "s"}

    def get_option(name):
        if name not in options:
            raise KeyError(name)
        return options[name]

    result = auth.settings_from_options(get_option)
    assert (result.client_id, result.secret, result.auth_source, result.retry_total) == ("c", "s", "auto", 10)
    assert result.secrets() == ["s"]


@pytest.mark.parametrize("authority, explicit, expected", [
    ("https://login.microsoftonline.com", None, False),
    ("https://login.microsoftonline.us", None, False),
    ("https://adfs.local.azurestack.external/adfs", None, True),
    ("https://127.0.0.1:8443", None, True),
    ("https://127.0.0.1:8443", False, False),
    ("https://login.microsoftonline.com", True, True),
])
def test_instance_discovery_off_for_private_authorities(authority, explicit, expected):
    cloud = CloudEndpoints("x", "https://arm.example", authority, "https://management.example")
    kwargs = auth.credential_kwargs(settings(disable_instance_discovery=explicit), cloud)
    assert kwargs["disable_instance_discovery"] is expected
    assert kwargs["authority"] == authority
    assert kwargs["connection_verify"] is True
