# -*- coding: utf-8 -*-
"""The collection run the way AWX runs it: through ansible-runner, in a private data dir.

AWX's job task lays out a private data dir (project/ with the project's checkout, inventory/hosts as a script
that prints the inventory AWX stored, env/extravars with the job template's extra variables), injects the
credential's environment and runs ``ansible_runner.run``; "Enable Fact Storage" is runner's jsonfile fact cache
under artifacts/<job id>/fact_cache. An inventory update runs ``ansible-inventory --list --export ... --output
artifacts/<id>/output.json`` from an ``args`` file in its own private data dir, with the source variables in the
environment. These tests build the same layouts against the emulator (for the inventory plugin as an inventory
source, instance_facts, the rolling_update role and the fleet_report role) and assert on runner's status, rc, stats
and job events, on the emulator's request log, on the fact cache, and that no secret reaches what AWX shows or
keeps (stdout, events, facts, inventory).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil

import pytest
import yaml

from harness import BIN, REPO, SCRUBBED_ENV_PREFIXES, arm_requests, start_emulator

ansible_runner = pytest.importorskip("ansible_runner", reason="ansible-runner is in requirements-test.txt")

pytestmark = pytest.mark.integration

RESOURCE_GROUP = "rg-act"
# What AWX sets for every inventory update (awx.main.constants.STANDARD_INVENTORY_UPDATE_ENV).
INVENTORY_UPDATE_ENV = {
    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
    "ANSIBLE_INVENTORY_EXPORT": "True",
    "ANSIBLE_VERBOSE_TO_STDERR": "True",
    "ANSIBLE_HOST_PATTERN_MISMATCH": "error",
}
FACTS_PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "instance_facts.yml")
ROLLING_RESTART = [{
    "name": "Rolling restart (the playbook of an AWX job template)",
    "hosts": "localhost",
    "gather_facts": False,
    "roles": [{"role": "vmss.fleet.rolling_update"}],
}]


@pytest.fixture
def emu():
    with start_emulator("actions-fleet.yml", extra_args=["--operation-seconds", "0.5"]) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def execution_environment(monkeypatch):
    """The process runner starts from: no Azure or Ansible settings of the developer's shell (an EE has none),
    and this venv's ansible-playbook first on PATH."""
    for name in list(os.environ):
        if name.startswith(SCRUBBED_ENV_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))


def private_data_dir(root, emu, job_id, extra_env=None):
    """AWX's layout: project/, inventory/, env/envvars (the credential's injected variables plus what AWX's job
    environment sets), and the collection where a project's collections/requirements.yml is installed."""
    root.mkdir()
    for name in ("project", "inventory", "env"):
        (root / name).mkdir()
    collections = root / "requirements_collections"
    (collections / "ansible_collections" / "vmss").mkdir(parents=True)
    (collections / "ansible_collections" / "vmss" / "fleet").symlink_to(REPO)
    env = dict(emu.env)  # AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT, AZURE_CLOUD_ENVIRONMENT
    env.update({
        # The emulator's private CA, which a real Azure endpoint does not need.
        "AZURE_CA_BUNDLE": emu.ca_bundle,
        "JOB_ID": str(job_id),
        "AWX_PRIVATE_DATA_DIR": str(root),
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([str(collections), "~/.ansible/collections",
                                                     "/usr/share/ansible/collections"]),
        # The EE's Python, which has the Azure SDK.
        "ANSIBLE_PYTHON_INTERPRETER": BIN + "/python",
    })
    env.update(extra_env or {})
    (root / "env" / "envvars").write_text(yaml.safe_dump(env))
    return root


def update_inventory(root, emu, update_id, config, source_vars):
    """An AWX inventory update from a project source: ansible-inventory writes the inventory to output.json."""
    pdd = private_data_dir(root, emu, update_id, dict(INVENTORY_UPDATE_ENV, **source_vars))
    source = pdd / "project" / "inventories" / "fleet.azure_vmss.yml"
    source.parent.mkdir()
    source.write_text(yaml.safe_dump(config))
    output = pdd / "artifacts" / str(update_id) / "output.json"
    (pdd / "args").write_text("ansible-inventory --list --export -i %s --output %s --playbook-dir %s"
                              % (source, output, source.parent))
    run = ansible_runner.run(private_data_dir=str(pdd), ident=str(update_id), quiet=True)
    return run, json.loads(output.read_text()) if output.exists() else None


