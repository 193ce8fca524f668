# -*- coding: utf-8 -*-
"""Bad input: every case must fail with a clear message that names the bad value, without a traceback and
without a single write to Azure.

The module cases run in ONE ansible-playbook run: each case is an inventory host (connection local) whose
variables carry the module and its arguments, so the cases run side by side (forks) and each has its own
registered result. The inventory plugin cases run in ONE ansible-inventory run with one source file per case.
Both runs talk to one emulator (tests/emulator/estates/reliability-fleet.yml); its request log shows that not
one POST reached the resource manager.

Write the figures into docs/reliability.md with
    RELIABILITY_REPORT=1 pytest -p no:cacheprovider tests/integration/test_bad_input.py
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import tempfile

import pytest
import yaml

from harness import BIN, ESTATES, base_env, run_playbook, start_emulator

ESTATE = "reliability-fleet.yml"
RG = "rg-rel"

# Placeholders in the table, filled from the emulator's own view of the estate (names are generated).
#   {web_id0} {web_name0}: the first instance of Uniform vmss-rel-web; {api_name0}: the first VM of Flexible
#   vmss-rel-api; {legacy_name0}: the first VM of vmss-rel-legacy (managed OS disk); {web_vm_resource_id}: the
#   resource id of {web_name0}; {sub}: the subscription.
# A failure message longer than this is not clear any more (the huge list case once printed 200,000 characters).
MESSAGE_LIMIT = 3000
HUGE = 3000
HUGE_LIST = ["vmss-rel-web_%d" % (100000 + n) for n in range(HUGE)]

I, INFO, FACTS, SETS = "instance", "instance_info", "instance_facts", "scaleset_info"
WEB = {"resource_group": RG, "scale_set": "vmss-rel-web"}


def web(**args):
    return dict(WEB, **args)


def restart(**args):
    return dict(WEB, state="restarted", **args)


def restart_all(**args):
    return dict(WEB, state="restarted", all_instances=True, **args)


# (case id, module, arguments, fragments the failure message must contain)
MODULE_CASES = [
    # -- instance: states, batch sizes, since ------------------------------------------------------------------
    ("unknown-state", I, web(all_instances=True, state="rebooted"), ["rebooted"]),
    ("batch-size-zero", I, restart_all(batch_size="0"), ["batch_size", "'0'"]),
    ("batch-size-negative", I, restart_all(batch_size="-2"), ["batch_size", "'-2'"]),
    ("batch-size-percent-over-100", I, restart_all(batch_size="150%"), ["batch_size", "'150%'"]),
    ("batch-size-words", I, restart_all(batch_size="two"), ["batch_size", "'two'"]),
    ("batch-size-list", I, restart_all(batch_size=[1, 2]), ["batch_size"]),
    ("since-malformed", I, restart_all(since="yesterday"), ["since", "'yesterday'"]),
    ("since-impossible-date", I, restart_all(since="2026-13-45T25:61:00Z"), ["since", "2026-13-45T25:61:00Z"]),
    ("since-with-a-converge-state", I, web(all_instances=True, state="running", since="2026-11-20T10:00:00Z"),
     ["since", "'running'"]),
    ("reimage-option-with-restart", I, restart_all(temp_disk=True), ["temp_disk", "reimaged"]),
    # -- instance: which instances ------------------------------------------------------------------------------
    ("instances-and-all-instances", I, restart(instances=["{web_id0}"], all_instances=True),
     ["instances", "all_instances"]),
    ("no-instances-at-all", I, restart(), ["instances", "all_instances"]),
    ("empty-instance-list", I, restart(instances=[]), ["instances", "all_instances"]),
    ("same-instance-twice", I, restart(instances=["{web_id0}", "{web_name0}"]),
     ["'{web_id0}'", "'{web_name0}'", "same instance"]),
    ("uniform-id-for-flexible-set", I, dict(resource_group=RG, scale_set="vmss-rel-api", instances=["0"],
                                            state="restarted"), ["'0'", "Flexible", "VM name"]),
    ("unknown-instance", I, restart(instances=["{web_name0}", "vmss-rel-web_99999"]), ["'vmss-rel-web_99999'"]),
    ("unicode-instance-name", I, restart(instances=[u"vmss-rel-w\u00e9b_1"]), [u"'vmss-rel-w\u00e9b_1'"]),
    ("huge-list-of-unknown-instances", I, restart(instances=HUGE_LIST),
     ["'%s'" % HUGE_LIST[0], "and %d more" % (HUGE - 10)]),
    ("reimage-flexible-managed-disk", I, dict(resource_group=RG, scale_set="vmss-rel-legacy", all_instances=True,
                                              state="reimaged"), ["{legacy_name0}", "ephemeral"]),
    # -- instance: scale sets and numbers ----------------------------------------------------------------------
    ("unicode-scale-set", I, dict(resource_group=RG, scale_set=u"vmss-r\u00ebl-web", all_instances=True,
                                  state="restarted"), [u"'vmss-r\u00ebl-web'"]),
    ("glob-matching-nothing", I, dict(resource_group=RG, scale_set="web-*", all_instances=True, state="restarted"),
     ["'web-*'"]),
    ("glob-with-open-bracket", I, dict(resource_group=RG, scale_set="vmss-rel-[web", all_instances=True,
                                       state="restarted"), ["'vmss-rel-[web'"]),
    ("unknown-resource-group", I, dict(resource_group="rg-nope", scale_set="vmss-rel-web", all_instances=True,
                                       state="restarted"), ["rg-nope"]),
    ("max-parallel-zero", I, restart_all(max_parallel=0), ["max_parallel", "0"]),
    ("max-failed-negative", I, restart_all(max_failed=-1), ["max_failed", "-1"]),
    ("wait-timeout-words", I, restart_all(wait_timeout="soon"), ["wait_timeout", "soon"]),
    ("all-instances-not-a-bool", I, web(all_instances="maybe", state="restarted"), ["all_instances", "maybe"]),
    ("missing-resource-group", I, dict(scale_set="vmss-rel-web", all_instances=True, state="restarted"),
     ["resource_group"]),
    ("unknown-option", I, restart_all(batch=3), ["batch"]),
    # -- connection and authentication options (shared by every module) ----------------------------------------
    ("unknown-auth-source", I, restart_all(auth_source="magic"), ["auth_source", "magic"]),
    ("polling-interval-zero", I, restart_all(polling_interval=0), ["polling_interval", "0"]),
    ("ca-bundle-missing", INFO, dict(resource_group=RG, ca_cert="/nonexistent/ca.pem"), ["/nonexistent/ca.pem"]),
    ("unknown-cloud", INFO, dict(resource_group=RG, cloud_environment="AzureMarsCloud"), ["AzureMarsCloud"]),
    ("cloud-metadata-over-http", INFO, dict(resource_group=RG,
                                            cloud_environment="http://127.0.0.1:9/metadata/endpoints"),
     ["http://127.0.0.1:9/metadata/endpoints", "https"]),
    ("validate-certs-is-not-an-option", INFO, dict(resource_group=RG, validate_certs=False), ["validate_certs"]),
    ("subscription-not-visible", INFO, dict(subscription_id="00000000-0000-0000-0000-00000000dead"),
     ["00000000-0000-0000-0000-00000000dead"]),
    # -- instance_info ---------------------------------------------------------------------------------------
    ("unknown-power-state", INFO, dict(resource_group=RG, power_state=["sleeping"]), ["sleeping"]),
    ("health-filter-without-instance-view", INFO, dict(resource_group=RG, instance_view=False, health=["healthy"]),
     ["health", "instance_view"]),
    ("max-concurrency-zero", INFO, dict(resource_group=RG, max_concurrency=0), ["max_concurrency", "0"]),
    ("empty-identifier", INFO, dict(resource_group=RG, instances=["{web_name0}", " "]), ["empty identifier"]),
    ("info-uniform-ids-for-flexible-set", INFO, dict(resource_group=RG, scale_set=["vmss-rel-api"],
                                                     instances=["0", "1"]), ["'0'", "'1'", "Flexible"]),
    ("info-single-uniform-id-for-flexible-set", INFO, dict(resource_group=RG, scale_set=["vmss-rel-api"],
                                                           instances=["7"]), ["'7'", "Flexible"]),
    ("info-same-vm-twice-in-other-case", INFO, dict(resource_group=RG, instances=["{api_name0}", "{api_name0_upper}"]),
     ["'{api_name0}'", "'{api_name0_upper}'", "same instance"]),
    # -- instance_facts --------------------------------------------------------------------------------------
    ("facts-id-and-name", FACTS, dict(id="{web_vm_resource_id}", scale_set="vmss-rel-web"), ["id", "scale_set"]),
    ("facts-incomplete-locator", FACTS, dict(scale_set="vmss-rel-web"), ["resource_group", "instance_id"]),
    ("facts-id-not-a-resource-id", FACTS, dict(id="vmss-rel-web-3"), ["vmss-rel-web-3"]),
    ("facts-id-of-a-nic", FACTS, dict(id="/subscriptions/{sub}/resourceGroups/rg-rel/providers/Microsoft.Network/"
                                         "networkInterfaces/nic-1"), ["networkInterfaces/nic-1"]),
    ("facts-instance-that-does-not-exist", FACTS, dict(resource_group=RG, scale_set="vmss-rel-web",
                                                       instance_id="99999"), ["'99999'"]),
    # -- scaleset_info ---------------------------------------------------------------------------------------
    ("sets-glob-matching-nothing", SETS, dict(resource_group=RG, name=["db-*"]), ["'db-*'"]),
    ("sets-tags-not-a-dict", SETS, dict(resource_group=RG, tags="app"), ["tags"]),
]

# (case id, inventory source options, fragments the failure message must contain)
INVENTORY_CASES = [
    ("inv-max-concurrency-zero", {"max_concurrency": 0}, ["max_concurrency", "0"]),
    ("inv-max-concurrency-words", {"max_concurrency": "many"}, ["max_concurrency", "many"]),
    ("inv-unknown-orchestration-mode", {"orchestration_modes": ["Hybrid"]}, ["orchestration_modes", "Hybrid"]),
    ("inv-bad-hostvars-prefix", {"hostvars_prefix": "9bad-"}, ["hostvars_prefix", "'9bad-'"]),
    ("inv-bad-group-prefix", {"group_prefix": "vm ss"}, ["group_prefix", "'vm ss'"]),
    ("inv-unknown-ansible-host-source", {"ansible_host_source": "ip"}, ["ansible_host_source", "ip"]),
    ("inv-glob-matching-nothing", {"scale_sets": ["nomatch-*"]}, ["'nomatch-*'"]),
    ("inv-unknown-resource-group", {"resource_groups": ["rg-nope"]}, ["rg-nope"]),
    ("inv-unknown-auth-source", {"auth_source": "magic"}, ["auth_source", "magic"]),
    ("inv-unknown-cloud", {"cloud_environment": "AzureMarsCloud"}, ["AzureMarsCloud"]),
    ("inv-retry-total-negative", {"retry_total": -1}, ["retry_total", "-1"]),
    ("inv-subscription-not-visible", {"subscriptions": ["00000000-0000-0000-0000-00000000dead"]},
     ["00000000-0000-0000-0000-00000000dead"]),
    ("inv-broken-filter-in-strict-mode", {"strict": True, "exclude_filters": ["vmss_power_state =="]},
     ["vmss_power_state =="]),
    ("inv-unicode-scale-set", {"scale_sets": [u"vmss-r\u00ebl-web"]}, [u"'vmss-r\u00ebl-web'"]),
]


# ---------------------------------------------------------------------------
# Placeholders
# ---------------------------------------------------------------------------

def estate_values(emu):
    """What the table's placeholders stand for, read from the emulator."""
    web_vms = emu.vms(scale_set="vmss-rel-web")
    api_vms = emu.vms(scale_set="vmss-rel-api")
    legacy = emu.vms(scale_set="vmss-rel-legacy")
    return {
        "web_id0": web_vms[0]["instance_id"],
        "web_name0": web_vms[0]["name"],
        "web_vm_resource_id": web_vms[0]["id"],
        "api_name0": api_vms[0]["name"],
        "api_name0_upper": api_vms[0]["name"].upper(),
        "legacy_name0": legacy[0]["name"],
        "sub": emu.env["AZURE_SUBSCRIPTION_ID"],
    }


