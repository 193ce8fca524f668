#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Benchmark: rolling restarts with vmss.fleet.instance, against their physical bound.

Not a test (nothing is asserted on time). Runs ``vmss.fleet.instance state=restarted`` through ansible-playbook as
a user would, against the emulator with an operation time of 2 s, and prints per scenario:

- wall: the whole ansible-playbook run (Python start-up, auth and listing included);
- rolling: from the first write request to the last read of the run, i.e. the batches themselves;
- bound: batches x operation time (of the slowest scale set when sets roll side by side), the least any rolling
  restart that waits for each batch can take;
- requests: write POSTs, operation-status polls, VM list pages, all ARM requests and ARM requests per batch, and
  the most POSTs in flight.

Two estates:
- default: tests/emulator/estates/actions-bench.yml, 500 instances in a Uniform scale set and 500 in a Flexible one,
  batches of 10% (of each set, or of the 1,000 in one task);
- ``--fleet``: tests/emulator/estates/rolling-bench.yml, 10 Uniform + 10 Flexible scale sets x 100 instances rolled
  side by side (``max_parallel_sets`` 20), batches of 10% of each set;
- ``--uniform-set N``: one generated Uniform scale set of N instances, as in ``make bench``'s (c) (which uses
  1,000 and ``--latency-ms 50 --jitter-ms 20 --throttle``).

    . .venv/bin/activate
    python tests/bench/rolling_restart_bench.py [--fleet] [--operation-seconds 2] [--latency-ms 20]
        [--polling-interval 0.25] [--batch-size 10%] [--max-parallel 100] [--uniform-set 1000 --jitter-ms 20
        --throttle]
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
FLEET_GROUP = "rg-bench-roll"
FLEET_SETS = 20


def scenarios(batch_size, max_parallel):
    """(name, resource group, scale sets, module options, batches per set is the bound's count) per scenario."""
    return [
        ("Uniform 500, batch %s" % batch_size, RESOURCE_GROUP, [UNIFORM], {"batch_size": batch_size}),
        ("Flexible 500, batch %s, max_parallel %d" % (batch_size, max_parallel), RESOURCE_GROUP, [FLEXIBLE],
         {"batch_size": batch_size, "max_parallel": max_parallel}),
        ("both 1,000 in one task, batch %s" % batch_size, RESOURCE_GROUP, [UNIFORM, FLEXIBLE],
         {"batch_size": batch_size, "max_parallel": max_parallel}),
    ]


def fleet_scenarios(batch_size, max_parallel):
    return [
        ("10 Uniform + 10 Flexible x 100, side by side, batch %s" % batch_size, FLEET_GROUP, ["bench-roll-*"],
         {"batch_size": batch_size, "max_parallel": max_parallel, "max_parallel_sets": FLEET_SETS}),
    ]


def single_set_scenarios(batch_size, vms, workdir):
    """One generated Uniform scale set of ``vms`` instances: (estate path, scenarios)."""
    from inventory_bench import generate_estate  # pylint: disable=import-outside-toplevel

    estate, groups, sets = generate_estate(argparse.Namespace(uniform=1, flexible=0, vms_per_set=vms), workdir)
    name = "Uniform %d (make bench's (c)), batch %s" % (vms, batch_size)
    return estate, [(name, groups[0]["name"], [sets[0]["name"]], {"batch_size": batch_size})]


