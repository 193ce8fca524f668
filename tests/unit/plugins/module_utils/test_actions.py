# -*- coding: utf-8 -*-
"""The pure parts of the instance action module: options, decisions, batches, requests, the waiter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import threading
import time

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from azure.core.exceptions import HttpResponseError

from ansible_collections.vmss.fleet.plugins.module_utils import actions
from ansible_collections.vmss.fleet.plugins.module_utils._actions.options import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
    ActionOptions,
    batch_length,
    parse_batch_size,
    parse_since,
)
from ansible_collections.vmss.fleet.plugins.module_utils._actions.plan import (
    PlannedAction,
    decide,
    decide_after_wait,
    diff_of,
    plan_actions,
    plan_requests,
)
from ansible_collections.vmss.fleet.plugins.module_utils._actions.requests import request_body
from ansible_collections.vmss.fleet.plugins.module_utils._actions.pacing import BatchEnd
from ansible_collections.vmss.fleet.plugins.module_utils._actions.run import ActionRun, EarlyRead
from ansible_collections.vmss.fleet.plugins.module_utils._actions.targets import check_reimage_targets, choose_targets
from ansible_collections.vmss.fleet.plugins.module_utils._actions.verdicts import BatchWatch
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.waiter import Waiter, describe, is_busy

SUB = "/subscriptions/0000/resourceGroups/rg"
T0 = "2026-11-20T10:00:00Z"


def vmss_id(name):
    return "%s/providers/Microsoft.Compute/virtualMachineScaleSets/%s" % (SUB, name)


def record(name, mode="Uniform", instance_id=None, power="running", provisioning="succeeded", health=None,
           last_op="2026-11-19T08:00:00Z", os_disk="2026-11-18T08:00:00Z", ephemeral=False, scale_set=None,
           booted=None, data_disk=None, os_disk_name=None):
    """An instance record with the fields the action code reads; ``booted`` is the PowerState status time,
    ``data_disk`` the status time of a data disk the view lists before the OS disk."""
    scale_set = scale_set or name.rsplit("_", 1)[0]
    uniform = mode == "Uniform"
    instance_id = instance_id if instance_id is not None else (name.rsplit("_", 1)[1] if uniform else name)
    vm_id = ("%s/virtualMachines/%s" % (vmss_id(scale_set), instance_id) if uniform
             else "%s/providers/Microsoft.Compute/virtualMachines/%s" % (SUB, name))
    disks = [{"name": "%s_OsDisk" % name, "statuses": [{"code": "ProvisioningState/succeeded", "time": os_disk}]}]
    if data_disk:
        disks.insert(0, {"name": "%s_data0" % name,
                         "statuses": [{"code": "ProvisioningState/succeeded", "time": data_disk}]})
    result = {
        "name": name, "instance_id": instance_id, "id": vm_id, "scale_set": scale_set,
        "scale_set_id": vmss_id(scale_set), "resource_group": "rg", "orchestration_mode": mode,
        "power_state": power, "provisioning_state": provisioning, "health": health, "os_disk_ephemeral": ephemeral,
        "instance_view": {
            "statuses": [{"code": "ProvisioningState/%s" % provisioning, "time": last_op},
                         {"code": "PowerState/%s" % power, "time": booted}],
            "disks": disks,
        },
    }
    if os_disk_name:
        result["os_disk_name"] = os_disk_name
    return result


def options(**overrides):
    params = {"resource_group": "rg", "scale_set": ["web"], "instances": None, "all_instances": True,
              "state": "restarted", "since": None, "allow_missing": False, "batch_size": "100%", "pause": 0,
              "health_check": True,
              "max_failed": 0, "max_parallel": 10, "wait": True, "wait_timeout": 60, "polling_interval": 1,
              "temp_disk": None, "exact_version": None, "force_update_os_disk_for_ephemeral": None}
    params.update(overrides)
    return ActionOptions(params)


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("3", (3, False)), (3, (3, False)), ("25%", (25, True)), (" 50 % ", (50, True)), ("100%", (100, True)),
])
def test_batch_size_parses_counts_and_percentages(value, expected):
    assert parse_batch_size(value) == expected


@pytest.mark.parametrize("value", ["0", "0%", "101%", "-1", "1.5", "abc", "", None, "3 instances"])
def test_batch_size_rejects_bad_values_naming_them(value):
    with pytest.raises(FleetError) as raised:
        parse_batch_size(value)
    assert "batch_size" in raised.value.message and str(value) in raised.value.message


@pytest.mark.parametrize("size, targets, expected", [
    ("3", 10, 3), ("25%", 10, 2), ("50%", 6, 3), ("100%", 7, 7), ("10%", 5, 1), ("1%", 0, 1), ("20", 3, 20),
])
def test_batch_length_takes_a_percentage_of_the_targets_rounded_down_at_least_one(size, targets, expected):
    assert batch_length(size, targets) == expected


def test_since_is_parsed_as_utc_when_it_has_no_offset():
    assert parse_since("2026-11-20T10:00:00") == datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.timezone.utc)
    assert parse_since("2026-11-20T12:00:00+02:00") == parse_since(T0)
    assert parse_since(None) is None and parse_since("") is None


def test_since_rejects_what_is_not_a_timestamp():
    with pytest.raises(FleetError) as raised:
        parse_since("yesterday")
    assert "yesterday" in raised.value.message and "ISO 8601" in raised.value.message


def test_options_report_every_problem_at_once():
    with pytest.raises(FleetError) as raised:
        options(state="running", since="not-a-time", batch_size="0", max_parallel=0, all_instances=False,
                temp_disk=True)
    message = raised.value.message
    for fragment in ("instances", "batch_size", "since", "max_parallel", "temp_disk apply to state reimaged"):
        assert fragment in message
    assert message.endswith("Nothing was done.")


def test_since_with_a_converge_state_is_refused():
    with pytest.raises(FleetError, match="since applies to state restarted or reimaged only"):
        options(state="stopped", since=T0)


def spec_errors(**params):
    """What Ansible's own validation of the module's argument spec says about these parameters."""
    validator = ArgumentSpecValidator(ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                                      required_one_of=REQUIRED_ONE_OF)
    return " ".join(validator.validate(dict(resource_group="rg", scale_set=["web"], state="restarted",
                                            **params)).error_messages)


def test_the_argument_spec_makes_instances_and_all_instances_exclusive_and_one_required():
    assert "mutually exclusive: instances|all_instances" in spec_errors(instances=["1"], all_instances=True)
    assert "one of the following is required: instances, all_instances" in spec_errors()
    assert spec_errors(instances=["1"]) == "" and spec_errors(all_instances=True) == ""


def test_all_instances_false_or_an_empty_list_names_nothing():
    for given in ({"all_instances": False}, {"instances": [], "all_instances": None}):
        with pytest.raises(FleetError, match="give instances .* or all_instances: true"):
            options(**given)


# ---------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("state, power, operation", [
    ("running", "running", None), ("running", "stopped", "start"), ("running", "deallocated", "start"),
    ("stopped", "stopped", None), ("stopped", "deallocated", None), ("stopped", "running", "power_off"),
    ("deallocated", "deallocated", None), ("deallocated", "stopped", "deallocate"),
    ("deallocated", "running", "deallocate"),
    ("restarted", "running", "restart"), ("restarted", "stopped", "start"), ("restarted", "deallocated", "start"),
    ("reimaged", "running", "reimage"), ("reimaged", "deallocated", "reimage"),
])
def test_decide_converges_power_states_and_acts_for_actions(state, power, operation):
    chosen, reason = decide(record("web_1", power=power), state)
    assert chosen == operation
    assert reason


def test_restarted_since_skips_instances_that_became_running_at_or_after_it():
    since = parse_since(T0)
    assert decide(record("web_1", booted=T0), "restarted", since)[0] is None
    assert decide(record("web_1", booted="2026-11-20T11:00:00Z"), "restarted", since)[0] is None
    assert decide(record("web_1", booted="2026-11-20T09:59:59Z"), "restarted", since)[0] == "restart"
    skipped = decide(record("web_1", booted="2026-11-20T11:00:00Z"), "restarted", since)[1]
    assert "2026-11-20T11:00:00Z" in skipped and "since" in skipped


def test_restarted_since_is_not_satisfied_by_a_later_operation_that_kept_the_vm_running():
    # An extension install or model update moves the provisioning time, not the power-state time.
    since = parse_since(T0)
    assert decide(record("web_1", last_op="2026-11-21T00:00:00Z", booted="2026-11-19T00:00:00Z"),
                  "restarted", since)[0] == "restart"
    operation, reason = decide(record("web_1", last_op="2026-11-21T00:00:00Z"), "restarted", since)
    assert operation == "restart" and "no power-state time" in reason


def test_restarted_since_still_starts_an_instance_that_is_not_running():
    since = parse_since(T0)
    assert decide(record("web_1", power="stopped", last_op="2026-11-21T00:00:00Z"), "restarted", since)[0] == "start"


def test_reimaged_since_reads_the_os_disk_time():
    since = parse_since(T0)
    assert decide(record("web_1", os_disk=T0, last_op="2026-11-01T00:00:00Z"), "reimaged", since)[0] is None
    assert decide(record("web_1", os_disk="2026-11-19T00:00:00Z", last_op="2026-11-21T00:00:00Z"),
                  "reimaged", since)[0] == "reimage"


def test_reimaged_since_reads_the_os_disk_by_name_never_a_data_disk():
    since = parse_since(T0)
    recent_data_disk = dict(os_disk="2026-11-19T00:00:00Z", data_disk="2026-11-21T00:00:00Z")
    assert decide(record("web_1", **recent_data_disk), "reimaged", since)[0] == "reimage"
    assert decide(record("web_1", os_disk_name="web_1_OsDisk", **recent_data_disk), "reimaged", since)[0] \
        == "reimage"
    reimaged = dict(os_disk="2026-11-21T00:00:00Z", data_disk="2026-11-01T00:00:00Z")
    assert decide(record("web_1", os_disk_name="web_1_OsDisk", **reimaged), "reimaged", since)[0] is None
    # Without the OS disk's name, a view of several disks proves nothing: reimage rather than guess.
    assert decide(record("web_1", **reimaged), "reimaged", since)[0] == "reimage"


def test_a_failed_operation_after_since_is_not_counted_as_done():
    since = parse_since(T0)
    failed_restart = record("web_1", provisioning="failed", last_op="2026-11-21T00:00:00Z",
                            booted="2026-11-21T00:00:00Z")
    assert decide(failed_restart, "restarted", since)[0] == "restart"
    failed_reimage = record("web_1", provisioning="failed", os_disk="2026-11-21T00:00:00Z")
    assert decide(failed_reimage, "reimaged", since)[0] == "reimage"


def test_an_instance_that_booted_during_a_wait_counts_as_restarted():
    before = record("web_1", power="starting", provisioning="updating")
    operation, reason = decide_after_wait(before, record("web_1"), "restarted", booted=True)
    assert operation is None and "counts as restarted" in reason
    assert decide_after_wait(before, record("web_1", power="stopped"), "restarted", booted=True) == (None, None)


def test_an_operation_that_kept_the_instance_running_during_a_wait_is_no_restart():
    before = record("web_1", power="running", provisioning="updating")
    assert decide_after_wait(before, record("web_1"), "restarted", booted=False) == (None, None)


def test_an_instance_reimaged_while_waited_on_is_not_reimaged_again():
    before = record("web_1", power="starting", provisioning="updating", os_disk="2026-11-18T08:00:00Z")
    reimaged = record("web_1", os_disk="2026-11-20T12:00:00Z")
    restarted_only = record("web_1", os_disk="2026-11-18T08:00:00Z")
    assert decide_after_wait(before, reimaged, "reimaged")[1] is not None
    assert decide_after_wait(before, restarted_only, "reimaged") == (None, None)


def test_flexible_reimage_is_refused_for_managed_os_disks_naming_them():
    targets = [record("api_aa", mode="Flexible", ephemeral=True), record("old_bb", mode="Flexible"),
               record("old_cc", mode="Flexible"), record("web_1")]
    with pytest.raises(FleetError) as raised:
        check_reimage_targets(targets)
    assert "old_bb, old_cc" in raised.value.message and "api_aa" not in raised.value.message
    assert raised.value.code == "ReimageNotSupported"
    check_reimage_targets([targets[0], targets[3]])


# ---------------------------------------------------------------------------
# Plans, batches and requests
# ---------------------------------------------------------------------------

def test_plan_cuts_the_instances_to_act_on_into_batches_in_order():
    targets = [record("web_%d" % n) for n in (3, 5, 8, 13)] + [record("web_21", power="running",
                                                                      booted="2026-11-21T00:00:00Z")]
    actions_, skipped = plan_actions(targets, options(batch_size="2", since=T0))
    assert [(a.record["name"], a.batch) for a in actions_] == [
        ("web_3", 1), ("web_5", 1), ("web_8", 2), ("web_13", 2)]
    assert [s["instance"] for s in skipped] == ["web_21"]


def test_percent_batches_are_of_every_target_so_a_rerun_keeps_the_batch_size():
    targets = [record("web_%d" % n, booted=("2026-11-21T00:00:00Z" if n < 4 else "2026-11-01T00:00:00Z"))
               for n in range(8)]
    actions_, skipped = plan_actions(targets, options(batch_size="25%", since=T0))
    assert len(skipped) == 4
    assert [a.batch for a in actions_] == [1, 1, 2, 2]


def test_busy_instances_in_check_mode_are_reported_not_planned():
    targets = [record("web_1", power="starting", provisioning="updating"), record("web_2")]
    actions_, skipped = plan_actions(targets, options(), unsettled={targets[0]["id"].lower()})
    assert [a.record["name"] for a in actions_] == ["web_2"]
    assert skipped[0]["instance"] == "web_1" and "waits" in skipped[0]["reason"]


def test_waited_instances_are_judged_on_their_settled_records():
    before = record("web_1", power="starting", provisioning="updating")
    settled = [record("web_1"), record("web_2")]
    key = settled[0]["id"].lower()
    actions_, skipped = plan_actions(settled, options(), waited={key: before}, booted={key})
    assert [a.record["name"] for a in actions_] == ["web_2"]
    assert [s["instance"] for s in skipped] == ["web_1"]


def test_uniform_batch_is_one_request_per_scale_set_and_operation_with_instance_ids():
    batch = [PlannedAction(record("web_3"), "restart", "", 1), PlannedAction(record("web_9"), "restart", "", 1),
             PlannedAction(record("web_4", power="stopped"), "start", "", 1),
             PlannedAction(record("db_1"), "restart", "", 1)]
    requests = plan_requests(batch)
    assert [(r["scale_set"], r["operation"], r["instance_ids"]) for r in requests] == [
        ("web", "restart", ["3", "9"]), ("web", "start", ["4"]), ("db", "restart", ["1"])]
    assert requests[0]["path"] == vmss_id("web") + "/restart"
    assert all(r["scope"] == "scale_set" and r["method"] == "POST" for r in requests)


def test_flexible_batch_is_one_request_per_vm():
    batch = [PlannedAction(record("api_a1", mode="Flexible"), "power_off", "", 2),
             PlannedAction(record("api_b2", mode="Flexible"), "power_off", "", 2)]
    requests = plan_requests(batch)
    assert [r["instances"] for r in requests] == [["api_a1"], ["api_b2"]]
    assert requests[1]["path"].endswith("/providers/Microsoft.Compute/virtualMachines/api_b2/powerOff")
    assert [r["batch"] for r in requests] == [2, 2]


def test_reimage_bodies_carry_the_options_each_api_has():
    uniform = plan_requests([PlannedAction(record("web_3"), "reimage", "", 1)])[0]
    flexible = plan_requests([PlannedAction(record("api_a1", mode="Flexible"), "reimage", "", 1)])[0]
    chosen = {"temp_disk": True, "exact_version": "1.2.3", "force_update_os_disk_for_ephemeral": True}
    assert request_body(uniform, chosen) == {"instanceIds": ["3"], "tempDisk": True, "exactVersion": "1.2.3",
                                             "forceUpdateOSDiskForEphemeral": True}
    assert request_body(flexible, chosen) == {"tempDisk": True, "exactVersion": "1.2.3"}
    assert request_body(flexible, {}) is None
    restart = plan_requests([PlannedAction(record("web_3"), "restart", "", 1)])[0]
    assert request_body(restart, chosen) == {"instanceIds": ["3"]}


def test_diff_shows_power_and_provisioning_before_and_after():
    before = [record("web_1"), record("web_2", power="stopped")]
    after = {before[0]["id"].lower(): record("web_1", power="deallocated")}
    diff = diff_of(before, after)
    assert diff["before"]["web_2"] == {"power_state": "stopped", "provisioning_state": "succeeded"}
    assert diff["after"]["web_1"]["power_state"] == "deallocated"


# ---------------------------------------------------------------------------
# The waiter and the batch verdicts
# ---------------------------------------------------------------------------

class FakeClock(object):
    def __init__(self):
        self.now = 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_waiter_polls_until_every_key_has_a_verdict():
    clock = FakeClock()
    readings = iter([{"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 2, "b": 2}])
    waiter = Waiter(lambda keys: next(readings), timeout=100, interval=5, clock=clock.clock, sleep=clock.sleep,
                    now=lambda: "t%d" % clock.now)
    result = waiter.wait(["a", "b"], lambda key, value: "done" if value == 2 else None)
    assert not result.timed_out
    assert result.done == {"a": ("done", 2, "t5"), "b": ("done", 2, "t10")}


def test_waiter_stops_at_its_overall_timeout_and_reports_what_is_pending():
    clock = FakeClock()
    busy = record("web_4", power="starting", provisioning="updating", health="initializing")
    polls = []

    def read(keys):
        polls.append(list(keys))
        return {"web_4": busy}

    waiter = Waiter(read, timeout=12, interval=5, clock=clock.clock, sleep=clock.sleep)
    result = waiter.wait(["web_4", "web_9"], lambda key, value: None)
    assert clock.now == 12 and len(polls) == 4
    assert result.timed_out and set(result.pending) == {"web_4", "web_9"}
    report = result.pending_report()
    assert "web_4 (power starting, provisioning updating, health initializing)" in report
    assert "web_9 (no longer listed in its scale set)" in report


def test_waiter_polls_on_a_cadence_so_a_slow_read_shortens_the_pause():
    clock = FakeClock()
    sleeps = []
    polls = iter([None, None, "done"])

    def slow_read(keys):
        clock.now += 2          # each read takes 2 s
        return {"a": next(polls)}

    def sleep(seconds):
        sleeps.append(seconds)
        clock.sleep(seconds)

    Waiter(slow_read, timeout=100, interval=5, clock=clock.clock, sleep=sleep).wait(["a"], lambda k, v: v)
    assert sleeps == [3, 3]


def test_busy_means_updating_or_a_transitional_power_state():
    assert is_busy(record("w_1", provisioning="updating"))
    assert is_busy(record("w_1", power="deallocating"))
    assert not is_busy(record("w_1", power="stopped"))
    assert describe(None) == "no longer listed in its scale set"


def test_batch_watch_waits_for_the_operation_to_show_then_for_health():
    before = record("web_1", health="healthy")
    action = PlannedAction(before, "restart", "", 1)
    watch = BatchWatch([action], health_check=True)
    key = action.key
    assert watch.verdict(key, before) is None   # the restart has not shown yet
    assert watch.verdict(key, record("web_1", power="starting", provisioning="updating")) is None
    assert watch.verdict(key, record("web_1", health="initializing")) is None
    assert watch.operation_done(key, record("web_1", health="initializing"))
    assert watch.verdict(key, record("web_1", health="healthy")) == "succeeded"
    assert watch.verdict(key, None) == "gone"


def test_batch_watch_without_health_check_and_on_failure():
    before = record("web_1", health="healthy")
    action = PlannedAction(before, "restart", "", 1)
    watch = BatchWatch([action], health_check=False)
    moved = record("web_1", health="unhealthy", last_op="2026-11-22T00:00:00Z")
    assert watch.verdict(action.key, moved) == "succeeded"
    failed = record("web_1", provisioning="failed", last_op="2026-11-22T00:00:00Z")
    assert watch.verdict(action.key, failed) == "failed"


# ---------------------------------------------------------------------------
# Running batches against a fake compute client
# ---------------------------------------------------------------------------

class FakePoller(object):
    """What azure-core's LROPoller and the run's polling method offer the run: polling_method().follow(),
    finished(); ``error`` is what polling raised. The operation counts as in flight until it is followed."""

    def __init__(self, operations, error=None, ends=True):
        self.operations = operations
        self.error = error
        self.ends = ends

    def polling_method(self):
        return self

    def follow(self):
        time.sleep(self.operations.delay)
        with self.operations.lock:
            self.operations.in_flight -= 1
        if self.error is not None:
            raise self.error

    def finished(self):
        return self.ends


class FakeOperations(object):
    """Records begin_* calls; tracks how many operations were in flight at once (sent and not yet over)."""

    def __init__(self, refuse=(), delay=0.0, poll_error=None, ends=True):
        self.calls = []
        self.refuse = refuse
        self.delay = delay
        self.poll_error = poll_error
        self.ends = ends
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()

    def __getattr__(self, name):
        if not name.startswith("begin_"):
            raise AttributeError(name)

        def begin(group, name_, polling=True, **kwargs):
            kwargs.pop("polling_interval", None)
            with self.lock:
                self.calls.append((name, name_, kwargs, polling))
                if name_ in self.refuse:
                    raise FleetError("refused %s" % name_, status=409, code="OperationNotAllowed")
                if polling is False:
                    return None
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            return FakePoller(self, self.poll_error, self.ends)
        return begin


class FakeCompute(object):
    def __init__(self, **kwargs):
        self.virtual_machine_scale_sets = FakeOperations(**kwargs)
        self.virtual_machines = FakeOperations(**kwargs)


def settled_after(actions_, health=None, unhealthy=()):
    """A reader that shows every instance of the plan done (restarted: a newer ProvisioningState time)."""
    def read(keys):
        done = {}
        for action in actions_:
            name = action.record["name"]
            done[action.key] = record(name, mode=action.record["orchestration_mode"],
                                      health="unhealthy" if name in unhealthy else health,
                                      last_op="2026-11-22T00:00:00Z")
        return done
    return read


def make_run(compute, opts, actions_, **read_kwargs):
    clock = FakeClock()
    run = ActionRun(compute, [{"id": vmss_id("web"), "name": "web"}], opts, sleep=clock.sleep,
                    clock=clock.clock)
    run.read = settled_after(actions_, **read_kwargs)
    return run


def test_run_sends_one_uniform_request_per_batch_and_waits_for_each():
    targets = [record("web_%d" % n) for n in (1, 2, 3, 4, 5, 6)]
    opts = options(batch_size="3", pause=7)
    planned = plan_actions(targets, opts)[0]
    compute = FakeCompute()
    run = make_run(compute, opts, planned)
    assert run.execute(planned) is None
    calls = compute.virtual_machine_scale_sets.calls
    assert [(c[0], c[2]["vm_instance_i_ds"]["instanceIds"]) for c in calls] == [
        ("begin_restart", ["1", "2", "3"]), ("begin_restart", ["4", "5", "6"])]
    assert all(hasattr(c[3], "initialize") for c in calls)    # an azure-core polling method of the run's
    assert run.clock() == 7   # one pause, between the two batches
    assert all(a.outcome == "succeeded" and a.started and a.finished for a in planned)


def test_flexible_requests_never_exceed_max_parallel():
    targets = [record("api_%02x" % n, mode="Flexible", scale_set="api") for n in range(9)]
    opts = options(max_parallel=3)
    planned = plan_actions(targets, opts)[0]
    compute = FakeCompute(delay=0.05)
    run = make_run(compute, opts, planned)
    run.execute(planned)
    vms = compute.virtual_machines
    assert len(vms.calls) == 9 and vms.most_in_flight == 3


def test_the_run_stops_when_failures_exceed_max_failed_and_names_batch_and_instance():
    targets = [record("web_%d" % n, health="healthy") for n in range(6)]
    opts = options(batch_size="2", max_failed=0, wait_timeout=30)
    planned = plan_actions(targets, opts)[0]
    compute = FakeCompute()
    run = make_run(compute, opts, planned, health="healthy", unhealthy=("web_3",))
    stopped = run.execute(planned)
    assert "Stopped after batch 2 of 3" in stopped and "web_3 (batch 2, restart): unhealthy" in stopped
    assert [a.outcome for a in planned] == ["succeeded", "succeeded", "succeeded", "unhealthy",
                                            "not_started", "not_started"]
    assert len(compute.virtual_machine_scale_sets.calls) == 2


def test_failures_within_max_failed_are_warned_about_and_the_run_goes_on():
    targets = [record("web_%d" % n) for n in range(4)]
    opts = options(batch_size="2", max_failed=2)
    planned = plan_actions(targets, opts)[0]
    compute = FakeCompute(refuse=("web",))   # every scale-set request refused
    warnings = []
    run = make_run(compute, opts, planned)
    run.warn = warnings.append
    assert run.execute(planned) is not None   # 4 failures > 2
    opts = options(batch_size="2", max_failed=4)
    planned = plan_actions(targets, opts)[0]
    run = make_run(FakeCompute(refuse=("web",)), opts, planned)
    run.warn = warnings.append
    assert run.execute(planned) is None
    assert all(a.outcome == "failed" and "refused" in a.error for a in planned)
    assert "within max_failed (4)" in warnings[-1]


def test_a_timeout_names_the_pending_instances_and_what_they_are_doing():
    targets = [record("web_1"), record("web_2")]
    opts = options(wait_timeout=10)
    planned = plan_actions(targets, opts)[0]
    run = make_run(FakeCompute(), opts, planned)
    still_busy = record("web_2", power="starting", provisioning="updating")
    run.read = lambda keys: {planned[0].key: record("web_1", last_op="2026-11-22T00:00:00Z"),
                             planned[1].key: still_busy}
    stopped = run.execute(planned)
    assert stopped.startswith("wait_timeout (10s) exceeded in batch 1")
    assert "web_2 (power starting, provisioning updating)" in stopped and "web_1 (" not in stopped
    assert [a.outcome for a in planned] == ["succeeded", "timed_out"]


def test_action_failed_carries_the_result_for_the_module():
    error = actions.ActionFailed("stopped", {"changed": True, "actions": []})
    assert error.to_result() == {"msg": "stopped", "changed": True, "actions": []}


# ---------------------------------------------------------------------------
# Reads that fail during a wait; stale instance IDs; allow_missing
# ---------------------------------------------------------------------------

def test_waiter_rides_out_transient_read_failures_until_the_deadline():
    clock = FakeClock()
    answers = iter([FleetError("busy", status=503), FleetError("no answer", code="ResponseFailed"), {"a": 2}])

    def read(keys):
        answer = next(answers)
        if isinstance(answer, FleetError):
            raise answer
        return answer

    result = Waiter(read, timeout=100, interval=5, clock=clock.clock, sleep=clock.sleep).wait(
        ["a"], lambda key, value: "done" if value == 2 else None)
    assert result.done["a"][0] == "done" and result.read_error is None and clock.now == 10


def test_waiter_stops_at_once_on_a_permanent_read_failure_and_keeps_it():
    clock = FakeClock()
    calls = []

    def read(keys):
        calls.append(keys)
        raise FleetError("not allowed", status=403, code="AuthorizationFailed")

    result = Waiter(read, timeout=100, interval=5, clock=clock.clock, sleep=clock.sleep).wait(
        ["a"], lambda key, value: "done")
    assert len(calls) == 1 and clock.now == 0
    assert result.timed_out and result.read_error.code == "AuthorizationFailed"


class StaleOnce(FakeOperations):
    """The first scale-set request is refused as Azure refuses a scaled-in instance ID; later ones pass."""

    def __getattr__(self, name):
        begin = super(StaleOnce, self).__getattr__(name)

        def stale_first(group, name_, polling=True, **kwargs):
            answer = begin(group, name_, polling, **kwargs)
            if len(self.calls) == 1:
                raise FleetError("The provided instanceId 2 is not an active Virtual Machine Scale Set VM "
                                 "instanceId.", status=400, code="InvalidParameter", target="instanceIds")
            return answer
        return stale_first


def stale_run(allow_missing=False):
    targets = [record("web_%d" % n) for n in (1, 2, 3)]
    opts = options(allow_missing=allow_missing)
    planned = plan_actions(targets, opts)[0]
    compute = FakeCompute()
    compute.virtual_machine_scale_sets = StaleOnce()
    run = make_run(compute, opts, planned)
    done = settled_after(planned)
    run.read = lambda keys: dict((k, v) for k, v in done(keys).items() if k != planned[1].key)   # web_2 gone
    return run, planned, compute.virtual_machine_scale_sets.calls


def test_a_stale_instance_id_is_gone_and_the_rest_of_the_batch_is_sent_once_more():
    run, planned, calls = stale_run()
    stopped = run.execute(planned)
    assert [c[2]["vm_instance_i_ds"]["instanceIds"] for c in calls] == [["1", "2", "3"], ["1", "3"]]
    assert [a.outcome for a in planned] == ["succeeded", "gone", "succeeded"]
    assert "scale set 'web'" in planned[1].error
    assert "1 instance(s) failed, more than max_failed (0)" in stopped


def test_with_allow_missing_a_gone_instance_is_no_failure():
    run, planned, _calls = stale_run(allow_missing=True)
    assert run.execute(planned) is None
    assert [a.outcome for a in planned] == ["succeeded", "gone", "succeeded"]


def test_allow_missing_lists_unknown_identifiers_instead_of_failing():
    records = [record("web_1"), record("web_3")]
    scale_sets = [{"id": vmss_id("web"), "name": "web", "properties": {"orchestrationMode": "Uniform"}}]
    with pytest.raises(FleetError, match="'2' is not an instance"):
        choose_targets(records, scale_sets, options(all_instances=None, instances=["1", "2"]))
    chosen, missing = choose_targets(records, scale_sets,
                                     options(all_instances=None, instances=["1", "2"], allow_missing=True))
    assert [r["name"] for r in chosen] == ["web_1"] and missing == ["2"]


class StatusError(HttpResponseError):
    """What azure-core raises when polling ends: the status request's answer (200: the operation failed)."""

    def __init__(self, status_code, message):
        super(StatusError, self).__init__(message=message)
        self.status_code = status_code