def fill(value, values):
    """``value`` with every ``{placeholder}`` in its strings replaced."""
    if isinstance(value, dict):
        return dict((key, fill(item, values)) for key, item in value.items())
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, str) and "{" in value:
        return value.format(**values)
    return value


# ---------------------------------------------------------------------------
# One playbook run for every module case, one ansible-inventory run for every plugin case
# ---------------------------------------------------------------------------

PLAY = [{
    "name": "bad input, one case per host",
    "hosts": "cases",
    "gather_facts": False,
    "tasks": [
        {"name": "vmss.fleet.%s" % module, "vmss.fleet.%s" % module: "{{ case_args }}",
         "when": "case_module == '%s'" % module, "register": "%s_result" % module, "ignore_errors": True}
        for module in (I, INFO, FACTS, SETS)
    ],
}, {
    "name": "keep every case's result in one file",
    "hosts": "localhost",
    "gather_facts": False,
    "tasks": [{
        "name": "write the results",
        "ansible.builtin.copy": {
            "content": "{{ dict(groups['cases'] | zip(groups['cases'] | map('extract', hostvars) | "
                       "map(attribute='case_result'))) | to_json }}",
            "dest": "{{ out_dir }}/results.json"},
    }],
}]
# The registered result of the one task that ran for a case (the others are skipped).
CASE_RESULT = "{{ lookup('vars', case_module + '_result') }}"


