#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: vmss.fleet side by side with azure.azcollection, both against arm_emulator, in one run.

    make bench                                  # sets up both venvs, then runs this
    python tests/bench/compare.py [--sizes 1000,5000,10000] [--runs 3] [--peer-timeout 150] [--quick]
    python tests/bench/compare.py --report-only tests/output/bench/compare-results.json

Three comparisons, every run repeated and alternated (ours, peer, then peer, ours, ...), medians reported:
(a) ansible-inventory --list: our vmss.fleet.azure_vmss vs the peer's azure.azcollection.azure_rm over estates of
    1,000 / 5,000 / 10,000 VMs (half Uniform, half Flexible);
(b) our vmss.fleet.instance_info vs the peer's azure_rm_virtualmachinescalesetinstance_info on one 1,000-VM
    Uniform scale set;
(c) our rolling restart of 1,000 instances (vmss.fleet.instance, batches of 10%) vs its bound (batches x operation
    time); the peer has no batched restart, so its one-task-per-instance restart is timed on a 20-instance sample
    and extrapolated;
(d) our rolling restart of 10 Uniform + 10 Flexible scale sets x 100 side by side (rolling_restart_bench.py's
    --fleet scenario) vs the bound of the slowest set, with requests per batch; the peer has nothing comparable.
