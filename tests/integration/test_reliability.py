# -*- coding: utf-8 -*-
"""Faults on purpose: the inventory plugin, instance_info and instance against the emulator's fault injection.

Every scenario runs the collection as a user would (ansible-inventory / ansible-playbook, with -vvv) against
one emulator on tests/emulator/estates/reliability-fleet.yml, reset between scenarios, and is judged on what
the run returned and on the emulator's request log:
  - the inventory returns every host, or fails naming what is missing (never silently fewer);
  - instance_info returns every instance, or fails naming what it could not read;
  - instance sends at most one operation per instance (never a second one while the first is in flight),
    reports an outcome for every instance, surfaces Azure's error code, and never waits past wait_timeout.

The runs are kept (``BOOK``): tests/integration/test_security.py checks the very same runs for leaked secrets
and tokens instead of running them again.

Write the figures into docs/reliability.md with
    RELIABILITY_REPORT=1 pytest -p no:cacheprovider tests/integration/test_reliability.py \\
        tests/integration/test_security.py tests/integration/test_bad_input.py
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import tempfile
import time

import pytest
import yaml

from harness import BIN, REPO, Run, WhenLogged, base_env, start_emulator

ESTATE = "reliability-fleet.yml"
RG = "rg-rel"
OPERATION_SECONDS = 0.5
PAGE_SIZE = 2
VERBOSE = ("-vvv",)
# What AWX sets for an inventory update: a source that fails to parse fails the update.
AWX_UPDATE_ENV = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "True"}
# Faster backoff between consecutive failures than the default 0.8 s: the suite must stay short.
QUICK_BACKOFF = {"retry_backoff_factor": 0.2}
# The VM lists of both modes: .../virtualMachineScaleSets/{set}/virtualMachines and .../virtualMachines.
VM_LISTS = r"/virtualMachines$"
ACTION_PATHS = r"/(restart|start|powerOff|deallocate|reimage)$"


# ---------------------------------------------------------------------------
# The emulator's request log
# ---------------------------------------------------------------------------

def arm(log):
    return [entry for entry in log if entry["path"].lower().startswith("/subscriptions")]


def is_next_page(entry):
    return any("skiptoken" in key.lower() for key in entry["query"])


def status_counts(log):
    """{"2xx": n, "429": n, "5xx": n, "401": n, "reset": n, "slow": n, ...} over ARM requests."""
    counts = {}
    for entry in arm(log):
        status = entry["status"]
        if entry["fault"] == "reset":
            key = "reset"
        elif status is None:
            key = "unanswered"
        elif status in (401, 404, 409, 429):
            key = str(status)
        else:
            key = "%dxx" % (status // 100)
        counts[key] = counts.get(key, 0) + 1
        if entry["fault"] == "slow":
            counts["slow"] = counts.get("slow", 0) + 1
    return counts


def operations_by_instance(log, vms):
    """{VM name: [POST entries that asked for an operation on it]} (only POSTs whose body or path names it)."""
    uniform = dict(((vm["scale_set"].lower(), vm["instance_id"]), vm["name"]) for vm in vms if vm["mode"] == "Uniform")
    found = {}
    for entry in arm(log):
        if entry["method"] != "POST" or not re.search(ACTION_PATHS, entry["path"], re.I):
            continue
        parts = entry["path"].split("/")
        if parts[-3].lower() == "virtualmachinescalesets":   # .../virtualMachineScaleSets/{set}/restart
            ids = (entry.get("body") or {}).get("instanceIds") or []
            names = [uniform.get((parts[-2].lower(), str(i)), "?") for i in ids]
        else:
            names = [parts[-2]]
        for name in names:
            found.setdefault(name, []).append(entry)
    return found


def assert_no_duplicate_operation(log, vms):
    """Each instance had at most one operation accepted, and was never sent one while busy (409)."""
    for name, entries in operations_by_instance(log, vms).items():
        accepted = [e for e in entries if e["status"] == 202]
        assert len(accepted) <= 1, "%s got %d operations: %s" % (name, len(accepted), entries)
        assert not [e for e in entries if e["status"] == 409], "%s was sent an operation while busy" % name


def wait_until_answered(emu, timeout=10.0):
    """Delayed requests are still served after the client gave up; let them finish before reading the log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not [e for e in emu.requests() if e["status"] is None and e["fault"] != "reset"]:
            return
        time.sleep(0.1)