def case_inventory(cases, values, python):
    hosts = {}
    for case_id, module, args, _fragments in cases:
        hosts[case_id] = {"case_module": module, "case_args": fill(args, values), "case_result": CASE_RESULT,
                          "ansible_connection": "local", "ansible_python_interpreter": python}
    return {"cases": {"hosts": hosts}}


def run_module_cases(emu, values, workdir):
    """{case id: registered result} and the playbook run."""
    import sys

    inventory = os.path.join(workdir, "cases.yml")
    with open(inventory, "w") as handle:
        yaml.safe_dump(case_inventory(MODULE_CASES, values, sys.executable), handle, allow_unicode=True)
    playbook = os.path.join(workdir, "bad_input.yml")
    with open(playbook, "w") as handle:
        yaml.safe_dump(PLAY, handle)
    run = run_playbook(playbook, emu.env, ["-i", inventory, "-e", "out_dir=%s" % workdir, "--forks", "8", "-vvv"])
    results = {}
    if os.path.exists(os.path.join(workdir, "results.json")):
        with open(os.path.join(workdir, "results.json")) as handle:
            results = json.load(handle)
    return results, run


def run_inventory_cases(emu, workdir):
    """{case id: the part of ansible-inventory's stderr about that source} and the full output."""
    sources = []
    for case_id, options, _fragments in INVENTORY_CASES:
        path = os.path.join(workdir, "%s.azure_vmss.yml" % case_id)
        with open(path, "w") as handle:
            yaml.safe_dump(dict({"plugin": "vmss.fleet.azure_vmss", "retry_total": 1}, **options), handle,
                           allow_unicode=True)
        sources.append((case_id, path))
    command = [os.path.join(BIN, "ansible-inventory"), "-vvv", "--list", "--output", os.path.join(workdir, "o.json")]
    for _case_id, path in sources:
        command += ["-i", path]
    env = base_env(dict(emu.env, ANSIBLE_INVENTORY_ENABLED="vmss.fleet.azure_vmss"))
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=workdir,
                               check=False)
    return split_by_source(completed.stderr, sources), completed


