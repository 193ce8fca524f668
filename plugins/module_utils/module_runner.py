# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The few lines every module's ``main()`` shares: argument spec, SDK check, clients, one error path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vmss.fleet.plugins.module_utils.auth import module_argument_spec, settings_from_params
from ansible_collections.vmss.fleet.plugins.module_utils.clients import AzureClients, missing_sdk
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError


def scrub(value, secrets):
    """Replace any secret inside strings of a result (belt and braces on top of no_log)."""
    if not secrets:
        return value
    if isinstance(value, dict):
        return dict((key, scrub(item, secrets)) for key, item in value.items())
    if isinstance(value, list):
        return [scrub(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "********")
    return value


def new_module(argument_spec, **kwargs):
    """An AnsibleModule with the module's own options plus auth and connection options."""
    spec = module_argument_spec()
    spec.update(argument_spec)
    kwargs.setdefault("supports_check_mode", True)
    return AnsibleModule(argument_spec=spec, **kwargs)


def run(module, body):
    """Check the SDK, build clients, call ``body(module, clients)`` and exit with its result dict.

    Every FleetError becomes a failure carrying Azure's status, code and target.
    """
    missing = missing_sdk()
    if missing:
        module.fail_json(msg=missing_required_lib(missing[0]), exception=missing[1])
    settings = settings_from_params(module.params)
    clients = None
    try:
        clients = AzureClients(settings)
        result = body(module, clients)
    except FleetError as exc:
        module.fail_json(**scrub(exc.to_result(), settings.secrets()))
    finally:
        if clients is not None:
            clients.close()
    module.exit_json(**result)