def text(value):
    """ansible-inventory marks strings that came from Azure as ``{"__ansible_unsafe": ...}`` (ansible-core 2.19 on);
    a script inventory that prints them, as AWX's job inventory does, reads them back as untrusted text."""
    return value["__ansible_unsafe"] if isinstance(value, dict) and set(value) == {"__ansible_unsafe"} else value


def store_inventory(pdd, inventory):
    """What AWX gives a job: the stored inventory as an executable script in inventory/hosts."""
    script = pdd / "inventory" / "hosts"
    script.write_text("#!/usr/bin/env python3\nprint(%r)\n" % json.dumps(inventory))
    script.chmod(0o700)


def run_job(pdd, job_id, playbook, extra_vars, check=False):
    """An AWX job: its playbook in project/, extra variables in env/extravars, --check for a check job, fact
    storage on."""
    if isinstance(playbook, list):
        (pdd / "project" / "job.yml").write_text(yaml.safe_dump(playbook))
    else:
        shutil.copyfile(playbook, str(pdd / "project" / "job.yml"))
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(extra_vars))
    if check:
        (pdd / "env" / "cmdline").write_text("--check")
    return ansible_runner.run(private_data_dir=str(pdd), ident=str(job_id), playbook="job.yml",
                              fact_cache_type="jsonfile", quiet=True)


def ok_per_host(run, action):
    """Hosts and how many times a task of ``action`` was ok on each, from runner's job events."""
    counts = {}
    for event in run.events:
        data = event.get("event_data", {})
        if event["event"] == "runner_on_ok" and data.get("task_action") == action:
            counts[data["host"]] = counts.get(data["host"], 0) + 1
    return counts


def cached_facts(pdd, job_id, host):
    """A host's facts from the job's fact cache: ``<host>`` holding the facts (ansible-core < 2.19), or
    ``s1_<host>`` holding them under ``__payload__`` (2.19 on)."""
    cache = pdd / "artifacts" / str(job_id) / "fact_cache"
    for name in (host, "s1_" + host):
        if (cache / name).exists():
            stored = json.loads((cache / name).read_text())
            return json.loads(stored["__payload__"]) if "__payload__" in stored else stored
    raise AssertionError("no facts cached for %s: %s" % (host, sorted(os.listdir(str(cache)))))


def files_holding(directory, text):
    found = []
    for parent, _dirs, files in os.walk(str(directory)):
        for name in files:
            path = os.path.join(parent, name)
            with open(path, "rb") as handle:
                if text.encode() in handle.read():
                    found.append(os.path.relpath(path, str(directory)))
    return sorted(found)


def assert_secret_kept_out(pdd, job_id, run, secret):
    """The secret is in what AWX writes for runner (env/envvars), and in runner's own record of the command's
    environment (artifacts/<id>/command, mode 0600, gone with the private data dir); nowhere else: not in the
    output, the job events, the fact cache or the inventory."""
    assert files_holding(pdd / "env", secret) == ["envvars"]
    assert files_holding(pdd / "artifacts", secret) == [os.path.join(str(job_id), "command")]
    assert oct(os.stat(str(pdd / "artifacts" / str(job_id) / "command")).st_mode & 0o777) == "0o600"
    assert secret not in run.stdout.read()
    assert not [event for event in run.events if secret in json.dumps(event)]


