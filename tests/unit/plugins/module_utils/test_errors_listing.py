# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError

from ansible_collections.vmss.fleet.plugins.module_utils import listing, records
from ansible_collections.vmss.fleet.plugins.module_utils.errors import from_azure


class FakeResponse(object):
    def __init__(self, status, body):
        self.status_code = status
        self.reason = "reason"
        self.headers = {"content-type": "application/json"}
        self._body = body
        self.request = None

    def text(self, encoding=None):
        return self._body

    def body(self):
        return self._body.encode()


def test_arm_error_keeps_status_code_target_and_first_line_only():
    body = ('{"error": {"code": "InvalidParameter", "target": "instanceIds", "message": '
            '"The provided instanceId 2143 is not an active Virtual Machine Scale Set VM instanceId."}}')
    exc = HttpResponseError(response=FakeResponse(400, body))
    error = from_azure(exc, "restarting instances of 'web'")
    assert (error.status, error.code, error.target) == (400, "InvalidParameter", "instanceIds")
    assert error.message.startswith("Azure refused the request while restarting instances of 'web' (InvalidParameter")
    assert "2143" in error.message and "\n" not in error.message
    assert error.to_result()["target"] == "instanceIds"


def test_not_found_maps_status():
    body = '{"error": {"code": "ResourceNotFound", "message": "The Resource was not found."}}'
    error = from_azure(ResourceNotFoundError(response=FakeResponse(404, body)), "reading 'x'")
    assert (error.status, error.code) == (404, "ResourceNotFound")


def test_credential_refusal_becomes_authentication_failed():
    error = from_azure(ClientAuthenticationError("AADSTS7000215: Invalid client secret provided."), "listing")
    assert error.code == "AuthenticationFailed"
    assert "AADSTS7000215" in error.message


@pytest.mark.parametrize("resource_id, group", [
    ("/subscriptions/s/resourceGroups/RG-1/providers/Microsoft.Compute/virtualMachineScaleSets/x", "RG-1"),
    ("/subscriptions/s/resourcegroups/rg2/providers/Microsoft.Compute/virtualMachines/y", "rg2"),
])
def test_resource_group_of(resource_id, group):
    assert listing.resource_group_of(resource_id) == group


def test_orchestration_mode_defaults_to_uniform():
    assert records.orchestration_mode({"properties": {}}) == "Uniform"
    assert records.orchestration_mode({"properties": {"orchestrationMode": "Flexible"}}) == "Flexible"


def test_run_bounded_keeps_order_and_bound():
    import threading
    import time

    active, peak, lock = [0], [0], threading.Lock()
    bound_reached = threading.Event()

    def work(item):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            if active[0] == 3:
                bound_reached.set()
        # The first items hold their thread until three run at once, so the bound is reached whenever the
        # pool really runs in parallel (and the wait times out, failing the test, when it does not).
        if item < 3:
            bound_reached.wait(2)
        time.sleep(0.005)
        with lock:
            active[0] -= 1
        return item * 2

    assert listing.run_bounded(work, range(20), 3) == [i * 2 for i in range(20)]
    assert bound_reached.is_set()
    assert peak[0] == 3


def test_timeouts_are_reported_as_timeouts_not_refusals():
    from azure.core.exceptions import ServiceRequestTimeoutError, ServiceResponseTimeoutError

    slow = from_azure(ServiceResponseTimeoutError("Read timed out. (read timeout=1)"), "listing scale sets")
    assert slow.code == "ResponseFailed" and "did not answer in time" in slow.message
    unreachable = from_azure(ServiceRequestTimeoutError("Connection timed out"), "listing scale sets")
    assert unreachable.code == "ConnectionFailed" and "Could not reach Azure" in unreachable.message


def test_failed_provisioning_status_keeps_azures_error_code():
    from ansible_collections.vmss.fleet.plugins.module_utils.waiter import failure_message

    record = {"instance_view": {"statuses": [
        {"code": "ProvisioningState/failed/AllocationFailed", "message": "Allocation failed. Try again later."}]}}
    assert failure_message(record) == "AllocationFailed: Allocation failed. Try again later."