def counting(read):
    calls = []

    def counted(keys):
        calls.append(sorted(keys))
        return read(keys)
    return counted, calls


def test_a_batch_whose_operation_ended_is_judged_from_one_read():
    targets = [record("web_1"), record("web_2")]
    opts = options()
    planned = plan_actions(targets, opts)[0]
    run = make_run(FakeCompute(), opts, planned)
    run.read, reads = counting(run.read)
    assert run.execute(planned) is None
    assert len(reads) == 1 and run.clock() == 0      # no poll of the listing, no sleep
    assert [a.outcome for a in planned] == ["succeeded", "succeeded"]


def test_health_still_coming_is_re_read_every_polling_interval():
    targets = [record("web_1", health="healthy")]
    opts = options(polling_interval=3)
    planned = plan_actions(targets, opts)[0]
    run = make_run(FakeCompute(), opts, planned)
    initializing = record("web_1", health="initializing", last_op="2026-11-22T00:00:00Z")
    answers = iter([initializing, initializing, record("web_1", health="healthy", last_op="2026-11-22T00:00:00Z")])
    run.read, reads = counting(lambda keys: {planned[0].key: next(answers)})
    assert run.execute(planned) is None
    assert len(reads) == 3 and run.clock() == 6 and planned[0].outcome == "succeeded"


