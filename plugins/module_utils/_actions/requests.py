# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only writes: one POST per planned request; its long-running operation is followed by azure-core's poller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmss.fleet.plugins.module_utils._actions.options import REIMAGE_OPTIONS
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, azure_errors

# Azure's single-VM reimage (Flexible members) has no forceUpdateOSDiskForEphemeral.
SINGLE_VM_REIMAGE_OPTIONS = ("temp_disk", "exact_version")


def request_body(request, reimage_options):
    """The JSON body of a request, or None when the operation takes none."""
    if request["scope"] == "scale_set":
        body = {"instanceIds": list(request["instance_ids"])}
        if request["operation"] == "reimage":
            for name, value in reimage_options.items():
                body[REIMAGE_OPTIONS[name]] = value
        return body
    if request["operation"] == "reimage":
        body = dict((REIMAGE_OPTIONS[name], value) for name, value in reimage_options.items()
                    if name in SINGLE_VM_REIMAGE_OPTIONS)
        return body or None
    return None


def _operation_call(compute, request, reimage_options):
    """The SDK method of a planned request and its keyword arguments."""
    operation = request["operation"]
    body = request_body(request, reimage_options)
    if request["scope"] == "scale_set":
        operations = compute.virtual_machine_scale_sets
        keyword = "vm_scale_set_reimage_input" if operation == "reimage" else "vm_instance_i_ds"
        args = {keyword: body}
    else:
        operations = compute.virtual_machines
        args = {"parameters": body} if operation == "reimage" else {}
    return getattr(operations, "begin_" + operation), args


def _context(request):
    return "requesting %s of %s" % (request["operation"], ", ".join(request["instances"]))


def _with_lost_answer_hint(error):
    if error.code == "ResponseFailed":
        # Sent, but the answer was lost; azure-core never resends a POST, and neither does this module.
        error.message += " The request may have been carried out: check the instance before acting on it again."
    return error


def send_request(compute, request, reimage_options):
    """POST one operation without polling it (``wait: false``).

    Returns the seconds Azure's answer asks a client to wait before looking at the operation again
    (``Retry-After``), or None when it does not say.
    """
    method, args = _operation_call(compute, request, reimage_options)
    answered = {}

    def keep_retry_after(response):
        answered["retry_after"] = response.http_response.headers.get("Retry-After")

    try:
        with azure_errors(_context(request)):
            method(request["resource_group"], request["name"], polling=False, raw_response_hook=keep_retry_after,
                   **args)
    except FleetError as error:
        raise _with_lost_answer_hint(error)
    return retry_after_seconds(answered.get("retry_after"))


def begin_request(compute, request, reimage_options, polling_interval, polling=True):
    """POST one operation and return azure-core's poller of it: the operation itself says when it is done.

    The poller follows Azure's ``Azure-AsyncOperation`` / ``Location`` headers at the pace ``Retry-After``
    asks, or every ``polling_interval`` seconds when the answer does not say; ``polling`` may be an azure-core
    polling method of the caller's instead. A refused POST raises FleetError.
    """
    method, args = _operation_call(compute, request, reimage_options)
    try:
        with azure_errors(_context(request)):
            return method(request["resource_group"], request["name"], polling=polling,
                          polling_interval=polling_interval, **args)
    except FleetError as error:
        raise _with_lost_answer_hint(error)


def retry_after_seconds(value):
    """``Retry-After`` in seconds; None when absent, zero (azure-core reads 0 as absent too) or an HTTP date."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


def is_stale_batch(request, error):
    """Azure's answer to a scale-set request naming an instance ID it no longer has (scaled in meanwhile):
    400 InvalidParameter on ``instanceIds``, and nothing in the batch was done."""
    return (request["scope"] == "scale_set" and error.status == 400 and error.code == "InvalidParameter"
            and (error.target or "").lower() == "instanceids")
