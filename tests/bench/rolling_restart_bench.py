#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Benchmark: a rolling restart of 1,000 scale-set VMs with vmss.fleet.instance.

Not a test (nothing is asserted on time). Starts the emulator on tests/emulator/estates/actions-bench.yml
(500 instances in a Uniform scale set, 500 in a Flexible one) with an operation time of 2 s, runs
``vmss.fleet.instance state=restarted`` through ansible-playbook as a user would, and prints per scenario:

- wall: the whole ansible-playbook run (Python start-up, auth and listing included);
- rolling: from the first write request to the last read of the run, i.e. the batches themselves;
- bound: batches x operation time, the least any rolling restart that waits for each batch can take;
- requests: write POSTs, list pages read (first + next pages), all ARM requests, and the most POSTs in flight.

    . .venv/bin/activate
    python tests/bench/rolling_restart_bench.py [--operation-seconds 2] [--latency-ms 20] [--polling-interval 1]
"""

from __future__ import absolute_import, division, print_function

import argparse
import os
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import BIN, REPO, base_env, start_emulator  # noqa: E402 pylint: disable=wrong-import-position

RESOURCE_GROUP = "rg-bench-act"
UNIFORM = "bench-act-uniform"
FLEXIBLE = "bench-act-flex"


def scenarios(batch_size, max_parallel):
    return [
        ("Uniform 500, batch %d" % batch_size, [UNIFORM], {"batch_size": str(batch_size)}, 500),
        ("Flexible 500, batch %d, max_parallel %d" % (batch_size, max_parallel), [FLEXIBLE],
         {"batch_size": str(batch_size), "max_parallel": max_parallel}, 500),
        ("both 1,000 in one task", [UNIFORM, FLEXIBLE],
         {"batch_size": str(batch_size), "max_parallel": max_parallel}, 1000),
    ]


def playbook(scale_sets, args, polling_interval):
    task = dict(args, resource_group=RESOURCE_GROUP, scale_set=scale_sets, all_instances=True, state="restarted",
                polling_interval=polling_interval, wait_timeout=600)
    return [{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"name": "rolling restart", "vmss.fleet.instance": task, "register": "rolled"},
            {"name": "summary", "ansible.builtin.debug": {
                "msg": "ACTIONS={{ rolled.actions | length }} BATCHES={{ rolled.batches | length }} "
                       "SUCCEEDED={{ rolled.actions | selectattr('outcome', 'equalto', 'succeeded') | list "
                       "| length }}"}},
        ],
    }]


def max_in_flight(entries):
    edges = sorted([(e["started"], 1) for e in entries] + [(e["finished"], -1) for e in entries])
    current = most = 0
    for _moment, change in edges:
        current += change
        most = max(most, current)
    return most


def parse_summary(stdout):
    found = {}
    for key in ("ACTIONS", "BATCHES", "SUCCEEDED"):
        marker = "%s=" % key
        start = stdout.index(marker) + len(marker)
        found[key.lower()] = int(stdout[start:].split()[0].strip('"'))
    return found


def run_scenario(emu, scale_sets, args, polling_interval, workdir):
    path = os.path.join(workdir, "play.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(playbook(scale_sets, args, polling_interval), handle)
    emu.clear_requests()
    started = time.monotonic()
    completed = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path],
                               env=base_env(emu.env), capture_output=True, text=True, cwd=REPO, check=False)
    wall = time.monotonic() - started
    if completed.returncode != 0:
        raise SystemExit("ansible-playbook failed:\n%s\n%s" % (completed.stdout[-3000:], completed.stderr[-3000:]))
    summary = parse_summary(completed.stdout)
    arm = [r for r in emu.requests() if r["path"].lower().startswith("/subscriptions")]
    posts = [r for r in arm if r["method"] == "POST"]
    gets_after_first_post = [r for r in arm if r["started"] >= min(p["started"] for p in posts)]
    rolling = max(r["finished"] for r in gets_after_first_post) - min(p["started"] for p in posts)
    pages = sum(1 for r in arm if r["method"] == "GET" and "virtualMachines" in r["path"])
    return dict(summary, wall=wall, rolling=rolling, posts=len(posts), pages=pages, arm=len(arm),
                in_flight=max_in_flight(posts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--operation-seconds", type=float, default=2.0)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--max-parallel", type=int, default=50)
    parser.add_argument("--polling-interval", type=int, default=1)
    options = parser.parse_args()

    extra = ["--operation-seconds", str(options.operation_seconds), "--latency-ms", str(options.latency_ms)]
    print("rolling restart benchmark: estate actions-bench.yml, operation %gs, latency %g ms per request, "
          "polling_interval %ds" % (options.operation_seconds, options.latency_ms, options.polling_interval))
    header = ("scenario", "batches", "ok", "wall s", "rolling s", "bound s", "x bound", "POSTs", "in flight",
              "VM pages", "ARM reqs")
    print("%-38s %7s %5s %7s %9s %7s %7s %6s %9s %8s %8s" % header)
    with start_emulator("actions-bench.yml", extra) as emu, tempfile.TemporaryDirectory() as workdir:
        for name, scale_sets, args, _count in scenarios(options.batch_size, options.max_parallel):
            figures = run_scenario(emu, scale_sets, args, options.polling_interval, workdir)
            bound = figures["batches"] * options.operation_seconds
            print("%-38s %7d %5d %7.1f %9.1f %7.1f %7.2f %6d %9d %8d %8d" % (
                name, figures["batches"], figures["succeeded"], figures["wall"], figures["rolling"], bound,
                figures["rolling"] / bound if bound else 0.0, figures["posts"], figures["in_flight"],
                figures["pages"], figures["arm"]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