def test_an_operation_azure_reports_failed_fails_its_instance_with_azures_reason():
    targets = [record("web_1")]
    opts = options()
    planned = plan_actions(targets, opts)[0]
    compute = FakeCompute(poll_error=StatusError(200, "The operation 'restart' failed: OSProvisioningTimedOut."))
    run = make_run(compute, opts, planned)
    run.read = lambda keys: {planned[0].key: targets[0]}     # the instance shows nothing of it
    stopped = run.execute(planned)
    assert planned[0].outcome == "failed" and "OSProvisioningTimedOut" in planned[0].error
    assert "web_1 (batch 1, restart): failed" in stopped


def test_an_operation_that_cannot_be_followed_is_judged_by_the_listing():
    targets = [record("web_1")]
    opts = options(polling_interval=2)
    planned = plan_actions(targets, opts)[0]
    run = make_run(FakeCompute(poll_error=StatusError(503, "Service Unavailable")), opts, planned)
    done = settled_after(planned)
    answers = iter([{planned[0].key: targets[0]}])          # the first read still shows the old state
    run.read, reads = counting(lambda keys: next(answers, None) or done(keys))
    assert run.execute(planned) is None
    assert len(reads) == 2 and run.clock() == 2 and planned[0].outcome == "succeeded"


def test_an_operation_not_over_at_wait_timeout_is_reported_pending():
    targets = [record("web_1")]
    opts = options(wait_timeout=0)
    planned = plan_actions(targets, opts)[0]
    run = make_run(FakeCompute(ends=False), opts, planned)
    run.read = lambda keys: {planned[0].key: record("web_1", power="starting", provisioning="updating")}
    stopped = run.execute(planned)
    assert stopped.startswith("wait_timeout (0s) exceeded in batch 1")
    assert planned[0].outcome == "timed_out"


