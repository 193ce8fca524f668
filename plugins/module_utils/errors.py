# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One domain error for everything that can go wrong talking to Azure.

Modules and the inventory plugin catch only ``FleetError``; everything the Azure
SDK raises is translated here, once, keeping Azure's status, code and target.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


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
    return str(text).strip().splitlines()[0] if text else ""


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