# ---------------------------------------------------------------------------
# Running the collection
# ---------------------------------------------------------------------------

def run_inventory_verbose(emu, config, env_extra=None):
    """ansible-inventory -vvv --list on a config; ``Run.result`` is the inventory (read from --output)."""
    with tempfile.TemporaryDirectory() as workdir:
        source = os.path.join(workdir, "fleet.azure_vmss.yml")
        with open(source, "w") as handle:
            yaml.safe_dump(dict({"plugin": "vmss.fleet.azure_vmss"}, **config), handle)
        output = os.path.join(workdir, "inventory.json")
        command = [os.path.join(BIN, "ansible-inventory"), "-i", source, "--list", "--export", "--output", output]
        command += list(VERBOSE)
        completed = subprocess.run(command, env=base_env(dict(emu.env, **(env_extra or {}))), capture_output=True,
                                   text=True, timeout=300, cwd=workdir, check=False)
        run = Run(completed)
        if os.path.exists(output):
            with open(output) as handle:
                run.result = json.load(handle)
        return run


def hosts_of(run):
    return sorted(((run.result or {}).get("_meta") or {}).get("hostvars") or {})


def module(name, args, emu):
    """``ansible localhost -m vmss.fleet.<name> -a <args> -vvv``; ``Run.result`` is the module's result.

    Ad hoc rather than harness.run_module's two-task playbook: the same module run, a second faster (the
    suite has to stay short), and the tree callback keeps the result.
    """
    with tempfile.TemporaryDirectory() as tree:
        command = [os.path.join(BIN, "ansible"), "localhost", "-i", "localhost,", "-c", "local",
                   "-m", "vmss.fleet.%s" % name, "-a", json.dumps(args), "--tree", tree] + list(VERBOSE)
        completed = subprocess.run(command, env=base_env(emu.env), capture_output=True, text=True, timeout=300,
                                   cwd=REPO, check=False)
        run = Run(completed)
        path = os.path.join(tree, "localhost")
        if os.path.exists(path):
            with open(path) as handle:
                run.result = json.load(handle)
            # The tree callback leaves "failed" out; ansible's exit status (2: a host failed) carries it.
            run.result["failed"] = completed.returncode == 2
        return run


# ---------------------------------------------------------------------------
# Faults, applied to each of the three targets
# ---------------------------------------------------------------------------

class Fault(object):
    def __init__(self, name, title, arrange, evidence, options=None, trigger=None):
        self.name = name
        self.title = title            # what was done, for docs/reliability.md
        self.arrange = arrange        # emu -> None: settings and faults before the run
        self.evidence = evidence      # log -> entries proving the fault really happened
        self.options = options or {}  # connection options of the run
        self.trigger = trigger        # target -> (predicate, action) fired during the run, or None


def _throttle(emu):
    # Two requests per policy, refilled within a second: every burst of requests meets 429s.
    emu.settings(throttle=True, throttle_buckets=dict((policy, [2, 1]) for policy in (
        "GetVMScaleSet3Min", "HighCostGet3Min", "LowCostGet3Min", "VMScaleSetVMViews3Min", "VMScaleSetActions3Min",
        "UpdateVM3Min")))


