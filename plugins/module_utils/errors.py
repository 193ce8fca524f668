# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One domain error for everything that can go wrong talking to Azure, and one layer that makes it.

Code that calls the Azure SDK wraps the call in ``azure_errors(context)``: what azure-core and azure-identity
raise there becomes a ``FleetError`` keeping Azure's status, code and target. Nothing else is caught there, so a
bug in this collection is never reported as Azure refusing a request. Modules (``module_runner.run``) and the
inventory plugin (``parse``) catch ``FleetError`` for the user's message and, last, anything else as an
``internal_error``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from contextlib import contextmanager

INTERNAL_ERROR = "InternalError"


class FleetError(Exception):
    """A failure worth reporting to the user, with Azure's details when there are any."""

    def __init__(self, message, status=None, code=None, target=None, details=None):
        super(FleetError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.target = target
        self.details = details or []

    def to_result(self):
        """The keys a module adds to its failure result."""
        result = {"msg": self.message}
        for key in ("status", "code", "target"):
            value = getattr(self, key)
            if value is not None:
                result[key] = value
        if self.details:
            result["details"] = self.details
        return result


def _error_fields(exc):
    """Status, code, target, message and details from an azure-core exception, where present."""
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
    odata = getattr(exc, "error", None)
    code = getattr(odata, "code", None)
    target = getattr(odata, "target", None)
    message = getattr(odata, "message", None)
    details = []
    for detail in getattr(odata, "details", None) or []:
        details.append({"code": getattr(detail, "code", None), "message": getattr(detail, "message", None),
                        "target": getattr(detail, "target", None)})
    if not message:
        message = getattr(exc, "message", None) or str(exc)
    return status, code, target, _first_line(message), details


def _first_line(text):
    # azure-core appends request/response dumps after the first line; users need the first line only.
    lines = str(text).strip().splitlines() if text is not None else []
    return lines[0] if lines else ""


def from_azure(exc, context):
    """Translate an exception raised by azure-core / azure-identity into a FleetError.

    ``context`` says what we were doing ("listing scale sets in resource group 'rg1'").
    """
    if isinstance(exc, FleetError):
        return exc
    kind = type(exc).__name__
    # Timeouts are subclasses (ServiceResponseTimeoutError...): match on every class the exception is.
    kinds = set(cls.__name__ for cls in type(exc).__mro__)
    if kind == "ClientAuthenticationError" and getattr(exc, "status_code", None) is None \
            and getattr(exc, "response", None) is None:
        # Raised by azure-identity before any ARM call: the credential itself was refused.
        return FleetError("Authentication failed while %s: %s" % (context, _first_line(exc.message or str(exc))),
                          code="AuthenticationFailed")
    if "ServiceRequestError" in kinds:
        return FleetError("Could not reach Azure while %s: %s" % (context, _first_line(str(exc))),
                          code="ConnectionFailed")
    if "ServiceResponseError" in kinds:
        return FleetError("Azure did not answer in time while %s: %s" % (context, _first_line(str(exc))),
                          code="ResponseFailed")
    status, code, target, message, details = _error_fields(exc)
    prefix = "Azure refused the request while %s" % context
    if code:
        prefix += " (%s%s)" % (code, ", status %s" % status if status else "")
    elif status:
        prefix += " (status %s)" % status
    return FleetError("%s: %s" % (prefix, message), status=status, code=code, target=target, details=details)


def _azure_error_types():
    """azure-core's base exception (every error of azure-core, azure-mgmt-* and azure-identity derives from it).

    Imported when an exception is being matched, so that importing this file never needs the SDK.
    """
    try:
        from azure.core.exceptions import AzureError
    except ImportError:
        return ()
    return (AzureError,)


@contextmanager
def azure_errors(context):
    """Turn azure-core / azure-identity exceptions raised in the block into a FleetError about ``context``.

    ``context`` says what the block does ("listing scale sets in resource group 'rg1'"). A FleetError passes
    unchanged; any other exception is not Azure's and passes unchanged too, to be reported as internal.
    """
    try:
        yield
    except FleetError:
        raise
    except _azure_error_types() as exc:
        raise from_azure(exc, context)


def internal_error(exc):
    """The FleetError for an exception that is not Azure's: a bug to report, named by its type, on one line."""
    return FleetError("internal error in vmss.fleet: %s: %s, please report" % (type(exc).__name__, _first_line(exc)),
                      code=INTERNAL_ERROR)


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