def test_without_wait_requests_are_sent_and_not_followed():
    targets = [record("web_1"), record("web_2")]
    opts = options(wait=False, batch_size="1")
    planned = plan_actions(targets, opts)[0]
    compute = FakeCompute()
    run = make_run(compute, opts, planned)
    run.read, reads = counting(run.read)
    assert run.execute(planned) is None
    assert [c[3] for c in compute.virtual_machine_scale_sets.calls] == [False, False] and reads == []
    assert [a.outcome for a in planned] == ["requested", "requested"]


# ---------------------------------------------------------------------------
# Many scale sets: each its own batches, max_parallel_sets at once, one failure count
# ---------------------------------------------------------------------------

def fleet_targets(sets=("a", "b", "c"), per_set=4):
    return [record("%s_%d" % (name, n), scale_set=name) for name in sets for n in range(per_set)]


def test_with_max_parallel_sets_each_scale_set_gets_its_own_numbered_batches():
    targets = fleet_targets(per_set=4) + [record("d_0", scale_set="d")]
    actions_ = plan_actions(targets, options(batch_size="50%", max_parallel_sets=2))[0]
    assert [(a.record["name"], a.batch) for a in actions_ if a.record["scale_set"] in ("a", "d")] == [
        ("a_0", 1), ("a_1", 1), ("a_2", 2), ("a_3", 2), ("d_0", 1)]
    batches = [actions.batch_result(batch) for batch in actions.batches_of(actions_)]
    assert batches[:3] == [{"batch": 1, "scale_set": "a", "instances": ["a_0", "a_1"]},
                           {"batch": 2, "scale_set": "a", "instances": ["a_2", "a_3"]},
                           {"batch": 1, "scale_set": "b", "instances": ["b_0", "b_1"]}]
    # Without it, one sequence of batches over all targets, as before.
    legacy = plan_actions(targets, options(batch_size="50%"))[0]
    assert [a.batch for a in legacy] == [1] * 6 + [2] * 6 + [3] and "scale_set" not in actions.batch_result([legacy[0]])


