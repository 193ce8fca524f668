# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure SDK clients built from AuthSettings: one credential, one cloud, many clients.

SDK packages are imported lazily, so a module without them fails with ``missing_required_lib``
instead of an ImportError traceback (see ``missing_sdk``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.vmss.fleet.plugins.module_utils.auth import (
    build_credential,
    validate_settings,
)
from ansible_collections.vmss.fleet.plugins.module_utils.cloud import resolve_cloud
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, azure_errors

REQUIRED_SDK = (
    ("azure.identity", "azure-identity"),
    ("azure.mgmt.compute", "azure-mgmt-compute"),
    ("azure.mgmt.network", "azure-mgmt-network"),
    ("azure.mgmt.resource.subscriptions", "azure-mgmt-resource-subscriptions"),
)
# What the inventory's listing imports: all its lists go through ``AzureClients.arm`` (azure-mgmt-core, which every
# management SDK brings), and it lists subscriptions only for ``subscriptions: all`` (then
# AzureClients.subscriptions imports that package).
LISTING_SDK = (REQUIRED_SDK[0], ("azure.mgmt.core", "azure-mgmt-core"))


def missing_sdk(modules=REQUIRED_SDK):
    """(pip name, import error text) of the first SDK package that cannot be imported, or None."""
    import importlib

    for module_name, pip_name in modules:
        try:
            importlib.import_module(module_name)
        except ImportError as exc:
            return pip_name, str(exc)
    return None


# HTTPS connections kept per host: the module follows up to max_parallel operations in each of several scale sets
# at once, and the listings run up to max_concurrency threads. requests keeps only 10 by default, so every
# thread past the tenth would pay a new TLS handshake per request.
POOL_SIZE = 64


def pooled_transport(settings, pool_size=POOL_SIZE):
    """azure-core's requests transport on a session that keeps ``pool_size`` connections per host, with the
    settings' TLS verification and timeouts (a transport given to a client takes them, not the client). Retries
    stay azure-core's: urllib3's own are off, as azure-core sets them."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from urllib3.util.retry import Retry

    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size,
                                            max_retries=Retry(total=False, redirect=False, raise_on_status=False))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return RequestsTransport(session=session, session_owner=True, connection_verify=settings.connection_verify,
                             connection_timeout=settings.connection_timeout, read_timeout=settings.read_timeout)


class AzureClients(object):
    """Creates and caches the SDK clients a module or plugin needs, sharing one credential."""

    def __init__(self, settings):
        validate_settings(settings)
        self.settings = settings
        self.cloud = resolve_cloud(settings.cloud_environment, settings.base_url, settings.authority_host,
                                   settings.connection_verify)
        try:
            self.credential = build_credential(settings, self.cloud)
        except FleetError:
            raise
        except (ValueError, TypeError) as exc:
            raise FleetError("Invalid authentication settings: %s" % exc)
        self._cache = {}

    @property
    def subscription_id(self):
        """The credential's subscription: the default scope of every module."""
        if not self.settings.subscription_id:
            raise FleetError("No subscription given: set subscription_id (or env AZURE_SUBSCRIPTION_ID).")
        return self.settings.subscription_id

    def _client_kwargs(self):
        s = self.settings
        return {
            "transport": pooled_transport(s),
            "base_url": self.cloud.resource_manager,
            "credential_scopes": [self.cloud.credential_scope],
            "connection_verify": s.connection_verify,
            "polling_interval": s.polling_interval,
            "retry_total": s.retry_total,
            # azure-core stops after 3 status / connect / read retries whatever retry_total says; the option
            # promises retry_total retries of throttling, 5xx and dropped connections, so all share it.
            "retry_status": s.retry_total,
            "retry_connect": s.retry_total,
            "retry_read": s.retry_total,
            "retry_backoff_factor": s.retry_backoff_factor,
            "retry_backoff_max": s.retry_backoff_max,
            "connection_timeout": s.connection_timeout,
            "read_timeout": s.read_timeout,
        }

    def _cached(self, key, factory):
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    def compute(self, subscription_id=None):
        from azure.mgmt.compute import ComputeManagementClient

        sub = subscription_id or self.subscription_id
        return self._cached(("compute", sub),
                            lambda: ComputeManagementClient(self.credential, sub, **self._client_kwargs()))

    def network(self, subscription_id=None):
        from azure.mgmt.network import NetworkManagementClient

        sub = subscription_id or self.subscription_id
        return self._cached(("network", sub),
                            lambda: NetworkManagementClient(self.credential, sub, **self._client_kwargs()))

    def arm(self, subscription_id=None):
        """An ``ArmClient`` for raw ARM requests to any provider (``listing.iter_json``): the lists that need no SDK
        model, which are all the inventory makes."""
        sub = subscription_id or self.subscription_id
        return self._cached(("arm", sub), lambda: ArmClient(self.credential, sub, **self._client_kwargs()))

    def subscriptions(self):
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        return self._cached(("subscriptions",), lambda: SubscriptionClient(self.credential, **self._client_kwargs()))

    def list_subscription_ids(self):
        """Every subscription the credential can see (the ``subscriptions: all`` scope)."""
        with azure_errors("listing subscriptions"):
            return [sub.subscription_id for sub in self.subscriptions().subscriptions.list()]

    def close(self):
        for client in self._cache.values():
            client.close()
        self._cache = {}
        close = getattr(self.credential, "close", None)
        if close:
            close()


class ArmClient(object):
    """Raw ARM requests through azure-core's pipeline, with the policies Azure's management SDK clients put in
    theirs (ARM challenge authentication, resource provider registration, retries, redirects, logging), for one
    subscription. It imports no management SDK: azure-mgmt-compute alone takes a quarter of a second to import,
    and turning a list into its models costs more, both on the inventory's way to its first host."""

    def __init__(self, credential, subscription_id, base_url, credential_scopes, **kwargs):
        from azure.core.pipeline import policies
        from azure.mgmt.core import ARMPipelineClient
        from azure.mgmt.core.policies import (
            ARMAutoResourceProviderRegistrationPolicy,
            ARMChallengeAuthenticationPolicy,
            ARMHttpLoggingPolicy,
        )

        self.subscription_id = subscription_id
        kwargs.setdefault("sdk_moniker", "vmss-fleet")
        pipeline = [
            policies.RequestIdPolicy(**kwargs),
            policies.HeadersPolicy(**kwargs),
            policies.UserAgentPolicy(**kwargs),
            policies.ProxyPolicy(**kwargs),
            policies.ContentDecodePolicy(**kwargs),
            ARMAutoResourceProviderRegistrationPolicy(),
            policies.RedirectPolicy(**kwargs),
            policies.RetryPolicy(**kwargs),
            ARMChallengeAuthenticationPolicy(credential, *credential_scopes, **kwargs),
            policies.CustomHookPolicy(**kwargs),
            policies.NetworkTraceLoggingPolicy(**kwargs),
            policies.DistributedTracingPolicy(**kwargs),
            policies.SensitiveHeaderCleanupPolicy(**kwargs),
            ARMHttpLoggingPolicy(**kwargs),
        ]
        self._client = ARMPipelineClient(base_url=base_url, policies=pipeline, **kwargs)

    def send_request(self, request, stream=False):
        """The response to ``request``, whose URL may be a path under the cloud's Resource Manager endpoint (the
        caller's request is left as it was, as the SDK clients' ``send_request`` leaves it)."""
        request = copy.deepcopy(request)
        request.url = self._client.format_url(request.url)
        return self._client.send_request(request, stream=stream)

    def close(self):
        self._client.close()