def _server_errors(emu):
    burst = [{"pattern": VM_LISTS, "methods": ["GET"], "status": status, "code": code, "count": count,
              "message": "Injected %d." % status}
             for status, code, count in ((503, "ServiceUnavailable", 2), (500, "InternalServerError", 1),
                                         (502, "BadGateway", 1), (504, "GatewayTimeout", 1))]
    burst.append({"pattern": ACTION_PATHS, "methods": ["POST"], "status": 503, "code": "ServiceUnavailable",
                  "count": 1, "message": "Injected 503 on a write."})
    emu.faults(fail_paths=burst)


def _resets_in_paging(emu):
    emu.faults(fail_paths=[
        {"pattern": VM_LISTS, "query": "skiptoken", "methods": ["GET"], "reset": True, "count": 3},
        {"pattern": r"/networkInterfaces$", "query": "skiptoken", "methods": ["GET"], "reset": True, "count": 1}])


def _slow_lists(emu):
    emu.faults(fail_paths=[{"pattern": VM_LISTS, "methods": ["GET"], "delay_ms": 2500, "count": 2}])


def _latency(emu):
    # Long enough a run for the tokens to be revoked in the middle of it.
    emu.settings(latency_ms=150)


def _expire_tokens(emu):
    emu.expire_tokens()


def _token_trigger(target):
    if target == "instance":
        return (lambda e: e["method"] == "POST" and e["status"] == 202), _expire_tokens
    return (lambda e: e["method"] == "GET" and re.search(VM_LISTS, e["path"], re.I)), _expire_tokens


FAULTS = [
    Fault("throttling", "429 storm: Compute's throttling on, every bucket holds 2 requests and refills in 1 s "
          "(429 with Retry-After)", _throttle, lambda log: [e for e in arm(log) if e["status"] == 429]),
    Fault("server_errors", "5xx burst: the first 5 VM-list requests answer 503, 503, 500, 502, 504; the first "
          "operation request 503", _server_errors, lambda log: [e for e in arm(log) if (e["status"] or 0) >= 500]),
    Fault("resets_in_paging", "connection resets in the middle of paging: the first 3 next-page requests of VM lists "
          "and the first of NIC lists are reset (RST)", _resets_in_paging,
          lambda log: [e for e in arm(log) if e["fault"] == "reset" and is_next_page(e)]),
    Fault("slow_responses", "slow responses: the first 2 VM-list requests answer after 2.5 s, read_timeout is 1 s",
          _slow_lists, lambda log: [e for e in arm(log) if e["fault"] == "slow"], options={"read_timeout": 1}),
    Fault("token_expiry", "token expiry mid-run: every issued token is revoked once the run is under way (ARM "
          "answers 401 with the CAE challenge)", _latency, lambda log: [e for e in arm(log) if e["status"] == 401],
          trigger=_token_trigger),
]


# ---------------------------------------------------------------------------
# Scenarios and their outcomes (kept for test_security.py and the report)
# ---------------------------------------------------------------------------

class Outcome(object):
    """What one scenario did: its runs, the request log, the tokens issued so far, and a one-line summary."""

    def __init__(self, scenario, vms):
        self.scenario = scenario
        self.vms = vms
        self.runs = []
        self.log = []
        self.tokens = []
        self.fired = None
        self.summary = ""
        self.seconds = None

    @property
    def run(self):
        return self.runs[0]


class Scenario(object):
    def __init__(self, name, target, title, play):
        self.name = name
        self.target = target
        self.title = title
        self.play = play    # (emu, outcome) -> None: runs the collection, fills outcome.runs and .summary


def _with_trigger(emu, trigger, call):
    if trigger is None:
        return call(), None
    predicate, action = trigger
    with WhenLogged(emu, predicate, action) as watcher:
        result = call()
    return result, watcher.fired


def _fault_inventory(fault):
    def play(emu, outcome):
        config = dict(max_concurrency=4, **dict(QUICK_BACKOFF, **fault.options))
        trigger = fault.trigger("inventory") if fault.trigger else None
        run, outcome.fired = _with_trigger(emu, trigger, lambda: run_inventory_verbose(emu, config, AWX_UPDATE_ENV))
        outcome.runs.append(run)
        outcome.summary = "%d of %d hosts" % (len(hosts_of(run)), len(outcome.vms))
    return play