class SlowReads(object):
    """A reader that holds each read until ``wanted`` reads run at once (or a second passes), and counts the
    most that ran at once."""

    def __init__(self, done, wanted):
        self.done = done
        self.wanted = wanted
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.reached = threading.Event()

    def __call__(self, keys):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            if self.running >= self.wanted:
                self.reached.set()
        self.reached.wait(1)
        with self.lock:
            self.running -= 1
        return self.done(keys)


def test_scale_sets_roll_side_by_side_up_to_max_parallel_sets():
    targets = fleet_targets(per_set=2)
    opts = options(batch_size="1", max_parallel_sets=2)
    planned = plan_actions(targets, opts)[0]
    run = make_run(FakeCompute(), opts, planned)
    reads = SlowReads(settled_after(planned), wanted=2)
    run.read = reads
    assert run.execute(planned) is None
    assert reads.most == 2 and all(a.outcome == "succeeded" for a in planned)


def test_one_failure_count_for_the_fleet_stops_every_scale_set():
    targets = fleet_targets(sets=("a", "b"), per_set=3)
    opts = options(batch_size="1", max_parallel_sets=2, max_failed=0)
    planned = plan_actions(targets, opts)[0]
    compute = FakeCompute(refuse=("a",))           # every request of scale set a is refused
    run = make_run(compute, opts, planned)
    stopped = run.execute(planned)
    assert "Stopped after batch 1 of scale set 'a' of 3" in stopped
    outcomes = dict((a.record["name"], a.outcome) for a in planned)
    assert outcomes["a_0"] == "failed" and outcomes["a_1"] == "not_started" and outcomes["a_2"] == "not_started"
    # b ran at most the batch it had started when a tripped the threshold, never all three
    assert list(outcomes[name] for name in ("b_0", "b_1", "b_2")).count("not_started") >= 2