def playbook(resource_group, scale_sets, args, polling_interval):
    task = dict(args, resource_group=resource_group, scale_set=scale_sets, all_instances=True, state="restarted",
                polling_interval=polling_interval, wait_timeout=600)
    return [{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"name": "rolling restart", "vmss.fleet.instance": task, "register": "rolled"},
            {"name": "summary", "ansible.builtin.debug": {
                "msg": "ACTIONS={{ rolled.actions | length }} BATCHES={{ rolled.batches | length }} "
                       "SUCCEEDED={{ rolled.actions | selectattr('outcome', 'equalto', 'succeeded') | list "
                       "| length }} LONGEST={{ rolled.batches | map(attribute='batch') | max }}"}},
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
    """ACTIONS, BATCHES, SUCCEEDED and (when the play prints it) LONGEST, the most batches of one lane."""
    found = {}
    for key in ("ACTIONS", "BATCHES", "SUCCEEDED", "LONGEST"):
        marker = "%s=" % key
        if marker not in stdout:
            continue
        start = stdout.index(marker) + len(marker)
        found[key.lower()] = int(stdout[start:].split()[0].strip('"'))
    found.setdefault("longest", found["batches"])
    return found


def run_scenario(emu, resource_group, scale_sets, args, polling_interval, workdir):
    path = os.path.join(workdir, "play.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(playbook(resource_group, scale_sets, args, polling_interval), handle)
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
    first_post = min(p["started"] for p in posts)
    during = [r for r in arm if r["started"] >= first_post]
    rolling = max(r["finished"] for r in during) - first_post
    pages = sum(1 for r in arm if r["method"] == "GET" and r["path"].lower().endswith("/virtualmachines"))
    polls = sum(1 for r in arm if r["method"] == "GET" and "/operations/" in r["path"])
    return dict(summary, wall=wall, rolling=rolling, posts=len(posts), pages=pages, polls=polls, arm=len(arm),
                per_batch=len(during) / float(summary["batches"]), in_flight=max_in_flight(posts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--fleet", action="store_true", help="20 scale sets x 100 rolled side by side")
    parser.add_argument("--operation-seconds", type=float, default=2.0)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--batch-size", default="10%")
    parser.add_argument("--max-parallel", type=int, default=100)
    parser.add_argument("--polling-interval", type=float, default=0.25)
    parser.add_argument("--uniform-set", type=int, metavar="N", help="one generated Uniform scale set of N instances")
    parser.add_argument("--jitter-ms", type=float, default=0)
    parser.add_argument("--throttle", action="store_true", help="enforce Compute's request limits")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rolling-bench-") as workdir:
        run_benchmark(options, workdir)


def run_benchmark(options, workdir):
    estate = "rolling-bench.yml" if options.fleet else "actions-bench.yml"
    if options.uniform_set:
        estate, chosen = single_set_scenarios(options.batch_size, options.uniform_set, workdir)
    else:
        chosen = (fleet_scenarios if options.fleet else scenarios)(options.batch_size, options.max_parallel)
    extra = ["--operation-seconds", str(options.operation_seconds), "--latency-ms", str(options.latency_ms),
             "--jitter-ms", str(options.jitter_ms), "--throttle", "on" if options.throttle else "off"]
    settings = (os.path.basename(estate), options.operation_seconds, options.latency_ms, options.jitter_ms,
                "on" if options.throttle else "off", options.polling_interval)
    print("rolling restart benchmark: estate %s, operation %gs, latency %g ms (+ up to %g ms) per request, "
          "throttling %s, polling_interval %gs" % settings)
    header = ("scenario", "batches", "ok", "wall s", "rolling s", "bound s", "x bound", "POSTs", "in flight",
              "op polls", "VM pages", "ARM reqs", "reqs/batch")
    print("%-56s %7s %5s %7s %9s %7s %7s %6s %9s %8s %8s %8s %10s" % header)
    with start_emulator(estate, extra) as emu:
        for name, group, scale_sets, args in chosen:
            figures = run_scenario(emu, group, scale_sets, args, options.polling_interval, workdir)
            # Sets side by side: the slowest set's batches bound the run; one sequence: all its batches.
            bound = figures["longest"] * options.operation_seconds
            print("%-56s %7d %5d %7.1f %9.1f %7.1f %7.2f %6d %9d %8d %8d %8d %10.1f" % (
                name, figures["batches"], figures["succeeded"], figures["wall"], figures["rolling"], bound,
                figures["rolling"] / bound if bound else 0.0, figures["posts"], figures["in_flight"],
                figures["polls"], figures["pages"], figures["arm"], figures["per_batch"]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