def _fault_instance_info(fault):
    def play(emu, outcome):
        args = dict(max_concurrency=4, **dict(QUICK_BACKOFF, **fault.options))
        trigger = fault.trigger("instance_info") if fault.trigger else None
        run, outcome.fired = _with_trigger(emu, trigger, lambda: module("instance_info", args, emu))
        outcome.runs.append(run)
        found = len((run.result or {}).get("instances") or [])
        outcome.summary = "%d of %d instances" % (found, len(outcome.vms))
    return play


ROLLING_SETS = ["vmss-rel-web", "vmss-rel-api"]


def _fault_instance(fault):
    def play(emu, outcome):
        args = dict(resource_group=RG, scale_set=ROLLING_SETS, all_instances=True, state="restarted",
                    polling_interval=1, **dict(QUICK_BACKOFF, **fault.options))
        trigger = fault.trigger("instance") if fault.trigger else None
        run, outcome.fired = _with_trigger(emu, trigger, lambda: module("instance", args, emu))
        outcome.runs.append(run)
        outcome.summary = describe_outcomes(run.result)
    return play


def describe_outcomes(result):
    counts = {}
    for action in (result or {}).get("actions") or []:
        counts[action["outcome"]] = counts.get(action["outcome"], 0) + 1
    return ", ".join("%d %s" % (count, outcome) for outcome, count in sorted(counts.items())) or "no actions"


TARGETS = (("inventory", _fault_inventory), ("instance_info", _fault_instance_info), ("instance", _fault_instance))

SCENARIOS = {}
for _fault in FAULTS:
    for _target, _make in TARGETS:
        _name = "%s/%s" % (_target, _fault.name)
        SCENARIOS[_name] = Scenario(_name, _target, _fault.title, _make(_fault))


def scenario(name, target, title):
    """Registers a scenario function ``(emu, outcome)`` under ``name``."""
    def register(play):
        SCENARIOS[name] = Scenario(name, target, title, play)
        return play
    return register


def _break_api_listing_and_group_network(emu):
    emu.faults(fail_paths=[
        {"pattern": r"/providers/Microsoft\.Compute/virtualMachines$", "query": "vmss-rel-api", "status": 500,
         "code": "InternalServerError", "message": "Injected permanent failure of the api list."},
        {"pattern": r"/resourceGroups/rg-rel/providers/Microsoft\.Network/networkInterfaces$", "status": 500,
         "code": "InternalServerError", "message": "Injected permanent failure of the NIC list."}])


@scenario("inventory/permanent_failure", "inventory", "a scale set's VM list and a resource group's NIC list fail "
          "every time (500): with fail_on_partial (default) and with fail_on_partial: false")
def _inventory_permanent_failure(emu, outcome):
    _break_api_listing_and_group_network(emu)
    quick = dict(retry_total=1, **QUICK_BACKOFF)
    outcome.runs.append(run_inventory_verbose(emu, quick, AWX_UPDATE_ENV))
    outcome.runs.append(run_inventory_verbose(emu, dict(quick, fail_on_partial=False)))
    outcome.summary = "default: failed naming both parts; fail_on_partial false: %d of %d hosts and a warning " \
                      "naming both" % (len(hosts_of(outcome.runs[1])), len(outcome.vms))


@scenario("instance_info/permanent_failure", "instance_info", "a scale set's VM list and a resource group's NIC list "
          "fail every time (500)")
def _info_permanent_failure(emu, outcome):
    _break_api_listing_and_group_network(emu)
    outcome.runs.append(module("instance_info", dict(retry_total=1, **QUICK_BACKOFF), emu))
    outcome.summary = "failed naming both parts" if (outcome.run.result or {}).get("failed") else "did not fail"