def test_a_bug_while_following_an_operation_is_not_reported_as_azures():
    # Only azure-core's errors become FleetErrors; a bug reaches the module's catch-all as an internal error.
    targets = [record("web_1")]
    opts = options()
    planned = plan_actions(targets, opts)[0]
    run = make_run(FakeCompute(poll_error=TypeError("'NoneType' object is not callable")), opts, planned)
    with pytest.raises(TypeError):
        run.execute(planned)


# ---------------------------------------------------------------------------
# The early read, and threads kept per lane
# ---------------------------------------------------------------------------

def test_an_early_read_settles_only_what_azure_reported_done_and_the_record_shows():
    targets = [record("web_1"), record("web_2"), record("web_3")]
    opts = options()
    planned = plan_actions(targets, opts)[0]
    for action in planned:
        action.accepted = True
    run = make_run(FakeCompute(), opts, planned)
    run.read, reads = counting(run.read)
    keys = [action.key for action in planned]
    ended = {keys[0]: ("succeeded", None), keys[1]: ("succeeded", None), keys[2]: ("failed", "disk failed")}
    restarted = record("web_1", last_op="2026-11-22T00:00:00Z")
    early = ({keys[0]: restarted, keys[1]: record("web_2"), keys[2]: record("web_3", last_op="2026-11-22T00:00:00Z")},
             "2026-11-22T00:00:01Z")
    assert run.wait_for_batch(planned, run.clock() + 60, ended, early) is None
    # web_1 shows its restart: done from the early read. web_2's record is as before the request (read just
    # before the end): read again. web_3's operation failed by Azure's word: the early read does not settle it.
    assert reads == [sorted(keys[1:])]
    assert planned[0].outcome == "succeeded" and planned[0].finished == "2026-11-22T00:00:01Z"
    assert planned[1].outcome == "succeeded" and planned[1].finished != "2026-11-22T00:00:01Z"
    assert planned[2].finished != "2026-11-22T00:00:01Z"    # judged on the usual read, as without an early one


