# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Authentication and connection options. MODULES: environment variables are read through
    # fallbacks (listed in each description). PLUGINS: the same options with env entries, because AWX
    # turns an inventory source's variables into environment variables.

    MODULES = r'''
options:
  auth_source:
    description:
      - Where credentials come from.
      - V(auto) uses, in order, a service principal secret, a certificate, a user and password or a federated
        token file when those are set, then C(~/.azure/credentials) when it exists, then azure-identity's
        DefaultAzureCredential (managed identity, Azure CLI, workload identity).
      - V(env) uses only the options and environment variables below; V(cli) the Azure CLI's login;
        V(msi) a managed identity; V(workload_identity) a federated token; V(credential_file) the O(profile)
        of C(~/.azure/credentials).
      - Falls back to the E(ANSIBLE_AZURE_AUTH_SOURCE) environment variable.
    type: str
    choices: [auto, env, cli, msi, workload_identity, credential_file]
  subscription_id:
    description:
      - The subscription to work in. Falls back to E(AZURE_SUBSCRIPTION_ID).
    type: str
  tenant:
    description:
      - The Entra ID tenant. Falls back to E(AZURE_TENANT) (set by AWX), then E(AZURE_TENANT_ID).
    type: str
  client_id:
    description:
      - The service principal's application (client) id. Falls back to E(AZURE_CLIENT_ID).
    type: str
  secret:
    description:
      - The service principal's client secret. Falls back to E(AZURE_SECRET) (set by AWX), then
        E(AZURE_CLIENT_SECRET). Never logged.
    type: str
  certificate_path:
    description:
      - A PEM or PKCS12 certificate for a service principal, instead of O(secret).
      - Falls back to E(AZURE_CERTIFICATE_PATH), then E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  ad_user:
    description:
      - A user name, used with O(password). Falls back to E(AZURE_AD_USER) (set by AWX), then E(AZURE_USERNAME).
    type: str
  password:
    description:
      - The password of O(ad_user). Falls back to E(AZURE_PASSWORD). Never logged.
    type: str
  federated_token_file:
    description:
      - A workload identity's federated token file. Falls back to E(AZURE_FEDERATED_TOKEN_FILE).
    type: path
  profile:
    description:
      - The section of C(~/.azure/credentials) to use with O(auth_source=credential_file). Defaults to C(default).
      - Falls back to E(AZURE_PROFILE).
    type: str
  cloud_environment:
    description:
      - V(AzureCloud) (the default), V(AzureUSGovernment), V(AzureChinaCloud), or the https URL of a cloud's
        metadata endpoint (Azure Stack Hub, private clouds), which gives the resource manager URL, the login
        authority and the token audience.
      - Falls back to E(AZURE_CLOUD_ENVIRONMENT) (set by AWX).
    type: str
  base_url:
    description:
      - Override the resource manager URL the cloud gives. Falls back to E(AZURE_BASE_URL).
    type: str
  authority_host:
    description:
      - Override the login authority the cloud gives. Falls back to E(AZURE_AUTHORITY_HOST).
    type: str
  ca_cert:
    description:
      - A PEM CA bundle to trust for every HTTPS connection (resource manager, authority, cloud metadata).
      - TLS is always verified; without this option the system's trust store is used.
      - Falls back to E(AZURE_CA_BUNDLE).
    type: path
  disable_instance_discovery:
    description:
      - Skip MSAL's authority discovery. By default it is skipped for any authority that is not one of the
        public clouds' (Azure Stack Hub, ADFS, private clouds) and used otherwise.
      - Falls back to E(AZURE_DISABLE_INSTANCE_DISCOVERY).
    type: bool
  retry_total:
    description:
      - How many times azure-core retries a request (throttling with Retry-After, 5xx, dropped connections).
    type: int
    default: 10
  retry_backoff_factor:
    description:
      - azure-core's exponential backoff factor between retries, in seconds.
    type: float
    default: 0.8
  retry_backoff_max:
    description:
      - The longest single backoff between retries, in seconds.
    type: int
    default: 120
  connection_timeout:
    description:
      - Seconds to wait for a connection to Azure.
    type: int
    default: 30
  read_timeout:
    description:
      - Seconds to wait for a response before the request is retried.
    type: int
    default: 120
  polling_interval:
    description:
      - Seconds between polls of a long-running operation when Azure does not say (Retry-After). Fractions are
        allowed (V(0.5)).
    type: float
    default: 5
notes:
  - Authentication uses azure-identity; requests, retries, paging and long-running operations are azure-core's.
  - In AWX or Automation Platform, attach a "Microsoft Azure Resource Manager" credential; its E(AZURE_CLIENT_ID),
    E(AZURE_SECRET), E(AZURE_TENANT), E(AZURE_SUBSCRIPTION_ID) and E(AZURE_CLOUD_ENVIRONMENT) are read as they are.
  - Set the options once for a play with C(module_defaults) and C(group/vmss.fleet.azure).
requirements:
  - python >= 3.9
  - azure-identity
  - azure-mgmt-compute >= 39.0.0
  - azure-mgmt-network
  - azure-mgmt-resource-subscriptions
'''

    PLUGINS = r'''
options:
  auth_source:
    description:
      - Where credentials come from; see the modules' O(auth_source) for the meaning of each choice.
    type: str
    choices: [auto, env, cli, msi, workload_identity, credential_file]
    default: auto
    env:
      - name: ANSIBLE_AZURE_AUTH_SOURCE
  subscription_id:
    description:
      - The credential's subscription, the default scope.
    type: str
    env:
      - name: AZURE_SUBSCRIPTION_ID
  tenant:
    description:
      - The Entra ID tenant.
    type: str
    env:
      - name: AZURE_TENANT_ID
      - name: AZURE_TENANT
  client_id:
    description:
      - The service principal's application (client) id.
    type: str
    env:
      - name: AZURE_CLIENT_ID
  secret:
    description:
      - The service principal's client secret. Never logged.
    type: str
    env:
      - name: AZURE_CLIENT_SECRET
      - name: AZURE_SECRET
  certificate_path:
    description:
      - A PEM or PKCS12 certificate for a service principal, instead of O(secret).
    type: path
    env:
      - name: AZURE_CLIENT_CERTIFICATE_PATH
      - name: AZURE_CERTIFICATE_PATH
  ad_user:
    description:
      - A user name, used with O(password).
    type: str
    env:
      - name: AZURE_USERNAME
      - name: AZURE_AD_USER
  password:
    description:
      - The password of O(ad_user). Never logged.
    type: str
    env:
      - name: AZURE_PASSWORD
  federated_token_file:
    description:
      - A workload identity's federated token file.
    type: path
    env:
      - name: AZURE_FEDERATED_TOKEN_FILE
  profile:
    description:
      - The section of C(~/.azure/credentials) used with O(auth_source=credential_file).
    type: str
    env:
      - name: AZURE_PROFILE
  cloud_environment:
    description:
      - V(AzureCloud), V(AzureUSGovernment), V(AzureChinaCloud), or the https URL of a cloud's metadata endpoint.
    type: str
    default: AzureCloud
    env:
      - name: AZURE_CLOUD_ENVIRONMENT
  base_url:
    description:
      - Override the resource manager URL the cloud gives.
    type: str
    env:
      - name: AZURE_BASE_URL
  authority_host:
    description:
      - Override the login authority the cloud gives.
    type: str
    env:
      - name: AZURE_AUTHORITY_HOST
  ca_cert:
    description:
      - A PEM CA bundle to trust for every HTTPS connection. TLS is always verified.
    type: path
    env:
      - name: AZURE_CA_BUNDLE
  disable_instance_discovery:
    description:
      - Skip MSAL's authority discovery; by default skipped for authorities that are not the public clouds'.
    type: bool
    env:
      - name: AZURE_DISABLE_INSTANCE_DISCOVERY
  retry_total:
    description:
      - How many times azure-core retries a request.
    type: int
    default: 10
    env:
      - name: AZURE_RETRY_TOTAL
  retry_backoff_factor:
    description:
      - azure-core's exponential backoff factor between retries, in seconds.
    type: float
    default: 0.8
    env:
      - name: AZURE_RETRY_BACKOFF_FACTOR
  retry_backoff_max:
    description:
      - The longest single backoff between retries, in seconds.
    type: int
    default: 120
    env:
      - name: AZURE_RETRY_BACKOFF_MAX
  connection_timeout:
    description:
      - Seconds to wait for a connection to Azure.
    type: int
    default: 30
    env:
      - name: AZURE_CONNECTION_TIMEOUT
  read_timeout:
    description:
      - Seconds to wait for a response before the request is retried.
    type: int
    default: 120
    env:
      - name: AZURE_READ_TIMEOUT
  polling_interval:
    description:
      - Seconds between polls of a long-running operation when Azure does not say.
    type: float
    default: 5
notes:
  - In AWX, attach a "Microsoft Azure Resource Manager" credential to the inventory source; its variables are read
    as they are. Where an option has several variables, the last one listed that is set wins.
requirements:
  - python >= 3.9
  - azure-identity
  - azure-mgmt-compute >= 39.0.0
  - azure-mgmt-network
  - azure-mgmt-resource-subscriptions
'''