LRO_FAILURES = {"web": ("AllocationFailed", "Allocation failed. There is not enough capacity in the zone."),
                "api": ("OSProvisioningTimedOut", "OS provisioning did not finish in the allotted time.")}


@scenario("instance/failed_operation", "instance", "one long-running operation fails for a Uniform and for a "
          "Flexible VM of the first batch (AllocationFailed, OSProvisioningTimedOut)")
def _failed_operation(emu, outcome):
    web, api = by_set(outcome.vms, "vmss-rel-web"), by_set(outcome.vms, "vmss-rel-api")
    emu.faults(fail_operations={web[0]["name"]: {"code": LRO_FAILURES["web"][0], "message": LRO_FAILURES["web"][1]},
                                api[1]["name"]: {"code": LRO_FAILURES["api"][0], "message": LRO_FAILURES["api"][1]}})
    args = dict(resource_group=RG, scale_set=ROLLING_SETS, all_instances=True, state="restarted", batch_size="50%",
                polling_interval=1)
    outcome.runs.append(module("instance", args, emu))
    outcome.summary = describe_outcomes(outcome.run.result)


@scenario("instance/autoscale_churn", "instance", "autoscale churn: once the first operation is accepted, one "
          "instance being restarted and two instances of the next batch (one per mode) are deleted")
def _churn(emu, outcome):
    web, api = by_set(outcome.vms, "vmss-rel-web"), by_set(outcome.vms, "vmss-rel-api")
    targets = [web[0]["name"], api[0]["name"], web[1]["name"], api[1]["name"]]

    def scale_in(emu):
        emu.remove_instance("vmss-rel-web", web[0]["instance_id"], resource_group=RG)
        emu.remove_instance("vmss-rel-web", web[1]["instance_id"], resource_group=RG)
        emu.remove_instance("vmss-rel-api", api[1]["name"], resource_group=RG)

    def accepted_web(entry):
        return entry["method"] == "POST" and entry["status"] == 202 and "vmss-rel-web" in entry["path"]

    args = dict(resource_group=RG, scale_set=ROLLING_SETS, instances=targets, state="restarted", batch_size="2",
                max_failed=3, polling_interval=1)
    run, outcome.fired = _with_trigger(emu, (accepted_web, scale_in), lambda: module("instance", args, emu))
    outcome.runs.append(run)
    outcome.summary = describe_outcomes(run.result)


@scenario("instance/wait_timeout", "instance", "operations that take 30 s with wait_timeout: 3")
def _wait_timeout(emu, outcome):
    emu.settings(operation_seconds=30)
    args = dict(resource_group=RG, scale_set=ROLLING_SETS, all_instances=True, state="restarted", batch_size="50%",
                polling_interval=1, wait_timeout=3)
    outcome.runs.append(module("instance", args, emu))
    outcome.summary = describe_outcomes(outcome.run.result)


@scenario("instance/lost_write_response", "instance", "the answer to one operation request comes after 2.5 s, "
          "read_timeout is 1 s (the request is still carried out)")
def _lost_write_response(emu, outcome):
    api = by_set(outcome.vms, "vmss-rel-api")
    emu.faults(fail_paths=[{"pattern": "/virtualMachines/%s/restart$" % api[1]["name"], "methods": ["POST"],
                            "delay_ms": 2500, "count": 1}])
    args = dict(resource_group=RG, scale_set="vmss-rel-api", instances=[vm["name"] for vm in api[:3]],
                state="restarted", polling_interval=1, read_timeout=1)
    outcome.runs.append(module("instance", args, emu))
    outcome.summary = describe_outcomes(outcome.run.result)


def by_set(vms, scale_set):
    return [vm for vm in vms if vm["scale_set"] == scale_set]


