"""ARM error bodies: ``{"error": {"code", "message", "target"?, "details"?}}``."""

import json

from aiohttp import web


class ArmError(Exception):
    """Raised anywhere in a handler; the server turns it into an ARM error response."""

    def __init__(self, status, code, message, target=None, details=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.headers = headers or {}

    def body(self):
        error = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}

    def response(self):
        headers = {"x-ms-failure-cause": "service"}
        headers.update(self.headers)
        return web.Response(status=self.status, text=json.dumps(self.body()),
                            content_type="application/json", headers=headers)


def not_found_resource(rtype, name, rg):
    return ArmError(404, "ResourceNotFound",
                    f"The Resource '{rtype}/{name}' under resource group '{rg}' was not found. "
                    "For more details please go to https://aka.ms/ARMResourceNotFoundFix")


def not_found_rg(rg):
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")


def not_found_subscription(sub):
    return ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")


def not_found(message="The requested resource does not exist."):
    return ArmError(404, "NotFound", message)


def operation_not_allowed(message, status=409):
    return ArmError(status, "OperationNotAllowed", message)


def invalid_parameter(message, target=None):
    return ArmError(400, "InvalidParameter", message, target=target)