def test_inventory_source_lists_both_modes_as_awx_imports_it(emu, tmp_path):
    """A project-sourced inventory source with source variables (AWX passes them as environment variables)."""
    expected = dict((vm["name"], vm) for vm in emu.vms() if vm["scale_set"] in ("vmss-act-web", "vmss-act-api"))
    emu.clear_requests()
    run, inventory = update_inventory(tmp_path / "update", emu, 41, {"plugin": "vmss.fleet.azure_vmss"},
                                      {"AZURE_VMSS_RESOURCE_GROUPS": RESOURCE_GROUP,
                                       "AZURE_VMSS_SCALE_SETS": "vmss-act-web,vmss-act-api"})
    assert (run.status, run.rc) == ("successful", 0), run.stdout.read()
    hostvars = inventory["_meta"]["hostvars"]
    assert sorted(hostvars) == sorted(expected)
    for name, vm in expected.items():
        assert text(hostvars[name]["vmss_orchestration_mode"]) == vm["mode"]
        assert text(hostvars[name]["vmss_instance_id"]) == vm["instance_id"]
        assert text(hostvars[name]["ansible_host"]) == vm["private_ip"]
    assert sorted(inventory["vmss_mode_uniform"]["hosts"]) == sorted(
        name for name, vm in expected.items() if vm["mode"] == "Uniform")
    assert sorted(inventory["vmss_mode_flexible"]["hosts"]) == sorted(
        name for name, vm in expected.items() if vm["mode"] == "Flexible")
    # Only the two chosen sets were listed (a Uniform set's own VM list, a Flexible set's VMs by filter).
    lists = [r["path"] for r in arm_requests(emu, method="GET") if r["path"].endswith("/virtualMachines")]
    assert any(path.endswith("/virtualMachineScaleSets/vmss-act-web/virtualMachines") for path in lists)
    assert not [path for path in lists if "vmss-act-ops" in path or "vmss-act-legacy" in path]
    assert_secret_kept_out(tmp_path / "update", 41, run, emu.ready["client_secret"])


def test_instance_facts_job_stores_facts_for_every_host(emu, tmp_path):
    """Inventory update, then a job on that inventory with fact storage: every host's vmss_instance fact is in
    the fact cache, the facts task ok on every host."""
    config = {"plugin": "vmss.fleet.azure_vmss", "scale_sets": ["vmss-act-web", "vmss-act-api"],
              # The emulator's VMs have no SSH: the plays' host tasks run on the controller.
              "compose": {"ansible_connection": "'local'"}}
    update, inventory = update_inventory(tmp_path / "update", emu, 51, config, {})
    assert update.rc == 0, update.stdout.read()
    hosts = sorted(inventory["_meta"]["hostvars"])
    vms = dict((vm["name"], vm) for vm in emu.vms() if vm["name"] in hosts)
    assert len(hosts) == 10 and sorted(vms) == hosts

    job = private_data_dir(tmp_path / "job", emu, 52)
    store_inventory(job, inventory)
    emu.clear_requests()
    run = run_job(job, 52, FACTS_PLAYBOOK, {"out_dir": str(tmp_path)})
    assert (run.status, run.rc) == ("successful", 0), run.stdout.read()
    assert run.stats["failures"] == {} and run.stats["dark"] == {}
    assert ok_per_host(run, "vmss.fleet.instance_facts") == dict((host, 1) for host in hosts)
    for host in hosts:
        fact = cached_facts(job, 52, host)["vmss_instance"]
        assert fact["id"] == vms[host]["id"] and fact["orchestration_mode"] == vms[host]["mode"]
        assert fact["power_state"] == vms[host]["power_state"]
    # One listing per scale set serves all its hosts, not one read per host.
    scale_set_lists = [r["path"] for r in arm_requests(emu, method="GET")
                       if r["path"].endswith("/virtualMachineScaleSets/vmss-act-web/virtualMachines")]
    assert len(scale_set_lists) == 1
    assert_secret_kept_out(job, 52, run, emu.ready["client_secret"])


def rolling_restart_vars(**overrides):
    extra_vars = {"rolling_update_resource_group": RESOURCE_GROUP,
                  "rolling_update_scale_set": ["vmss-act-web", "vmss-act-api"],
                  "rolling_update_batch_size": "3", "rolling_update_polling_interval": 1,
                  "rolling_update_wait_timeout": 60}
    extra_vars.update(overrides)
    return extra_vars


def restart_posts(emu):
    return [r for r in arm_requests(emu, method="POST", contains="/providers/Microsoft.Compute/")
            if r["path"].endswith("/restart")]


