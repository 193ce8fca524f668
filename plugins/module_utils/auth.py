# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication options, shared by every module and the inventory plugin.

The options are declared once (``AUTH_OPTIONS``). Modules read environment variables through
``env_fallback``; the inventory plugin through the ``env:`` entries of its doc fragment. Both end in
``AuthSettings``, from which ``build_credential`` makes an azure-identity credential.

AWX's "Microsoft Azure Resource Manager" credential injects ``AZURE_SECRET`` and ``AZURE_TENANT``;
azure-identity reads ``AZURE_CLIENT_SECRET`` and ``AZURE_TENANT_ID``. Both spellings are mapped here
explicitly, AWX's first.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

AUTH_SOURCES = ("auto", "env", "cli", "msi", "workload_identity", "credential_file")

# option name -> environment variables, in the order they are consulted.
AUTH_ENV = {
    "auth_source": ["ANSIBLE_AZURE_AUTH_SOURCE"],
    "subscription_id": ["AZURE_SUBSCRIPTION_ID"],
    "tenant": ["AZURE_TENANT", "AZURE_TENANT_ID"],
    "client_id": ["AZURE_CLIENT_ID"],
    "secret": ["AZURE_SECRET", "AZURE_CLIENT_SECRET"],
    "certificate_path": ["AZURE_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH"],
    "ad_user": ["AZURE_AD_USER", "AZURE_USERNAME"],
    "password": ["AZURE_PASSWORD"],
    "federated_token_file": ["AZURE_FEDERATED_TOKEN_FILE"],
    "profile": ["AZURE_PROFILE"],
    "cloud_environment": ["AZURE_CLOUD_ENVIRONMENT"],
    "base_url": ["AZURE_BASE_URL"],
    "authority_host": ["AZURE_AUTHORITY_HOST"],
    "ca_cert": ["AZURE_CA_BUNDLE"],
    "disable_instance_discovery": ["AZURE_DISABLE_INSTANCE_DISCOVERY"],
}

SECRET_OPTIONS = ("secret", "password")

AUTH_OPTIONS = {
    "auth_source": {"type": "str", "choices": list(AUTH_SOURCES)},
    "subscription_id": {"type": "str"},
    "tenant": {"type": "str"},
    "client_id": {"type": "str"},
    "secret": {"type": "str", "no_log": True},
    "certificate_path": {"type": "path"},
    "ad_user": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "federated_token_file": {"type": "path"},
    "profile": {"type": "str"},
    "cloud_environment": {"type": "str"},
    "base_url": {"type": "str"},
    "authority_host": {"type": "str"},
    "ca_cert": {"type": "path"},
    "disable_instance_discovery": {"type": "bool"},
}

# azure-core's retry, timeout and polling settings; defaults are azure-core's own except polling.
CONNECTION_OPTIONS = {
    "retry_total": {"type": "int", "default": 10},
    "retry_backoff_factor": {"type": "float", "default": 0.8},
    "retry_backoff_max": {"type": "int", "default": 120},
    "connection_timeout": {"type": "int", "default": 30},
    "read_timeout": {"type": "int", "default": 120},
    "polling_interval": {"type": "float", "default": 5},
}

CREDENTIAL_FILE = os.path.join("~", ".azure", "credentials")


def module_argument_spec():
    """Auth and connection options as an AnsibleModule argument spec, with env fallbacks."""
    from ansible.module_utils.basic import env_fallback

    spec = {}
    for name, option in AUTH_OPTIONS.items():
        spec[name] = dict(option)
        if name in AUTH_ENV:
            spec[name]["fallback"] = (env_fallback, AUTH_ENV[name])
    for name, option in CONNECTION_OPTIONS.items():
        spec[name] = dict(option)
    return spec


class AuthSettings(object):
    """Every auth and connection setting, already merged from options and environment."""

    def __init__(self, values):
        for name in list(AUTH_OPTIONS) + list(CONNECTION_OPTIONS):
            setattr(self, name, values.get(name))
        self.auth_source = self.auth_source or "auto"
        for name, option in CONNECTION_OPTIONS.items():
            if getattr(self, name) is None:
                setattr(self, name, option["default"])

    def secrets(self):
        """Secret values, so callers can scrub them from anything they print."""
        return [value for value in (self.secret, self.password) if value]

    @property
    def connection_verify(self):
        """What azure-core's transport gets for TLS: a CA bundle path, or True (the default trust store)."""
        return self.ca_cert or True


def settings_from_params(params):
    """AuthSettings from AnsibleModule params (env fallbacks already applied)."""
    return AuthSettings(params)


def settings_from_options(get_option):
    """AuthSettings from a plugin's ``get_option`` (env entries already applied by Ansible's config)."""
    values = {}
    for name in list(AUTH_OPTIONS) + list(CONNECTION_OPTIONS):
        try:
            values[name] = get_option(name)
        except KeyError:
            values[name] = None
    return AuthSettings(values)


