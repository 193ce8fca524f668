# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The few lines every module's ``main()`` shares: argument spec, SDK check, clients, one error path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vmss.fleet.plugins.module_utils.auth import module_argument_spec, settings_from_params
from ansible_collections.vmss.fleet.plugins.module_utils.clients import AzureClients, missing_sdk
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, internal_error, scrub


def new_module(argument_spec, **kwargs):
    """An AnsibleModule with the module's own options plus auth and connection options."""
    spec = module_argument_spec()
    spec.update(argument_spec)
    kwargs.setdefault("supports_check_mode", True)
    return AnsibleModule(argument_spec=spec, **kwargs)


def run(module, body):
    """Check the SDK, build clients, call ``body(module, clients)`` and exit with its result dict.

    Every FleetError becomes a failure carrying Azure's status, code and target; any other exception is a bug,
    reported as an internal error naming its type. Both are scrubbed of the secrets the options carry.
    """
    missing = missing_sdk()
    if missing:
        module.fail_json(msg=missing_required_lib(missing[0]), exception=missing[1])
    settings = settings_from_params(module.params)
    result, failure = _perform(module, body, settings)
    if failure is not None:
        # Outside any except block: ansible-core would attach the pending exception's traceback to the result.
        module.fail_json(**scrub(failure.to_result(), settings.secrets()))
    module.exit_json(**result)


def _perform(module, body, settings):
    """(result, None), or (None, the FleetError to report)."""
    clients = None
    try:
        clients = AzureClients(settings)
        return body(module, clients), None
    except FleetError as exc:
        return None, exc
    except Exception as exc:  # pylint: disable=broad-except
        # The one catch-all of every module: a bug is reported as one, never as Azure's answer.
        return None, internal_error(exc)
    finally:
        if clients is not None:
            clients.close()