class ScenarioBook(object):
    """Plays each scenario once on a shared emulator (reset in between) and keeps its outcome."""

    def __init__(self):
        self.outcomes = {}
        self.emu = None

    def emulator(self):
        if self.emu is None:
            self.emu = start_emulator(ESTATE, ["--operation-seconds", OPERATION_SECONDS, "--page-size", PAGE_SIZE])
            self.emu.start()
        return self.emu

    def outcome(self, name):
        if name not in self.outcomes:
            self.outcomes[name] = self._play(SCENARIOS[name])
        return self.outcomes[name]

    def _play(self, scenario_):
        emu = self.emulator()
        emu.reset()
        outcome = Outcome(scenario_, emu.vms())
        fault = dict((f.name, f) for f in FAULTS).get(scenario_.name.split("/", 1)[1])
        if fault is not None:
            fault.arrange(emu)
        started = time.monotonic()
        scenario_.play(emu, outcome)
        outcome.seconds = time.monotonic() - started
        wait_until_answered(emu)
        outcome.log = emu.requests()
        outcome.tokens = [token["token"] for token in emu.tokens()]
        return outcome

    def close(self):
        if self.emu is not None:
            self.emu.stop()
            self.emu = None


BOOK = ScenarioBook()


@pytest.fixture(scope="module")
def book():
    yield BOOK
    BOOK.close()
    if os.environ.get("RELIABILITY_REPORT"):
        write_report_section("scenarios", scenario_figures(BOOK))


# ---------------------------------------------------------------------------
# The fault matrix
# ---------------------------------------------------------------------------

def fault_ids():
    return [fault.name for fault in FAULTS]


@pytest.mark.parametrize("fault", fault_ids())
def test_inventory_returns_every_host_despite(book, fault):
    outcome = book.outcome("inventory/%s" % fault)
    assert outcome.run.rc == 0, outcome.run.stderr[-3000:]
    assert hosts_of(outcome.run) == sorted(vm["name"] for vm in outcome.vms)
    assert dict((f.name, f) for f in FAULTS)[fault].evidence(outcome.log), "the fault did not happen"
    assert outcome.fired in (None, True)


@pytest.mark.parametrize("fault", fault_ids())
def test_instance_info_returns_every_instance_despite(book, fault):
    outcome = book.outcome("instance_info/%s" % fault)
    result = outcome.run.result
    assert result is not None and not result.get("failed"), outcome.run.output[-3000:]
    assert sorted(r["name"] for r in result["instances"]) == sorted(vm["name"] for vm in outcome.vms)
    assert sum(s["instance_count"] for s in result["scale_sets"]) == len(outcome.vms)
    assert dict((f.name, f) for f in FAULTS)[fault].evidence(outcome.log), "the fault did not happen"
    assert outcome.fired in (None, True)


@pytest.mark.parametrize("fault", fault_ids())
def test_instance_restarts_every_instance_once_despite(book, fault):
    outcome = book.outcome("instance/%s" % fault)
    result = outcome.run.result
    assert result is not None and not result.get("failed"), outcome.run.output[-3000:]
    targets = [vm for vm in outcome.vms if vm["scale_set"] in ROLLING_SETS]
    assert sorted(a["instance"] for a in result["actions"]) == sorted(vm["name"] for vm in targets)
    assert set(a["outcome"] for a in result["actions"]) == {"succeeded"}
    operations = operations_by_instance(outcome.log, outcome.vms)
    for vm in targets:
        assert len([e for e in operations.get(vm["name"], []) if e["status"] == 202]) == 1, vm["name"]
    assert_no_duplicate_operation(outcome.log, outcome.vms)
    assert dict((f.name, f) for f in FAULTS)[fault].evidence(outcome.log), "the fault did not happen"
    assert outcome.fired in (None, True)


