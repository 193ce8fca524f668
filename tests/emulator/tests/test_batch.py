"""ARM's ``POST /batch``: every inner request is answered as if it had been sent alone, and logged alone.

Requests are sent the way the azure.azcollection inventory plugin sends them: an azure-core PipelineClient with
a bearer-token policy, body ``{"requests": [{"httpMethod", "url", "name"}]}``, api-version 2015-11-01, inner
URLs absolute (as azure-core formats them) or relative, inner api-versions older than the SDK's.
"""

import json
import uuid

import pytest
from azure.core import PipelineClient
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, HeadersPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest

from arm_emulator.testing import ARM_SCOPE

from conftest import RG_FLEX, RG_UNIFORM, SUB_A, VMSS_UNIFORM

BATCH_API_VERSION = "2015-11-01"
COMPUTE = f"/subscriptions/{SUB_A}/resourceGroups/{RG_UNIFORM}/providers/Microsoft.Compute"
SCALE_SET = f"{COMPUTE}/virtualMachineScaleSets/{VMSS_UNIFORM}"


def pipeline(emu, with_token=True):
    policies = [HeadersPolicy()]
    if with_token:
        policies.append(BearerTokenCredentialPolicy(emu_credential(emu), ARM_SCOPE))
    return PipelineClient(base_url=emu.endpoint, policies=policies,
                          transport=RequestsTransport(connection_verify=emu.ca_bundle))


def emu_credential(emu):
    from azure.identity import ClientSecretCredential

    ready = emu.ready
    return ClientSecretCredential(ready["tenant_id"], ready["client_id"], ready["client_secret"],
                                  authority=ready["endpoint"], disable_instance_discovery=True,
                                  connection_verify=ready["ca_bundle"])


def inner(url, name=None):
    return {"httpMethod": "GET", "url": url, "name": name or str(uuid.uuid4())}


def absolute(client, url):
    return client.format_url(url)


def send_batch(client, requests, api_version=BATCH_API_VERSION):
    request = HttpRequest("POST", absolute(client, "/batch"), params={"api-version": api_version},
                          json={"requests": requests})
    response = client.send_request(request)
    return response.status_code, response.json()


def send_alone(client, url):
    response = client.send_request(HttpRequest("GET", absolute(client, url)))
    return response.status_code, response.json()


def logged_arm(emu):
    return [e for e in emu.requests() if e["path"].lower().startswith(("/subscriptions", "/batch"))]


@pytest.fixture
def client(emu):
    return pipeline(emu)


def test_inner_requests_are_answered_in_order_like_single_requests(emu, client):
    urls = [
        f"{emu.endpoint}{SCALE_SET}?api-version=2017-03-30",                  # absolute, an old api-version
        f"{SCALE_SET}/virtualMachines?api-version=2024-07-01",                # relative, a paged list
        f"{COMPUTE}/virtualMachineScaleSets/no-such-set?api-version=2024-07-01",
    ]
    names = ["scale-set", "vm-page", "missing"]
    expected = [send_alone(client, url) for url in urls]

    status, body = send_batch(client, [inner(url, name) for url, name in zip(urls, names)])

    assert status == 200
    items = body["responses"]
    assert [item["name"] for item in items] == names
    assert [(item["httpStatusCode"], item["content"]) for item in items] == expected
    assert items[2]["content"]["error"]["code"] == "ResourceNotFound"
    assert items[1]["content"]["nextLink"].startswith(emu.endpoint)   # a page follows like any other
    assert all(item["contentLength"] == len(json.dumps(item["content"], separators=(",", ":")))
               for item in items[:2])


