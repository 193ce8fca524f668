"""Acceptance 4: Compute's throttling, with its headers and 429 body, and azure-core recovering from it.

The emulator is started with `--throttle on`; each test shrinks the buckets it needs through the control API.
A bucket is [capacity, window seconds] and refills at capacity/window tokens per second.
"""

import json

import pytest
import requests

from arm_emulator.testing import ARM_SCOPE, EmulatorProcess, sdk_clients

from _fidelity_estate import SAMPLE_ESTATE, load_estate, requests_to, scale_set_with

RG, SCALE_SET = scale_set_with(load_estate(), mode="Uniform")
SCALE_SET_POLICIES = ("GetVMScaleSet3Min", "GetVMScaleSet30Min")
NO_REFILL = 10**7  # a window so long that no token comes back while a test runs


@pytest.fixture(scope="module")
def emulator():
    with EmulatorProcess(SAMPLE_ESTATE, extra_args=["--throttle", "on"]) as emu:
        yield emu


@pytest.fixture(autouse=True)
def fresh_buckets(emulator):
    emulator.reset()  # back to the start-up settings (throttle on, default buckets), full buckets


@pytest.fixture(scope="module")
def clients(emulator):
    return sdk_clients(emulator.ready, polling_interval=0.1)


def scale_set_url(emulator, subscription_id):
    return (f"{emulator.endpoint}/subscriptions/{subscription_id}/resourceGroups/{RG}/providers/"
            f"Microsoft.Compute/virtualMachineScaleSets/{SCALE_SET}?api-version=2026-04-01")


def parse_remaining(header: str) -> dict[str, int]:
    """`Microsoft.Compute/GetVMScaleSet3Min;197,Microsoft.Compute/GetVMScaleSet30Min;1297` -> {policy: count}."""
    pairs = (item.split(";") for item in header.split(","))
    return {policy.strip(): int(count) for policy, count in pairs}


def test_parse_remaining_reads_every_policy():
    assert parse_remaining("Microsoft.Compute/GetVMScaleSet3Min;197,Microsoft.Compute/GetVMScaleSet30Min;1297") == {
        "Microsoft.Compute/GetVMScaleSet3Min": 197, "Microsoft.Compute/GetVMScaleSet30Min": 1297}


def test_remaining_counts_decrease_by_one_per_request(emulator, clients):
    emulator.settings(throttle_buckets={"GetVMScaleSet3Min": [50, NO_REFILL], "GetVMScaleSet30Min": [90, NO_REFILL],
                                        "subscription-reads": [400, NO_REFILL]})
    seen = []

    def keep_headers(pipeline_response):
        seen.append(pipeline_response.http_response.headers)

    for _unused in range(4):
        clients.compute.virtual_machine_scale_sets.get(RG, SCALE_SET, raw_response_hook=keep_headers)

    resource = [parse_remaining(headers["x-ms-ratelimit-remaining-resource"]) for headers in seen]
    reads = [int(headers["x-ms-ratelimit-remaining-subscription-reads"]) for headers in seen]
    assert resource == [{"Microsoft.Compute/GetVMScaleSet3Min": 50 - n, "Microsoft.Compute/GetVMScaleSet30Min": 90 - n}
                        for n in range(1, 5)]
    assert reads == [399, 398, 397, 396]


def test_burst_beyond_the_bucket_gets_429_with_compute_body(emulator, clients):
    emulator.settings(throttle_buckets={"GetVMScaleSet3Min": [3, NO_REFILL]})
    token = clients.credential.get_token(ARM_SCOPE).token
    url = scale_set_url(emulator, clients.subscription_id)
    with requests.Session() as session:  # raw calls: no retry policy between us and the 429
        session.headers["Authorization"] = f"Bearer {token}"
        answers = [session.get(url, verify=emulator.ca_bundle, timeout=10) for _unused in range(5)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    for throttled in answers[3:]:
        assert int(throttled.headers["Retry-After"]) >= 1
        error = throttled.json()["error"]
        assert error["code"] == "OperationNotAllowed"
        assert [detail["code"] for detail in error["details"]] == ["TooManyRequests"]
        # As Azure's throttling guide shows it: the bare policy name, no "Microsoft.Compute/" prefix.
        assert error["details"][0]["target"] == "GetVMScaleSet3Min"
        assert json.loads(error["details"][0]["message"])["operationGroup"] == "GetVMScaleSet3Min"


def test_sdk_retry_policy_recovers_from_429_without_the_caller_seeing_it(emulator, clients):
    # Two tokens, one back per second: the third and later calls are throttled with Retry-After: 1.
    emulator.settings(throttle_buckets={"GetVMScaleSet3Min": [2, 2]})
    emulator.clear_requests()

    names = [clients.compute.virtual_machine_scale_sets.get(RG, SCALE_SET).name for _unused in range(4)]

    assert names == [SCALE_SET] * 4
    statuses = [entry["status"] for entry in requests_to(emulator, f"/virtualMachineScaleSets/{SCALE_SET}")]
    assert statuses.count(200) == 4
    assert statuses.count(429) >= 1, "the burst must have been throttled"
    for position, status in enumerate(statuses):
        if status == 429:
            assert position + 1 < len(statuses), "every 429 must be retried"