def split_by_source(stderr, sources):
    """Ansible reports each source that failed to parse, ending with 'Unable to parse <path> ...'."""
    parts, rest = {}, stderr
    for case_id, path in sources:
        marker = "Unable to parse %s as an inventory source" % path
        before, found, after = rest.partition(marker)
        parts[case_id] = before if found else None
        rest = after if found else rest
    return parts


class BadInputRun(object):
    def __init__(self, results, playbook_run, inventory_parts, inventory_run, log):
        self.results = results
        self.playbook_run = playbook_run
        self.inventory_parts = inventory_parts
        self.inventory_run = inventory_run
        self.log = log
        self.posts = [entry for entry in log if entry["method"] == "POST"
                      and entry["path"].lower().startswith("/subscriptions")]


@pytest.fixture(scope="module")
def bad_input():
    with start_emulator(ESTATE) as emu:
        values = estate_values(emu)
        emu.clear_requests()
        with tempfile.TemporaryDirectory() as workdir:
            results, playbook_run = run_module_cases(emu, values, workdir)
            inventory_parts, inventory_run = run_inventory_cases(emu, workdir)
        run = BadInputRun(results, playbook_run, inventory_parts, inventory_run, emu.requests())
        run.values = values
        run.tokens = [token["token"] for token in emu.tokens()]
        yield run
    if os.environ.get("RELIABILITY_REPORT"):
        import test_reliability

        test_reliability.write_report_section("bad-input", bad_input_figures(run))