def test_token_expiry_was_answered_with_a_new_token(book):
    for target in ("inventory", "instance_info", "instance"):
        outcome = book.outcome("%s/token_expiry" % target)
        assert outcome.fired, target
        # after the 401s, requests with a fresh token succeeded
        first_401 = min(e["seq"] for e in arm(outcome.log) if e["status"] == 401)
        assert [e for e in arm(outcome.log) if e["seq"] > first_401 and e["status"] == 200], target


# ---------------------------------------------------------------------------
# Parts that keep failing are named, never dropped
# ---------------------------------------------------------------------------

def test_inventory_names_what_it_cannot_read_and_never_drops_hosts_silently(book):
    outcome = book.outcome("inventory/permanent_failure")
    failed, partial = outcome.runs
    assert failed.rc != 0 and hosts_of(failed) == []
    for text in (failed.stderr, partial.stderr):
        assert "scale set 'vmss-rel-api'" in text and "Injected permanent failure of the api list" in text
        assert "network of resource group 'rg-rel'" in text and "Injected permanent failure of the NIC list" in text
    assert partial.rc == 0, partial.stderr[-2000:]
    api = [vm["name"] for vm in by_set(outcome.vms, "vmss-rel-api")]
    assert hosts_of(partial) == sorted(vm["name"] for vm in outcome.vms if vm["name"] not in api)
    assert "missing from this inventory" in partial.stderr


def test_instance_info_fails_naming_what_it_cannot_read(book):
    outcome = book.outcome("instance_info/permanent_failure")
    result = outcome.run.result
    assert result["failed"] and "instances" not in result
    assert "scale set 'vmss-rel-api'" in result["msg"] and "Injected permanent failure of the api list" in result["msg"]
    assert "resource group 'rg-rel'" in result["msg"] and "Injected permanent failure of the NIC list" in result["msg"]


# ---------------------------------------------------------------------------
# Actions: failed operations, churn, wait_timeout, lost answers
# ---------------------------------------------------------------------------

def outcomes_of(result):
    return dict((action["instance"], action) for action in result["actions"])


def test_a_failed_operation_surfaces_azures_error_code_per_instance(book):
    outcome = book.outcome("instance/failed_operation")
    result = outcome.run.result
    web, api = by_set(outcome.vms, "vmss-rel-web"), by_set(outcome.vms, "vmss-rel-api")
    broken = {web[0]["name"]: LRO_FAILURES["web"], api[1]["name"]: LRO_FAILURES["api"]}
    assert result["failed"] and "Stopped after batch 1 of 2" in result["msg"]
    actions = outcomes_of(result)
    assert len(actions) == len(web) + len(api)
    for name, (code, message) in broken.items():
        assert actions[name]["outcome"] == "failed"
        assert code in actions[name]["error"] and message in actions[name]["error"]
        assert name in result["msg"] and code in result["msg"]
    first_batch = [a for a in result["actions"] if a["batch"] == 1]
    assert all(a["outcome"] == "succeeded" for a in first_batch if a["instance"] not in broken)
    assert all(a["outcome"] == "not_started" for a in result["actions"] if a["batch"] == 2)
    operations = operations_by_instance(outcome.log, outcome.vms)
    assert sorted(operations) == sorted(a["instance"] for a in first_batch)
    assert_no_duplicate_operation(outcome.log, outcome.vms)


def test_instances_deleted_by_autoscale_are_reported_and_never_retried(book):
    outcome = book.outcome("instance/autoscale_churn")
    assert outcome.fired
    result = outcome.run.result
    web, api = by_set(outcome.vms, "vmss-rel-web"), by_set(outcome.vms, "vmss-rel-api")
    actions = outcomes_of(result)
    assert actions[web[0]["name"]]["outcome"] == "gone"           # deleted while its restart was in flight
    assert actions[api[0]["name"]]["outcome"] == "succeeded"
    for vm in (web[1], api[1]):                                    # deleted between the listing and their batch
        assert actions[vm["name"]]["outcome"] in ("failed", "gone"), actions[vm["name"]]
        assert actions[vm["name"]]["error"]
    assert not result["failed"] and "3 instance(s) failed, within max_failed (3)" in outcome.run.output
    assert_no_duplicate_operation(outcome.log, outcome.vms)
    operations = operations_by_instance(outcome.log, outcome.vms)
    assert all(len(operations.get(vm["name"], [])) == 1 for vm in (web[0], api[0], web[1], api[1]))