The emulator adds 50 ms of latency plus up to 20 ms of jitter to every request and enforces Compute's throttling
(except in (d): see FLEET_THROTTLING).
Per run: wall time, ARM requests from the emulator's log (each request inside a /batch counts), 429s, peak
memory (/usr/bin/time -v), hosts or instances found against the estate. Writes docs/performance.md,
docs/performance.png and the raw figures to tests/output/bench/compare-results.json.
"""

from __future__ import absolute_import, division, print_function

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
sys.path.insert(0, HERE)

# pylint: disable=wrong-import-position
from harness import BIN, REPO, base_env  # noqa: E402
from inventory_bench import generate_estate  # noqa: E402
from rolling_restart_bench import fleet_scenarios, parse_summary, run_scenario  # noqa: E402

import compare_report  # noqa: E402

GNU_TIME = "/usr/bin/time"
PEER_VENV = os.path.join(REPO, "tests", "output", "peer-venv")
PEER_BIN = os.path.join(PEER_VENV, "bin")
PEER_SETUP = os.path.join(HERE, "peer", "setup.sh")
CLOUD_PROXY = os.path.join(HERE, "peer", "cloud_proxy.py")
RESULTS = os.path.join(REPO, "tests", "output", "bench", "compare-results.json")
DOCS = os.path.join(REPO, "docs")

# Estate sizes: VMs -> (Uniform sets, Flexible sets, VMs per set). 500 per set, smaller sets for 1,000.
ESTATES = {1000: (2, 2, 250), 5000: (5, 5, 500), 10000: (10, 10, 500)}
ARM_PREFIXES = ("/subscriptions", "/providers", "/tenants")
OURS, PEER = "vmss.fleet", "azure.azcollection"
RESTART_BATCH = "10%"
SAMPLE_SIZE = 20
FLEET_MAX_PARALLEL = 10
# (d) runs without Compute's throttling: its limit on single-VM writes (UpdateVM3Min, 240 per 3 minutes) would
# spread the 1,000 Flexible restarts over several minutes, whatever the tool.
FLEET_THROTTLING = False


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="1000,5000,10000", help="estate sizes (VMs) for (a), of 1000/5000/10000")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of every run (median reported)")
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--jitter-ms", type=float, default=20)
    parser.add_argument("--operation-seconds", type=float, default=2.0)
    parser.add_argument("--peer-timeout", type=float, default=150,
                        help="seconds before a peer inventory run of more than 1,000 VMs is stopped; a stopped "
                             "run is not repeated")
    parser.add_argument("--sample", type=int, default=SAMPLE_SIZE, help="instances in the peer's restart sample")
    parser.add_argument("--quick", action="store_true", help="1,000 VMs only, one run each, a 4-instance sample")
    parser.add_argument("--parts", default="a,b,c,d",
                        help="for trying things out: only these comparisons; saves the figures, writes no docs")
    parser.add_argument("--report-only", metavar="RESULTS_JSON", help="only write the docs from saved results")
    options = parser.parse_args()
    if options.quick:
        options.sizes, options.runs, options.sample = "1000", 1, 4
    options.sizes = [int(size) for size in options.sizes.split(",")]
    options.parts = set(options.parts.split(","))
    unknown = [size for size in options.sizes if size not in ESTATES]
    if unknown:
        parser.error("unknown estate size(s) %s; choose from %s" % (unknown, sorted(ESTATES)))
    return options


def say(message):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


# ---- prerequisites --------------------------------------------------------------------------------------

def ensure_gnu_time():
    """/usr/bin/time -v gives the peak memory; Debian ships it in the `time` package."""
    if os.access(GNU_TIME, os.X_OK):
        return
    say("%s is missing: installing Debian's `time` package (apt-get install -y time)" % GNU_TIME)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "install", "-y", "--no-install-recommends", "time"], check=True)


def ensure_peer_venv():
    if not os.access(os.path.join(PEER_BIN, "ansible-inventory"), os.X_OK):
        say("the peer's venv is missing: running %s" % os.path.relpath(PEER_SETUP, REPO))
    completed = subprocess.run([PEER_SETUP], check=True, capture_output=True, text=True)
    say(completed.stdout.strip().splitlines()[-1].lstrip("= "))
    manifest = os.path.join(PEER_VENV, "lib", "python3.11", "site-packages", "ansible_collections", "azure",
                            "azcollection", "MANIFEST.json")
    with open(manifest) as handle:
        return json.load(handle)["collection_info"]["version"]


def tool_versions(peer_collection):
    def first_line(command):
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.splitlines()[0]

    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        ours = yaml.safe_load(handle)["version"]
    peer_ansible = subprocess.run([os.path.join(PEER_BIN, "python"), "-c",
                                   "import importlib.metadata as m; print(m.version('ansible'))"],
                                  capture_output=True, text=True, check=True).stdout.strip()
    return {"ours": ours, "ours_core": first_line([os.path.join(BIN, "ansible"), "--version"]),
            "peer_collection": peer_collection, "peer_ansible": peer_ansible,
            "peer_core": first_line([os.path.join(PEER_BIN, "ansible"), "--version"]),
            "python": platform.python_version(), "cpus": os.cpu_count(), "cpu": cpu_model()}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            return next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


# ---- the emulator and the way the peer reaches it ---------------------------------------------------------

class Stage(object):
    """An emulator on one estate with the benchmark's settings, plus the proxy that lets the peer reach it."""

    def __init__(self, estate_path, options, workdir):
        from arm_emulator.testing import EmulatorProcess

        self.workdir = workdir
        extra = ["--latency-ms", str(options.latency_ms), "--jitter-ms", str(options.jitter_ms), "--throttle", "on",
                 "--operation-seconds", str(options.operation_seconds), "--seed", "20261122"]
        self.emu = EmulatorProcess(estate_path, extra_args=extra)
        self.proxy = None
        self.proxy_ready = None

    def __enter__(self):
        self.emu.start()
        self.proxy = subprocess.Popen(
            [sys.executable, CLOUD_PROXY, "--target", self.emu.endpoint, "--target-ca", self.emu.ca_bundle,
             "--state-dir", self.workdir], stdout=subprocess.PIPE, text=True)
        self.proxy_ready = json.loads(self.proxy.stdout.readline())
        return self

    def __exit__(self, *exc):
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.terminate()
            self.proxy.wait(10)
        self.emu.stop()

    def ours_env(self):
        return base_env(dict(self.emu.env, ANSIBLE_INVENTORY_UNPARSED_FAILED="True"))

    def peer_env(self):
        """Exactly the environment a peer user would set, plus the proxy (see peer/cloud_proxy.py)."""
        env = base_env({})
        env.update({k: v for k, v in self.emu.env.items() if k not in ("AZURE_CA_BUNDLE", "AZURE_CLOUD_ENVIRONMENT")})
        proxy = self.proxy_ready["proxy_url"]
        env.update({
            "PATH": PEER_BIN + os.pathsep + env["PATH"],
            "ANSIBLE_PYTHON_INTERPRETER": os.path.join(PEER_BIN, "python"),
            "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
            "ANSIBLE_AZURE_AUTH_SOURCE": "env",
            "AZURE_CLOUD_ENVIRONMENT": "AzureCloud",
            "AZURE_DISABLE_INSTANCE_DISCOVERY": "true",
            "AZURE_CONFIG_DIR": os.path.join(self.workdir, "azure-cli-config"),
            "REQUESTS_CA_BUNDLE": self.combined_ca_bundle(),
            "HTTPS_PROXY": proxy, "https_proxy": proxy,
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        })
        return env

    def combined_ca_bundle(self):
        """The system CAs + the emulator's (its absolute nextLinks) + the proxy's: the peer has no CA option."""
        path = os.path.join(self.workdir, "peer-ca-bundle.pem")
        system = ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt"
        with open(path, "w") as out:
            for source in (system, self.emu.ca_bundle, self.proxy_ready["ca_bundle"]):
                with open(source) as handle:
                    out.write(handle.read().rstrip("\n") + "\n")
        return path

    def fresh(self):
        """Back to the estate, start-up settings, empty log and full throttling buckets before every run."""
        self.emu.reset()

    def mean_latency(self):
        settings = self.emu.settings()
        return (settings["latency_ms"] + settings["jitter_ms"] / 2.0) / 1000.0