def test_each_inner_request_is_logged_once_and_tagged_with_its_batch(emu, client):
    urls = [f"{SCALE_SET}?api-version=2024-07-01", f"{SCALE_SET}/virtualMachines?api-version=2024-07-01",
            f"/subscriptions/{SUB_A}/resourceGroups/{RG_FLEX}/providers/Microsoft.Compute/virtualMachines"
            f"?api-version=2024-07-01"]
    emu.clear_requests()

    send_batch(client, [inner(url) for url in urls])
    send_batch(client, [inner(urls[0])])

    log = logged_arm(emu)
    envelopes = [e for e in log if e["path"] == "/batch"]
    inner_entries = [e for e in log if e["path"] != "/batch"]
    assert len(envelopes) == 2 and all(e["method"] == "POST" and e["status"] == 200 for e in envelopes)
    assert sorted(e["path"] for e in inner_entries) == sorted(url.split("?", maxsplit=1)[0] for url in urls + urls[:1])
    assert all(e["status"] == 200 and e["query"]["api-version"] == "2024-07-01" and e["client_id"]
               for e in inner_entries)
    batch_ids = [e.get("batch") for e in inner_entries]
    assert None not in batch_ids and len(set(batch_ids)) == 2
    assert sorted(batch_ids.count(b) for b in set(batch_ids)) == [1, 3]


def test_inner_requests_are_throttled_one_by_one(emu, client):
    emu.settings(throttle=True, throttle_buckets={"GetVMScaleSet3Min": [2, 10**7]})
    status, body = send_batch(client, [inner(f"{SCALE_SET}?api-version=2024-07-01")] * 3)

    assert status == 200
    statuses = sorted(item["httpStatusCode"] for item in body["responses"])
    assert statuses == [200, 200, 429]
    throttled = next(item for item in body["responses"] if item["httpStatusCode"] == 429)
    assert int(throttled["headers"]["Retry-After"]) >= 1
    assert throttled["content"]["error"]["details"][0]["target"] == "GetVMScaleSet3Min"
    assert sorted(e["status"] for e in logged_arm(emu) if e["path"] != "/batch") == [200, 200, 429]


def test_inner_requests_keep_the_checks_of_single_requests(emu, client):
    nic = f"{SCALE_SET}/virtualMachines/{{iid}}/networkInterfaces/{VMSS_UNIFORM}-nic01"
    instance_id = emu.vms(scale_set=VMSS_UNIFORM)[0]["instance_id"]
    requests = [inner(f"{SCALE_SET}"),                                              # no api-version
                inner(nic.format(iid=instance_id) + "?api-version=2024-05-01"),    # Network's version
                inner(nic.format(iid=instance_id) + "?api-version=2018-10-01")]
    status, body = send_batch(client, requests)

    assert status == 200
    codes = [(item["httpStatusCode"], (item["content"].get("error") or {}).get("code")) for item in body["responses"]]
    assert codes == [(400, "MissingApiVersionParameter"), (400, "NoRegisteredProviderFound"), (200, None)]


def test_a_batch_needs_a_token_and_sends_nothing_without_one(emu):
    emu.clear_requests()
    status, body = send_batch(pipeline(emu, with_token=False), [inner(f"{SCALE_SET}?api-version=2024-07-01")])

    assert status == 401
    assert body["error"]["code"] == "AuthenticationFailed"
    assert [e["path"] for e in logged_arm(emu)] == ["/batch"]


@pytest.mark.parametrize("url", ["/_emulator/requests", "/batch?api-version=2015-11-01"])
def test_the_control_api_and_nested_batches_are_refused_inside_a_batch(emu, client, url):
    emu.clear_requests()
    status, body = send_batch(client, [inner(url)])

    assert status == 200
    assert body["responses"][0]["httpStatusCode"] == 400
    assert [e["path"] for e in logged_arm(emu)] == ["/batch"]


def test_malformed_and_oversized_batches_are_refused_before_any_inner_request(emu, client):
    emu.clear_requests()
    too_many = [inner(f"{SCALE_SET}?api-version=2024-07-01")] * 501
    assert send_batch(client, too_many)[0] == 400
    assert send_batch(client, [{"httpMethod": "GET"}])[0] == 400
    missing_version = client.send_request(HttpRequest("POST", absolute(client, "/batch"), json={"requests": []}))
    assert missing_version.status_code == 400
    assert missing_version.json()["error"]["code"] == "MissingApiVersionParameter"
    assert all(e["path"] == "/batch" for e in logged_arm(emu))