def test_rolling_update_job_restarts_both_modes_in_batches(emu, tmp_path):
    web = emu.vms(scale_set="vmss-act-web")
    api = emu.vms(scale_set="vmss-act-api")
    job = private_data_dir(tmp_path / "job", emu, 61)
    store_inventory(job, {"all": {"hosts": ["localhost"]},
                          "_meta": {"hostvars": {"localhost": {"ansible_connection": "local"}}}})
    emu.clear_requests()
    run = run_job(job, 61, ROLLING_RESTART, rolling_restart_vars())
    assert (run.status, run.rc) == ("successful", 0), run.stdout.read()
    assert run.stats["failures"] == {} and run.stats["ok"]["localhost"] > 0
    posts = restart_posts(emu)
    # Uniform: one request per batch naming its instance IDs; Flexible: one request per VM.
    uniform = [p["body"]["instanceIds"] for p in posts if "/virtualMachineScaleSets/vmss-act-web/" in p["path"]]
    assert sorted(sum(uniform, [])) == sorted(vm["instance_id"] for vm in web)
    assert all(len(ids) <= 3 for ids in uniform)
    flexible = sorted(p["path"].split("/")[-2] for p in posts if "/virtualMachines/" in p["path"]
                      and "virtualMachineScaleSets" not in p["path"])
    assert flexible == sorted(vm["name"] for vm in api)
    # The role plans once (check mode), then runs the module once per batch: 4 batches of at most 3.
    assert ok_per_host(run, "vmss.fleet.instance") == {"localhost": 1 + 4}
    assert_secret_kept_out(job, 61, run, emu.ready["client_secret"])


def test_check_job_plans_the_rolling_update_and_writes_nothing(emu, tmp_path):
    job = private_data_dir(tmp_path / "job", emu, 62)
    store_inventory(job, {"all": {"hosts": ["localhost"]},
                          "_meta": {"hostvars": {"localhost": {"ansible_connection": "local"}}}})
    emu.clear_requests()
    run = run_job(job, 62, ROLLING_RESTART, rolling_restart_vars(rolling_update_scale_set=["vmss-act-web"]),
                  check=True)
    assert (run.status, run.rc) == ("successful", 0), run.stdout.read()
    assert "--check" in json.loads((job / "artifacts" / "62" / "command").read_text())["command"]
    assert restart_posts(emu) == []
    assert [r for r in arm_requests(emu) if r["method"] != "GET" and r["path"].startswith("/subscriptions/")] == []
    # The plan, then each of the two batches in check mode.
    assert ok_per_host(run, "vmss.fleet.instance") == {"localhost": 1 + 2}


def test_fleet_report_job_writes_the_report_from_the_job_directory(emu, tmp_path):
    """The fleet_report role as an AWX job: a relative fleet_report_dir lands in the job's project directory
    (runner's working directory); the JSON counts match the estate."""
    vms = [vm for vm in emu.vms() if vm["resource_group"] == RESOURCE_GROUP]
    job = private_data_dir(tmp_path / "job", emu, 71)
    store_inventory(job, {"all": {"hosts": ["localhost"]},
                          "_meta": {"hostvars": {"localhost": {"ansible_connection": "local"}}}})
    report_play = [{"name": "Fleet report (the playbook of an AWX job template)", "hosts": "localhost",
                    "gather_facts": False, "roles": [{"role": "vmss.fleet.fleet_report"}]}]
    run = run_job(job, 71, report_play, {"fleet_report_dir": "reports",
                                         "fleet_report_resource_group": RESOURCE_GROUP})
    assert (run.status, run.rc) == ("successful", 0), run.stdout.read()
    assert run.stats["failures"] == {}
    assert ok_per_host(run, "vmss.fleet.instance_info") == {"localhost": 1}
    reports = job / "project" / "reports"
    assert sorted(os.listdir(str(reports))) == ["fleet-report.html", "fleet-report.json"]
    summary = json.loads((reports / "fleet-report.json").read_text())
    assert summary["totals"]["instances"] == len(vms)
    assert summary["totals"]["scale_sets"] == len(set(vm["scale_set"] for vm in vms))
    power = {}
    for vm in vms:
        power[vm["power_state"]] = power.get(vm["power_state"], 0) + 1
    assert summary["fleet"]["power_states"] == power
    assert sorted(s["name"] for s in summary["scale_sets"]) == sorted(set(vm["scale_set"] for vm in vms))
    assert files_holding(reports, emu.ready["client_secret"]) == []
    assert_secret_kept_out(job, 71, run, emu.ready["client_secret"])