def secret_of_estate():
    with open(os.path.join(ESTATES, ESTATE)) as handle:
        return yaml.safe_load(handle)["principals"][0]["client_secret"]


def assert_clean_failure(text, fragments, values):
    assert len(text) < MESSAGE_LIMIT, "a message a person cannot read: %d characters" % len(text)
    for fragment in fragments:
        assert fill(fragment, values) in text, "%r not in the message: %s" % (fill(fragment, values), text[:2000])
    assert "Traceback" not in text
    assert "MODULE FAILURE" not in text


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case_id, module, args, fragments", MODULE_CASES, ids=[case[0] for case in MODULE_CASES])
def test_bad_module_input_fails_clearly_naming_the_value(bad_input, case_id, module, args, fragments):
    result = bad_input.results.get(case_id)
    assert result is not None, "no result for %s:\n%s" % (case_id, bad_input.playbook_run.output[-3000:])
    assert result.get("failed") is True, result
    assert not result.get("changed")
    assert "module_stderr" not in result and "module_stdout" not in result, result
    assert_clean_failure(result["msg"], fragments, bad_input.values)
    assert "Traceback" not in json.dumps(result)
    assert bad_input.posts == [], "a bad input led to a write: %s" % bad_input.posts


@pytest.mark.parametrize("case_id, options, fragments", INVENTORY_CASES, ids=[case[0] for case in INVENTORY_CASES])
def test_bad_inventory_input_fails_clearly_naming_the_value(bad_input, case_id, options, fragments):
    part = bad_input.inventory_parts.get(case_id)
    assert part is not None, "the source of %s was not reported as failed:\n%s" % (
        case_id, bad_input.inventory_run.stderr[-3000:])
    assert "Failed to parse" in part and "azure_vmss" in part
    assert_clean_failure(part, fragments, bad_input.values)
    assert bad_input.posts == []


def test_the_table_is_big_enough_and_the_runs_wrote_nothing(bad_input):
    assert len(MODULE_CASES) + len(INVENTORY_CASES) >= 40
    assert len(set(case[0] for case in MODULE_CASES + INVENTORY_CASES)) == len(MODULE_CASES) + len(INVENTORY_CASES)
    assert bad_input.posts == []
    # every module case really ran in the one playbook run
    assert sorted(bad_input.results) == sorted(case[0] for case in MODULE_CASES)


def test_no_bad_input_output_shows_the_secret_or_a_token(bad_input):
    secret = secret_of_estate()
    everything = [bad_input.playbook_run.output, bad_input.inventory_run.stdout, bad_input.inventory_run.stderr,
                  json.dumps(bad_input.results)]
    for text in everything:
        assert secret not in text
        for token in bad_input.tokens:
            assert token not in text


# ---------------------------------------------------------------------------
# Figures for docs/reliability.md
# ---------------------------------------------------------------------------

def first_message(text, limit=160):
    """The message a user reads first, shortened for a table cell."""
    line = text.strip().splitlines()[0] if text and text.strip() else ""
    line = line.split(" plugin: ", 1)[-1] if line.startswith("[WARNING]: Failed to parse") else line
    line = line.replace("|", "\\|")
    return line if len(line) <= limit else line[:limit - 3] + "..."


def bad_input_figures(run):
    arm = [entry for entry in run.log if entry["path"].lower().startswith("/subscriptions")]
    lines = [
        "All %d cases ran in one `ansible-playbook` run (one host per case) and one `ansible-inventory` run (one "
        "source per case), both with `-vvv`. Requests the emulator logged during them: %d to the resource manager, "
        "%d of them GET, **%d POST**." % (len(MODULE_CASES) + len(INVENTORY_CASES), len(arm),
                                          len([e for e in arm if e["method"] == "GET"]), len(run.posts)),
        "",
        "| case | target | the message (first line, as printed) |",
        "|---|---|---|",
    ]
    for case_id, module, _args, _fragments in MODULE_CASES:
        lines.append("| `%s` | %s | %s |" % (case_id, module, first_message(run.results[case_id].get("msg"))))
    for case_id, _options, _fragments in INVENTORY_CASES:
        lines.append("| `%s` | azure_vmss inventory | %s |" % (case_id, first_message(run.inventory_parts[case_id])))
    return "\n".join(lines)