# ---- one measured process --------------------------------------------------------------------------------

def run_measured(command, env, cwd, timeout):
    """Run ``command`` under /usr/bin/time -v; wall seconds, peak RSS (MiB, None if killed), rc, output."""
    stats = os.path.join(cwd, "time-v.txt")
    if os.path.exists(stats):
        os.remove(stats)
    started = time.monotonic()
    process = subprocess.Popen([GNU_TIME, "-v", "-o", stats] + command, env=env, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    timed_out = False
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        stdout, stderr = stop_process_group(process)
        time.sleep(1.0)     # let requests still in flight land before the log is read
    wall = time.monotonic() - started
    return SimpleNamespace(wall=wall, peak_mb=peak_rss_mb(stats), rc=process.returncode, stdout=stdout,
                           stderr=stderr, timed_out=timed_out)


def stop_process_group(process):
    """Stop the run we started (its own session, so its whole process group and nothing else)."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()


def peak_rss_mb(stats_path):
    try:
        with open(stats_path) as handle:
            found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", handle.read())
    except OSError:
        return None
    return int(found.group(1)) / 1024.0 if found else None


# ---- what the emulator saw --------------------------------------------------------------------------------

def is_arm(entry):
    return entry["path"].lower().startswith(ARM_PREFIXES)


def request_figures(log):
    """ARM requests (each inside a /batch counts), HTTP round trips the client made, 429s, other errors."""
    arm = [e for e in log if is_arm(e)]
    return {
        "arm_requests": len(arm),
        "round_trips": sum(1 for e in log if not e.get("batch")),
        "batches": sum(1 for e in log if e["path"] == "/batch"),
        "throttled": sum(1 for e in arm if e["status"] == 429),
        "errors": sum(1 for e in arm if e["status"] is None or (e["status"] >= 400 and e["status"] != 429)),
        "arm_span": (max(e["finished"] for e in arm) - min(e["started"] for e in arm)) if arm else 0.0,
    }


def critical_chain(log):
    """Round trips on the longest sequential chain of a listing: sign-in (metadata, OpenID configuration,
    token: each needs the previous answer), then the scale sets (a GET, or the pages of their list), then the
    longest paged list (its pages follow nextLinks one after the other). Lists run concurrently, so the rest
    of the requests are off the chain."""
    identity = sum(1 for e in log if not is_arm(e) and e["path"] != "/batch")
    pages = {}
    for entry in log:
        if is_arm(entry) and entry["method"] == "GET" and entry["status"] == 200:
            pages[list_key(entry)] = pages.get(list_key(entry), 0) + 1
    first = [count for (path, _query), count in pages.items() if SCALE_SET_PATH.search(path)]
    rest = [count for (path, _query), count in pages.items() if not SCALE_SET_PATH.search(path)]
    return identity + (max(first) if first else 0) + (max(rest) if rest else 0)


SCALE_SET_PATH = re.compile(r"/virtualmachinescalesets(/[^/]+)?$")


def list_key(entry):
    """The pages of one list share the path and every query parameter but $skiptoken."""
    query = tuple(sorted((k.lower(), v) for k, v in entry["query"].items() if k.lower() != "$skiptoken"))
    return entry["path"].lower().rstrip("/"), query


# ---- (a) inventory ----------------------------------------------------------------------------------------

def write_yaml(path, data):
    with open(path, "w") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    return path


def inventory_configs(workdir):
    ours = write_yaml(os.path.join(workdir, "bench.azure_vmss.yml"), {"plugin": "vmss.fleet.azure_vmss"})
    # include_vm_resource_groups keeps its default ['*'] (Flexible members are plain VMs to the peer);
    # default_host_filters [] so stopped and deallocated VMs count, as they do in ours.
    peer = write_yaml(os.path.join(workdir, "bench.azure_rm.yml"), {
        "plugin": "azure.azcollection.azure_rm", "include_vmss_resource_groups": ["*"],
        "default_host_filters": []})
    return {OURS: ours, PEER: peer}


def run_inventory(stage, tool, config, timeout):
    workdir = stage.workdir
    output = os.path.join(workdir, "inventory.json")
    if os.path.exists(output):
        os.remove(output)
    program = os.path.join(BIN if tool == OURS else PEER_BIN, "ansible-inventory")
    env = stage.ours_env() if tool == OURS else stage.peer_env()
    stage.fresh()
    measured = run_measured([program, "-i", config, "--list", "--export", "--output", output], env, workdir,
                            timeout)
    log = stage.emu.requests()
    found = 0
    if measured.rc == 0 and not measured.timed_out and os.path.exists(output):
        with open(output) as handle:
            found = len(json.load(handle)["_meta"]["hostvars"])
    return run_record(measured, log, found, stage)


def run_record(measured, log, found, stage):
    record = {"wall": measured.wall, "peak_mb": measured.peak_mb, "rc": measured.rc,
              "timed_out": measured.timed_out, "found": found, "chain": critical_chain(log),
              "latency_s": stage.mean_latency(), "failure": failure_text(measured)}
    record.update(request_figures(log))
    return record


def failure_text(measured):
    if measured.timed_out:
        return "stopped after %.0f s" % measured.wall
    if measured.rc == 0:
        return None
    lines = [line.strip() for line in (measured.stderr + measured.stdout).splitlines() if line.strip()]
    interesting = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    return (interesting or lines or ["rc %d" % measured.rc])[-1][:300]


def alternating(rep):
    return (OURS, PEER) if rep % 2 == 0 else (PEER, OURS)


def bench_inventory(options, root):
    results = []
    for size in options.sizes:
        uniform, flexible, per_set = ESTATES[size]
        workdir = os.path.join(root, "inventory-%d" % size)
        os.makedirs(workdir)
        estate, groups, sets = generate_estate(
            SimpleNamespace(uniform=uniform, flexible=flexible, vms_per_set=per_set), workdir)
        vms = sum(vmss["capacity"] for vmss in sets)
        configs = inventory_configs(workdir)
        entry = {"size": size, "vms": vms, "scale_sets": len(sets), "resource_groups": len(groups),
                 "shape": "%d Uniform + %d Flexible sets of %d" % (uniform, flexible, per_set),
                 "runs": {OURS: [], PEER: []}, "notes": []}
        with Stage(estate, options, workdir) as stage:
            entry["read_budget"] = stage.emu.settings()["throttle_buckets"]["subscription-reads"]
            for rep in range(options.runs):
                for tool in alternating(rep):
                    if tool == PEER and any(r["timed_out"] for r in entry["runs"][PEER]):
                        continue    # a stopped run says all there is to say; repeating it costs minutes
                    timeout = options.peer_timeout if (tool == PEER and size > 1000) else 1800
                    say("(a) %d VMs, run %d/%d: %s ansible-inventory" % (size, rep + 1, options.runs, tool))
                    record = run_inventory(stage, tool, configs[tool], timeout)
                    say("    %.1f s, %d hosts, %d ARM requests, %d throttled%s" % (
                        record["wall"], record["found"], record["arm_requests"], record["throttled"],
                        ", " + record["failure"] if record["failure"] else ""))
                    entry["runs"][tool].append(record)
        results.append(entry)
    return results


# ---- (b) instance_info and (c) rolling restart, on one 1,000-VM Uniform scale set ------------------------

def play(tasks):
    return [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]


def run_playbook(stage, tool, playbook, name, timeout=1800, fresh=True):
    path = write_yaml(os.path.join(stage.workdir, name), playbook)
    program = os.path.join(BIN if tool == OURS else PEER_BIN, "ansible-playbook")
    env = stage.ours_env() if tool == OURS else stage.peer_env()
    if fresh:
        stage.fresh()
    measured = run_measured([program, "-i", "localhost,", "-c", "local", path], env, stage.workdir, timeout)
    return measured, stage.emu.requests()


def info_playbook(tool, group, scale_set):
    if tool == OURS:
        task = {"name": "list", "vmss.fleet.instance_info": {"resource_group": group, "scale_set": [scale_set]},
                "register": "listing"}
    else:
        task = {"name": "list", "azure.azcollection.azure_rm_virtualmachinescalesetinstance_info": {
            "resource_group": group, "vmss_name": scale_set}, "register": "listing"}
    return play([task, {"name": "count", "ansible.builtin.debug": {
        "msg": "COUNT={{ listing.instances | length }}"}}])


def count_marker(stdout, key="COUNT"):
    found = re.search(r"%s=(\d+)" % key, stdout)
    return int(found.group(1)) if found else 0


def bench_instance_info(stage, options, group, scale_set):
    runs = {OURS: [], PEER: []}
    for rep in range(options.runs):
        for tool in alternating(rep):
            say("(b) instance_info, run %d/%d: %s" % (rep + 1, options.runs, tool))
            measured, log = run_playbook(stage, tool, info_playbook(tool, group, scale_set), "info.yml")
            record = run_record(measured, log, count_marker(measured.stdout) if measured.rc == 0 else 0, stage)
            say("    %.1f s, %d instances, %d ARM requests" % (record["wall"], record["found"],
                                                               record["arm_requests"]))
            runs[tool].append(record)
    return runs


def restart_playbook(group, scale_set):
    return play([
        {"name": "rolling restart", "vmss.fleet.instance": {
            "resource_group": group, "scale_set": [scale_set], "all_instances": True, "state": "restarted",
            "batch_size": RESTART_BATCH, "polling_interval": 0.25, "wait_timeout": 900}, "register": "rolled"},
        {"name": "summary", "ansible.builtin.debug": {"msg": (
            "ACTIONS={{ rolled.actions | length }} BATCHES={{ rolled.batches | length }} "
            "SUCCEEDED={{ rolled.actions | selectattr('outcome', 'equalto', 'succeeded') | list | length }}")}},
    ])


def bench_our_restart(stage, options, group, scale_set, rep):
    say("(c) rolling restart, run %d/%d: %s" % (rep + 1, options.runs, OURS))
    measured, log = run_playbook(stage, OURS, restart_playbook(group, scale_set), "restart.yml")
    nothing = {"actions": 0, "batches": 0, "succeeded": 0}
    summary = parse_summary(measured.stdout) if measured.rc == 0 else nothing
    record = run_record(measured, log, summary["succeeded"], stage)
    posts = [e for e in log if is_arm(e) and e["method"] == "POST"]
    arm = [e for e in log if is_arm(e)]
    record.update(summary, posts=len(posts), bound=summary["batches"] * options.operation_seconds,
                  rolling=(max(e["finished"] for e in arm) - min(e["started"] for e in posts)) if posts else 0.0)
    say("    %.1f s (rolling %.1f s, bound %.1f s), %d/%d succeeded in %d batches" % (
        record["wall"], record["rolling"], record["bound"], record["succeeded"], record["actions"],
        record["batches"]))
    return record


def peer_restart_tasks(group, scale_set):
    """The peer's way to restart one scale-set instance: it has no restart for them (power_state is running,
    stopped or deallocated) and its power changes do not wait, so: stop, wait, start, wait."""
    module = "azure.azcollection.azure_rm_virtualmachinescalesetinstance"
    info = "azure.azcollection.azure_rm_virtualmachinescalesetinstance_info"
    target = {"resource_group": group, "vmss_name": scale_set, "instance_id": "{{ instance_id }}"}

    def wait_for(state):
        return {"name": "wait until %s" % state, info: target, "register": "peer_state",
                "until": "peer_state.instances[0].power_state == '%s'" % state, "retries": 300, "delay": 1}

    return [{"name": "stop", module: dict(target, power_state="stopped")}, wait_for("stopped"),
            {"name": "start", module: dict(target, power_state="running")}, wait_for("running")]


def bench_peer_restart(stage, options, group, scale_set):
    stage.fresh()   # pick the sample from the state the run starts from
    running = [vm["instance_id"] for vm in stage.emu.vms(scale_set=scale_set)
               if vm["power_state"] == "running" and not vm["busy"]]
    sample = running[:options.sample]
    tasks_file = write_yaml(os.path.join(stage.workdir, "peer_restart_one.yml"), peer_restart_tasks(group, scale_set))
    playbook = play([{"name": "restart one instance at a time", "ansible.builtin.include_tasks": tasks_file,
                      "loop": sample, "loop_control": {"loop_var": "instance_id"}}])
    say("(c) rolling restart: %s, one task per instance, %d-instance sample" % (PEER, len(sample)))
    measured, log = run_playbook(stage, PEER, playbook, "peer_restart.yml", fresh=False)
    record = run_record(measured, log, len(sample) if measured.rc == 0 else 0, stage)
    record.update(per_instance_figures(log, len(sample)), sample=len(sample))
    say("    %.1f s for %d instances, median %.1f s per instance, %d module runs" % (
        record["wall"], len(sample), record["per_instance_median"], record["module_runs"]))
    return record


def per_instance_figures(log, sample):
    """Each instance's share of the run: from its stop request to the next instance's (the last one: to the
    end of the run). Every module run signs in afresh, so token requests count module runs."""
    stops = sorted(e["started"] for e in log if is_arm(e) and e["method"] == "POST"
                   and e["path"].lower().endswith("/poweroff"))
    end = max(e["finished"] for e in log if is_arm(e)) if stops else 0.0
    shares = [later - earlier for earlier, later in zip(stops, stops[1:] + [end])]
    tokens = sum(1 for e in log if e["path"].lower().endswith("/token"))
    arm = [e for e in log if is_arm(e)]
    writes = sum(1 for e in arm if e["method"] == "POST")
    return {"per_instance": shares, "per_instance_median": statistics.median(shares) if shares else 0.0,
            "module_runs": tokens, "requests_per_instance": len(arm) / float(sample) if sample else 0.0,
            "writes_per_instance": writes / float(sample) if sample else 0.0}


def calibrate_proxy(stage, group, scale_set, count=100):
    """ms per keep-alive GET straight to the emulator and through the peer's proxy, with no latency added:
    what the proxy costs the peer."""
    import requests
    from arm_emulator.testing import ARM_SCOPE, sdk_clients

    stage.fresh()
    stage.emu.settings(latency_ms=0, jitter_ms=0, throttle=False)
    token = sdk_clients(stage.emu.ready).credential.get_token(ARM_SCOPE).token
    instance = stage.emu.vms(scale_set=scale_set)[0]["instance_id"]
    path = ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachineScaleSets/%s/"
            "virtualMachines/%s/instanceView?api-version=2024-07-01"
            % (stage.emu.ready["subscription_id"], group, scale_set, instance))
    bundle = stage.combined_ca_bundle()
    timings = {}
    for name, base, proxies in (("direct", stage.emu.endpoint, None),
                                ("proxy", "https://management.azure.com",
                                 {"https": stage.proxy_ready["proxy_url"]})):
        session = requests.Session()
        session.trust_env = False
        samples = []
        for _sample in range(count):
            started = time.perf_counter()
            response = session.get(base + path, headers={"Authorization": "Bearer " + token}, verify=bundle,
                                   proxies=proxies, timeout=30)
            response.raise_for_status()
            samples.append((time.perf_counter() - started) * 1000.0)
        timings[name] = statistics.median(samples)
    stage.fresh()
    say("proxy calibration: %.1f ms per GET direct, %.1f ms through the proxy"
        % (timings["direct"], timings["proxy"]))
    return timings


def bench_scale_set(options, root):
    workdir = os.path.join(root, "uniform-1000")
    os.makedirs(workdir)
    estate, groups, sets = generate_estate(SimpleNamespace(uniform=1, flexible=0, vms_per_set=1000), workdir)
    group, scale_set = groups[0]["name"], sets[0]["name"]
    with Stage(estate, options, workdir) as stage:
        not_running = sum(1 for vm in stage.emu.vms(scale_set=scale_set) if vm["power_state"] != "running")
        calibration = calibrate_proxy(stage, group, scale_set)
        info = bench_instance_info(stage, options, group, scale_set)
        ours = [bench_our_restart(stage, options, group, scale_set, 0)]
        peer = bench_peer_restart(stage, options, group, scale_set)
        ours += [bench_our_restart(stage, options, group, scale_set, rep) for rep in range(1, options.runs)]
    return {"vms": 1000, "scale_set": scale_set, "not_running": not_running, "calibration": calibration, "info": info,
            "restart": {OURS: ours, PEER: peer, "batch_size": RESTART_BATCH}}


# ---- (d) rolling restart of 20 scale sets side by side ---------------------------------------------------

def bench_fleet_restart(options):
    """rolling_restart_bench.py's --fleet scenario at this benchmark's latency, ``options.runs`` times."""
    from harness import start_emulator  # pylint: disable=import-outside-toplevel

    name, group, scale_sets, args = fleet_scenarios(RESTART_BATCH, FLEET_MAX_PARALLEL)[0]
    extra = ["--operation-seconds", str(options.operation_seconds), "--latency-ms", str(options.latency_ms),
             "--jitter-ms", str(options.jitter_ms), "--throttle", "on" if FLEET_THROTTLING else "off"]
    runs = []
    with start_emulator("rolling-bench.yml", extra) as emu, tempfile.TemporaryDirectory() as workdir:
        for rep in range(options.runs):
            say("(d) rolling restart of 20 scale sets, run %d/%d: %s" % (rep + 1, options.runs, OURS))
            try:
                figures = run_scenario(emu, group, scale_sets, args, 0.25, workdir)
            except SystemExit as failure:     # run_scenario's way of saying the playbook failed
                runs.append({"rc": 1, "timed_out": False, "failure": str(failure)[:500]})
                say("    failed")
                continue
            figures.update(rc=0, timed_out=False, bound=figures["longest"] * options.operation_seconds)
            say("    rolling %.1f s, bound %.1f s (%.2f x), %d ARM requests, %.1f per batch" % (
                figures["rolling"], figures["bound"], figures["rolling"] / figures["bound"], figures["arm"],
                figures["per_batch"]))
            runs.append(figures)
    return {"scenario": name, "runs": runs, "max_parallel": FLEET_MAX_PARALLEL, "throttle": FLEET_THROTTLING}


# ---- main -------------------------------------------------------------------------------------------------

def main():
    options = parse_args()
    if options.report_only:
        with open(options.report_only) as handle:
            results = json.load(handle)
        compare_report.write(results, DOCS)
        say("wrote docs/performance.md and docs/performance.png from %s" % options.report_only)
        return
    started = time.monotonic()
    say("side-by-side benchmark: %s vs %s on arm_emulator" % (OURS, PEER))
    ensure_gnu_time()
    versions = tool_versions(ensure_peer_venv())
    root = tempfile.mkdtemp(prefix="vmss-compare-")
    try:
        inventory = bench_inventory(options, root) if "a" in options.parts else []
        scale_set = bench_scale_set(options, root) if options.parts & {"b", "c"} else {}
        fleet = bench_fleet_restart(options) if "d" in options.parts else {}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results = {
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "duration_s": time.monotonic() - started,
        "command": "make bench" if options.sizes == [1000, 5000, 10000] and options.runs == 3 and not options.quick
        else "python tests/bench/compare.py " + " ".join(sys.argv[1:]),
        "settings": {"latency_ms": options.latency_ms, "jitter_ms": options.jitter_ms, "throttle": True,
                     "operation_seconds": options.operation_seconds, "runs": options.runs,
                     "peer_timeout_s": options.peer_timeout, "page_size": 100},
        "versions": versions, "inventory": inventory, "scale_set": scale_set, "fleet": fleet,
    }
    complete = options.parts >= {"a", "b", "c", "d"}
    saved = RESULTS if complete else RESULTS.replace(".json", "-partial.json")
    os.makedirs(os.path.dirname(saved), exist_ok=True)
    with open(saved, "w") as handle:
        json.dump(results, handle, indent=1)
    if complete:
        compare_report.write(results, DOCS)
    written = os.path.relpath(saved, REPO) + (", docs/performance.md, docs/performance.png" if complete else "")
    say("done in %.0f s; wrote %s" % (results["duration_s"], written))


if __name__ == "__main__":
    main()