def test_the_early_read_goes_when_the_batch_should_be_over():
    end = BatchEnd(1)
    reads = []
    early = EarlyRead(lambda keys: reads.append((time.monotonic(), keys)) or {"k": "record"}, ["k"], end,
                      time.monotonic() + 30, time.monotonic)
    early.start()
    end.answered(0.1)
    answered_at = time.monotonic()
    time.sleep(0.3)
    records, _when = early.records()
    assert records == {"k": "record"} and reads[0][1] == ["k"]
    assert reads[0][0] >= answered_at + 0.1


def test_no_early_read_once_every_operation_was_seen_over_before_its_moment():
    end = BatchEnd(1)
    reads = []
    early = EarlyRead(lambda keys: reads.append(keys) or {}, ["k"], end, time.monotonic() + 30, time.monotonic)
    early.start()
    end.answered(20.0)
    assert early.records() is None and reads == []     # over sooner: the usual read follows at once


def test_an_early_read_that_fails_leaves_the_usual_read_to_do_it():
    end = BatchEnd(1)

    def failing(_keys):
        raise FleetError("throttled", status=429, code="TooManyRequests")

    early = EarlyRead(failing, ["k"], end, time.monotonic() + 30, time.monotonic)
    early.start()
    end.answered(0.0)
    time.sleep(0.05)
    assert early.records() is None


def test_a_lane_keeps_its_threads_from_one_batch_to_the_next():
    targets = [record("api_%02x" % n, mode="Flexible", scale_set="api") for n in range(6)]
    opts = options(max_parallel=2, batch_size="3")
    planned = plan_actions(targets, opts)[0]
    compute = FakeCompute(delay=0.01)
    threads = []
    begin = compute.virtual_machines.__getattr__("begin_restart")

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread())   # the objects: a thread's ident may be reused after it ends
        return begin(*args, **kwargs)

    compute.virtual_machines.begin_restart = recorded
    run = make_run(compute, opts, planned)
    assert run.execute(planned) is None
    assert len(threads) == 6 and sorted(set(a.batch for a in planned)) == [1, 2]
    assert len(set(threads)) <= 2 and threading.current_thread() not in threads   # two batches, the same two