def test_nothing_waits_past_wait_timeout(book):
    outcome = book.outcome("instance/wait_timeout")
    result = outcome.run.result
    assert result["failed"] and result["msg"].startswith("wait_timeout (3s) exceeded in batch 1")
    first = [a for a in result["actions"] if a["batch"] == 1]
    assert first and all(a["outcome"] == "timed_out" and a["instance"] in result["msg"] for a in first)
    assert all(a["outcome"] == "not_started" for a in result["actions"] if a["batch"] == 2)
    # It stopped polling: one poll a second for 3 s (plus the first and the final listing), per scale set.
    first_post = min(e["seq"] for e in arm(outcome.log) if e["method"] == "POST")
    polls = [e for e in arm(outcome.log) if e["seq"] > first_post and re.search(VM_LISTS, e["path"], re.I)
             and not is_next_page(e)]
    assert len(polls) <= 2 * 6, polls
    assert_no_duplicate_operation(outcome.log, outcome.vms)


def test_a_lost_answer_to_a_write_is_reported_and_never_sent_again(book):
    outcome = book.outcome("instance/lost_write_response")
    result = outcome.run.result
    api = by_set(outcome.vms, "vmss-rel-api")
    actions = outcomes_of(result)
    lost = actions[api[1]["name"]]
    assert lost["outcome"] == "failed" and "did not answer in time" in lost["error"]
    assert "may have" in lost["error"]
    assert [actions[vm["name"]]["outcome"] for vm in (api[0], api[2])] == ["succeeded", "succeeded"]
    operations = operations_by_instance(outcome.log, outcome.vms)
    assert len(operations[api[1]["name"]]) == 1      # azure-core does not resend a POST whose answer was lost
    assert_no_duplicate_operation(outcome.log, outcome.vms)


# ---------------------------------------------------------------------------
# docs/reliability.md
# ---------------------------------------------------------------------------

REPORT = os.path.join(REPO, "docs", "reliability.md")


def write_report_section(section, text):
    """Replace what is between ``<!-- {section}:start -->`` and ``<!-- {section}:end -->`` in the report."""
    with open(REPORT) as handle:
        document = handle.read()
    start, end = "<!-- %s:start -->" % section, "<!-- %s:end -->" % section
    before, _old, after = document.partition(start)
    _old, _end, after = after.partition(end)
    with open(REPORT, "w") as handle:
        handle.write("%s%s\n%s\n%s%s" % (before, start, text, end, after))


def scenario_figures(book):
    outcomes = [book.outcomes[name] for name in sorted(book.outcomes)]
    lines = [
        "Run of %s UTC: %d scenarios, %d runs, %d requests to the resource manager in all. \"answers\" counts "
        "the emulator's answers by status (`reset`: the connection was reset; `slow`: answered late on purpose); "
        "\"seconds\" is the scenario's wall time, ansible start-up included." % (
            time.strftime("%Y-%m-%d %H:%M", time.gmtime()), len(outcomes), sum(len(o.runs) for o in outcomes),
            sum(len(arm(o.log)) for o in outcomes)),
        "",
        "| scenario | what was done | ARM requests | answers | outcome | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        counts = status_counts(outcome.log)
        answers = ", ".join("%s: %d" % (key, counts[key]) for key in sorted(counts))
        row = (outcome.scenario.name, outcome.scenario.title, len(arm(outcome.log)), answers, outcome.summary,
               outcome.seconds)
        lines.append("| `%s` | %s | %d | %s | %s | %.1f |" % row)
    return "\n".join(lines)