def validate_settings(settings):
    """Fail early, naming the problem, on settings that cannot work."""
    if settings.auth_source not in AUTH_SOURCES:
        raise FleetError("Unknown auth_source '%s'. Valid: %s." % (settings.auth_source, ", ".join(AUTH_SOURCES)))
    if settings.ca_cert and not os.path.isfile(os.path.expanduser(settings.ca_cert)):
        raise FleetError("ca_cert '%s' does not exist or is not a file. Give the path of a PEM CA bundle "
                         "(option ca_cert or env AZURE_CA_BUNDLE)." % settings.ca_cert)
    for name in CONNECTION_OPTIONS:
        value = getattr(settings, name)
        if value is None or value < 0 or (name == "polling_interval" and value <= 0):
            raise FleetError("%s must be a %s number, got %r." % (
                name, "positive" if name == "polling_interval" else "non-negative", value))


def read_credential_file(profile, path=CREDENTIAL_FILE):
    """The ``[profile]`` section of ~/.azure/credentials (the INI file azure.azcollection users already have)."""
    from configparser import ConfigParser, Error as ConfigError

    path = os.path.expanduser(path)
    parser = ConfigParser()
    try:
        if not parser.read(path):
            raise FleetError("auth_source is credential_file but %s does not exist." % path)
    except ConfigError as exc:
        raise FleetError("Could not parse %s: %s" % (path, str(exc).splitlines()[0]))
    section = profile or "default"
    if not parser.has_section(section):
        raise FleetError("Profile '%s' not found in %s (profiles there: %s)."
                         % (section, path, ", ".join(parser.sections()) or "none"))
    return dict(parser.items(section))


def apply_credential_file(settings):
    """Fill unset settings from the credential file profile; explicit options and env win."""
    values = read_credential_file(settings.profile)
    for key in ("subscription_id", "tenant", "client_id", "secret", "ad_user", "password", "cloud_environment",
                "certificate_path"):
        if not getattr(settings, key) and values.get(key):
            setattr(settings, key, values[key])


def choose_source(settings):
    """The concrete credential kind ``auto`` resolves to, from what is configured."""
    if settings.auth_source != "auto":
        return settings.auth_source
    if settings.client_id and settings.secret and settings.tenant:
        return "service_principal"
    if settings.client_id and settings.certificate_path and settings.tenant:
        return "certificate"
    if settings.ad_user and settings.password:
        return "user_password"
    if settings.federated_token_file and settings.client_id:
        return "workload_identity"
    if os.path.isfile(os.path.expanduser(CREDENTIAL_FILE)):
        return "credential_file"
    return "default_chain"


def _env_source_kind(settings):
    """For ``auth_source: env`` (or a credential file): which credential the given values describe."""
    if settings.client_id and settings.secret and settings.tenant:
        return "service_principal"
    if settings.client_id and settings.certificate_path and settings.tenant:
        return "certificate"
    if settings.ad_user and settings.password:
        return "user_password"
    raise FleetError(
        "auth_source '%s' needs client_id, tenant and secret (env AZURE_CLIENT_ID, AZURE_TENANT, AZURE_SECRET), "
        "client_id, tenant and certificate_path, or ad_user and password (env AZURE_AD_USER, AZURE_PASSWORD); "
        "missing: %s." % (settings.auth_source, ", ".join(_missing_for_sp(settings))))


def _missing_for_sp(settings):
    return [name for name in ("client_id", "tenant", "secret") if not getattr(settings, name)]


def credential_kwargs(settings, cloud):
    """Keyword arguments every azure-identity credential gets: authority, TLS and discovery."""
    discovery_off = settings.disable_instance_discovery
    if discovery_off is None:
        # MSAL's instance discovery asks login.microsoftonline.com about the authority; private clouds
        # (Azure Stack Hub, ADFS) are unknown there, so it is turned off for any non-public authority.
        discovery_off = not cloud.is_public_authority
    return {
        "authority": cloud.authority,
        "disable_instance_discovery": bool(discovery_off),
        "connection_verify": settings.connection_verify,
    }


def build_credential(settings, cloud):
    """An azure-identity credential for the configured auth source."""
    from azure import identity

    source = choose_source(settings)
    if source == "credential_file":
        apply_credential_file(settings)
        source = _env_source_kind(settings)
    elif source == "env":
        source = _env_source_kind(settings)
    kwargs = credential_kwargs(settings, cloud)
    if source == "service_principal":
        return identity.ClientSecretCredential(settings.tenant, settings.client_id, settings.secret, **kwargs)
    if source == "certificate":
        return identity.CertificateCredential(settings.tenant, settings.client_id, settings.certificate_path,
                                              **kwargs)
    if source == "user_password":
        client_id = settings.client_id or "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # the Azure CLI's public client
        return identity.UsernamePasswordCredential(client_id, settings.ad_user, settings.password,
                                                   tenant_id=settings.tenant, **kwargs)
    if source == "workload_identity":
        return identity.WorkloadIdentityCredential(tenant_id=settings.tenant, client_id=settings.client_id,
                                                   token_file_path=settings.federated_token_file, **kwargs)
    if source == "msi":
        return identity.ManagedIdentityCredential(client_id=settings.client_id,
                                                  connection_verify=settings.connection_verify)
    if source == "cli":
        return identity.AzureCliCredential(tenant_id=settings.tenant or "")
    return identity.DefaultAzureCredential(authority=cloud.authority, connection_verify=settings.connection_verify,
                                           exclude_interactive_browser_credential=True)
