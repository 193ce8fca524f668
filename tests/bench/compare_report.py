# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/performance.md and docs/performance.png from the results of compare.py (see there)."""

from __future__ import absolute_import, division, print_function

import os
import statistics

OURS, PEER = "vmss.fleet", "azure.azcollection"
METADATA_BUG = "https://github.com/ansible-collections/azure/issues/2157"
VMSS_NIC_VERSIONS = "https://github.com/Azure/azure-sdk-for-python/issues/32029"


# ---- figures ------------------------------------------------------------------------------------------------

def completed(runs):
    return [r for r in runs if r["rc"] == 0 and not r["timed_out"]]


def median_of(runs, key):
    values = [r[key] for r in completed(runs) if r.get(key) is not None]
    return statistics.median(values) if values else None


def peer_estimate(inventory, entry):
    """For a stopped peer run: at least the 1,000-VM run's time per VM times the VMs, and at least the time
    the emulated subscription read budget needs for that many reads (each VM costs the peer the same reads)."""
    small = next((e for e in inventory if e["size"] == 1000 and completed(e["runs"][PEER])), None)
    if small is None:
        return None
    per_vm = median_of(small["runs"][PEER], "wall") / small["vms"]
    reads = median_of(small["runs"][PEER], "arm_requests") / small["vms"] * entry["vms"]
    capacity, window = entry["read_budget"]
    floor = max(0.0, reads - capacity) * window / capacity
    return {"linear": per_vm * entry["vms"], "reads": reads, "floor": floor,
            "estimate": max(per_vm * entry["vms"], floor)}


def fmt_s(seconds):
    if seconds is None:
        return "-"
    if seconds >= 600:
        return "{:,.0f} s ({:,.0f} min)".format(seconds, seconds / 60.0)
    return "%.1f s" % seconds


def fmt_n(value):
    return "-" if value is None else "{:,.0f}".format(value)


def fmt_mb(value):
    return "-" if value is None else "%.0f" % value


def wall_cell(runs):
    done = completed(runs)
    if done:
        return "%s (%s)" % (fmt_s(median_of(runs, "wall")), ", ".join("%.1f" % r["wall"] for r in done))
    stopped = [r for r in runs if r["timed_out"]]
    if stopped:
        return "stopped at %.0f s, unfinished" % stopped[0]["wall"]
    return "failed"


def last_or_median(runs, key):
    """The median over completed runs; for a stopped or failed run, what it reached (marked with >=)."""
    value = median_of(runs, key)
    if value is not None:
        return fmt_n(value)
    reached = [r[key] for r in runs if r.get(key) is not None]
    return ">= " + fmt_n(max(reached)) if reached else "-"


def found_cell(runs, expected):
    done = completed(runs)
    if not done:
        return "0 of %s (%s)" % (fmt_n(expected), runs[0]["failure"] if runs else "not run")
    counts = sorted(set(r["found"] for r in done))
    mark = "" if counts == [expected] else " **(missing %s)**" % fmt_n(expected - min(counts))
    return "%s of %s%s" % ("/".join(fmt_n(c) for c in counts), fmt_n(expected), mark)


def bound_cells(runs):
    """The bound, and the ARM part of the run (first to last ARM request) and the whole run against it."""
    done = completed(runs)
    if not done:
        return "-", "-", "-"
    chain = statistics.median(r["chain"] for r in done)
    latency = statistics.median(r["latency_s"] for r in done)
    bound = chain * latency
    if not bound:
        return "-", "-", "-"
    return ("%d x %.0f ms = %.2f s" % (chain, latency * 1000, bound),
            "%.1f" % (median_of(runs, "arm_span") / bound), "%.1f" % (median_of(runs, "wall") / bound))


# ---- tables ---------------------------------------------------------------------------------------------------

ROW_HEADER = ("| estate | tool | wall time, median (runs) | ARM requests | HTTP round trips | 429s / other errors "
              "| peak memory MiB | found | critical-path bound | ARM time / bound | wall / bound |\n"
              "|---|---|---|---:|---:|---:|---:|---|---|---:|---:|")


def table_row(label, tool, runs, expected, with_bound):
    bound, arm_ratio, wall_ratio = bound_cells(runs) if with_bound else ("", "", "")
    return "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        label, tool, wall_cell(runs), last_or_median(runs, "arm_requests"), last_or_median(runs, "round_trips"),
        "%s / %s" % (last_or_median(runs, "throttled"), last_or_median(runs, "errors")),
        fmt_mb(median_of(runs, "peak_mb")), found_cell(runs, expected), bound, arm_ratio, wall_ratio)


def inventory_table(inventory):
    lines = [ROW_HEADER]
    for entry in inventory:
        label = "%s VMs (%s)" % (fmt_n(entry["vms"]), entry["shape"])
        lines.append(table_row(label, OURS, entry["runs"][OURS], entry["vms"], True))
        lines.append(table_row(label, PEER, entry["runs"][PEER], entry["vms"], False))
    return "\n".join(lines)


def inventory_notes(inventory):
    notes = []
    for entry in inventory:
        peer_runs = entry["runs"][PEER]
        if completed(peer_runs):
            continue
        if not peer_runs:
            notes.append("- %s VMs: the peer was not run." % fmt_n(entry["vms"]))
            continue
        stopped = peer_runs[0]
        estimate = peer_estimate(inventory, entry)
        how = "was stopped at the cap" if stopped["timed_out"] else "failed (%s)" % stopped["failure"]
        text = ("- %s VMs: the peer's run %s after %.0f s, without an inventory; it had sent %s ARM requests, "
                "%s of them throttled" % (fmt_n(entry["vms"]), how, stopped["wall"],
                                          fmt_n(stopped["arm_requests"]), fmt_n(stopped["throttled"])))
        if estimate:
            text += (". Estimate for a whole run: at least %s — the 1,000-VM run's time per VM gives %s, and its "
                     "%s reads per VM (%s reads) against the emulated subscription read budget of %s per %.0f min "
                     "give %s" % (fmt_s(estimate["estimate"]), fmt_s(estimate["linear"]),
                                  "%.1f" % (estimate["reads"] / entry["vms"]), fmt_n(estimate["reads"]),
                                  fmt_n(entry["read_budget"][0]), entry["read_budget"][1] / 60.0,
                                  fmt_s(estimate["floor"])))
        notes.append(text + ".")
    return "\n".join(notes)


def info_table(scale_set):
    info = scale_set["info"]
    label = "1 Uniform set of %s" % fmt_n(scale_set["vms"])
    return "\n".join([ROW_HEADER, table_row(label, OURS, info[OURS], scale_set["vms"], True),
                      table_row(label, PEER, info[PEER], scale_set["vms"], False)])


def restart_table(scale_set, settings):
    restart = scale_set["restart"]
    ours = restart[OURS]
    done = completed(ours)
    peer = restart[PEER]
    lines = ["| tool | how | instances | wall time, median (runs) | rolling part | bound: batches x operation "
             "| rolling / bound | ARM requests | write requests |",
             "|---|---|---|---|---|---|---:|---:|---:|"]
    if done:
        bound = statistics.median(r["bound"] for r in done)
        rolling = statistics.median(r["rolling"] for r in done)
        lines.append("| %s | `vmss.fleet.instance state=restarted batch_size=%s`, one task | %s of %s "
                     "succeeded | %s | %s | %d x %.0f s = %.0f s | %.2f | %s | %s |" % (
                         OURS, restart["batch_size"], fmt_n(median_of(ours, "succeeded")),
                         fmt_n(median_of(ours, "actions")), wall_cell(ours), fmt_s(rolling),
                         statistics.median(r["batches"] for r in done), settings["operation_seconds"], bound,
                         rolling / bound if bound else 0.0, fmt_n(median_of(ours, "arm_requests")),
                         fmt_n(median_of(ours, "posts"))))
    else:
        lines.append("| %s | failed: %s | | | | | | | |" % (OURS, ours[0]["failure"] if ours else "not run"))
    if peer["rc"] == 0 and peer["per_instance"]:
        cells = (PEER, peer["sample"], peer["found"], peer["sample"], fmt_s(peer["wall"]),
                 peer["per_instance_median"], peer["requests_per_instance"], peer["writes_per_instance"])
        lines.append("| %s | stop, wait, start, wait: 4 tasks per instance, one instance at a time; sample of %d "
                     "| %d of %d | %s for the sample; median %.1f s per instance | | | | %.1f per instance | "
                     "%.1f per instance |" % cells)
        lines.append("| %s, extrapolated | the same for %s instances | | **%s** (%s x median per instance) "
                     "| | | | %s | %s |" % (PEER, fmt_n(scale_set["vms"]),
                                            fmt_s(peer["per_instance_median"] * scale_set["vms"]),
                                            fmt_n(scale_set["vms"]),
                                            fmt_n(peer["requests_per_instance"] * scale_set["vms"]),
                                            fmt_n(peer["writes_per_instance"] * scale_set["vms"])))
    else:
        lines.append("| %s | failed: %s | | | | | | | |" % (PEER, peer["failure"]))
    return "\n".join(lines)


# ---- the plot -------------------------------------------------------------------------------------------------

def write_plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    inventory = results["inventory"]
    figure, (walls, requests) = plt.subplots(1, 2, figsize=(11, 5.2))
    for tool, colour, marker in ((OURS, "tab:blue", "o"), (PEER, "tab:red", "s")):
        done = [(e["vms"], median_of(e["runs"][tool], "wall"), median_of(e["runs"][tool], "arm_requests"))
                for e in inventory if completed(e["runs"][tool])]
        stopped = [(e["vms"], e["runs"][tool][0]["wall"], e["runs"][tool][0]["arm_requests"])
                   for e in inventory if not completed(e["runs"][tool]) and e["runs"][tool]]
        if done:
            walls.plot([d[0] for d in done], [d[1] for d in done], marker=marker, color=colour, label=tool)
            requests.plot([d[0] for d in done], [d[2] for d in done], marker=marker, color=colour, label=tool)
        if stopped:
            label = "%s, stopped unfinished (lower bound)" % tool
            walls.scatter([s[0] for s in stopped], [s[1] for s in stopped], marker="^", color=colour, label=label)
            requests.scatter([s[0] for s in stopped], [s[2] for s in stopped], marker="^", facecolors="none",
                             edgecolors=colour, label=label)
            for vms, wall, _reqs in stopped:
                walls.annotate("stopped at %.0f s" % wall, (vms, wall), textcoords="offset points",
                               xytext=(-30, 8), fontsize=8, color=colour)
    estimates = [(e["vms"], peer_estimate(inventory, e)) for e in inventory
                 if e["runs"][PEER] and not completed(e["runs"][PEER])]
    estimates = [(vms, estimate["estimate"]) for vms, estimate in estimates if estimate]
    if estimates:
        walls.scatter([e[0] for e in estimates], [e[1] for e in estimates], marker="x", color="tab:red",
                      label="%s, estimated whole run (see the notes)" % PEER)
    settings = results["settings"]
    for axes, title, label in ((walls, "ansible-inventory --list: wall time", "seconds (log scale)"),
                               (requests, "ARM requests (each one inside /batch counted)", "requests (log scale)")):
        axes.set_yscale("log")
        axes.set_xlabel("VMs in the estate (half Uniform, half Flexible)")
        axes.set_ylabel(label)
        axes.set_title(title, fontsize=10)
        axes.set_xticks([e["vms"] for e in inventory])
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    figure.suptitle("vmss.fleet vs azure.azcollection on arm_emulator: %g ms latency + up to %g ms jitter, "
                    "throttling on" % (settings["latency_ms"], settings["jitter_ms"]), fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# ---- the document ---------------------------------------------------------------------------------------------

def peer_unfinished(inventory, entry):
    runs = entry["runs"][PEER]
    if not runs:
        return "not run"
    estimate = peer_estimate(inventory, entry)
    text = "no inventory (%s)" % runs[0]["failure"]
    if estimate:
        text += "; a whole run would take at least %s (estimate, see below)" % fmt_s(estimate["estimate"])
    return text


def fleet_table(fleet):
    if not fleet:
        return "Not run."
    lines = ["| run | batches | succeeded | wall time | rolling part | bound | rolling / bound | ARM requests "
             "| per batch | writes | operation polls | VM list pages |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for number, run in enumerate(fleet["runs"], 1):
        if run["rc"] != 0:
            lines.append("| %d | failed: %s | | | | | | | | | | |" % (number, run["failure"]))
            continue
        lines.append("| %d | %d | %s | %s | %s | %s | %.2f | %s | %.1f | %s | %s | %s |" % (
            number, run["batches"], fmt_n(run["succeeded"]), fmt_s(run["wall"]), fmt_s(run["rolling"]),
            fmt_s(run["bound"]), run["rolling"] / run["bound"], fmt_n(run["arm"]), run["per_batch"],
            fmt_n(run["posts"]), fmt_n(run["polls"]), fmt_n(run["pages"])))
    done = completed(fleet["runs"])
    if done:
        ratio = statistics.median(r["rolling"] / r["bound"] for r in done)
        lines.append("")
        lines.append("Median rolling / bound: %.2f." % ratio)
    return "\n".join(lines)


def summary_lines(results):
    lines = []
    largest = results["inventory"][-1]
    ours_wall = median_of(largest["runs"][OURS], "wall")
    peer_runs = largest["runs"][PEER]
    if completed(peer_runs):
        peer_text = "%s and %s ARM requests" % (
            fmt_s(median_of(peer_runs, "wall")), fmt_n(median_of(peer_runs, "arm_requests")))
    else:
        peer_text = peer_unfinished(results["inventory"], largest)
    lines.append("- **Inventory of %s VMs**: %s lists every host in %s with %s ARM requests; %s: %s." % (
        fmt_n(largest["vms"]), OURS, fmt_s(ours_wall), fmt_n(median_of(largest["runs"][OURS], "arm_requests")),
        PEER, peer_text))
    info = results["scale_set"]["info"]
    lines.append("- **Instances of a 1,000-VM Uniform scale set**: %s %s with %s requests; %s %s with %s "
                 "(one instance view per VM, one after the other)." % (
                     OURS, fmt_s(median_of(info[OURS], "wall")), fmt_n(median_of(info[OURS], "arm_requests")),
                     PEER, fmt_s(median_of(info[PEER], "wall")), fmt_n(median_of(info[PEER], "arm_requests"))))
    restart = results["scale_set"]["restart"]
    done = completed(restart[OURS])
    if done and restart[PEER]["per_instance"]:
        rolling = statistics.median(r["rolling"] for r in done)
        bound = statistics.median(r["bound"] for r in done)
        lines.append("- **Rolling restart of 1,000 instances**: %s in %s (%.2f x the %.0f s bound of batches x "
                     "operation time); %s, which has no batched restart for scale-set instances, would take about "
                     "%s one task per instance." % (
                         OURS, fmt_s(median_of(restart[OURS], "wall")), rolling / bound, bound, PEER,
                         fmt_s(restart[PEER]["per_instance_median"] * results["scale_set"]["vms"])))
    fleet = completed((results.get("fleet") or {}).get("runs") or [])
    if fleet:
        lines.append("- **Rolling restart of 20 scale sets side by side** (10 Uniform + 10 Flexible x 100): %s in %s "
                     "of rolling, %.2f x the %.0f s bound of the slowest set, %.1f ARM requests per batch." % (
                         OURS, fmt_s(statistics.median(r["rolling"] for r in fleet)),
                         statistics.median(r["rolling"] / r["bound"] for r in fleet),
                         statistics.median(r["bound"] for r in fleet),
                         statistics.median(r["per_batch"] for r in fleet)))
    return "\n".join(lines)


def setup_rows(versions, settings):
    rows = [
        ("machine", "%s CPUs (%s), Python %s, shared with other work while it ran"
         % (versions["cpus"], versions["cpu"], versions["python"])),
        (OURS, "%s, %s, project venv" % (versions["ours"], versions["ours_core"])),
        ("peer", "azure.azcollection %s from the `ansible` %s package (the newest that installs on Python 3.11), "
                 "%s, its own venv `tests/output/peer-venv` with the Python requirements it asks for "
                 "(`tests/bench/peer/requirements.txt`)"
         % (versions["peer_collection"], versions["peer_ansible"], versions["peer_core"])),
        ("Azure", "`arm_emulator`: every request %g ms late plus up to %g ms of jitter, Compute's throttling on, "
                  "%d items per page, operations take %g s"
         % (settings["latency_ms"], settings["jitter_ms"], settings["page_size"], settings["operation_seconds"])),
    ]
    return "\n".join("| %s | %s |" % row for row in rows)


def document(results):
    versions, settings = results["versions"], results["settings"]
    calibration = results["scale_set"]["calibration"]
    return TEMPLATE.format(
        started=results["started"], duration=fmt_s(results["duration_s"]), command=results["command"],
        summary=summary_lines(results), setup_rows=setup_rows(versions, settings), runs=settings["runs"],
        peer_timeout=settings["peer_timeout_s"], direct_ms=calibration["direct"], proxy_ms=calibration["proxy"],
        inventory_table=inventory_table(results["inventory"]), inventory_notes=inventory_notes(results["inventory"]),
        info_table=info_table(results["scale_set"]), restart_table=restart_table(results["scale_set"], settings),
        fleet_table=fleet_table(results.get("fleet")),
        metadata_bug=METADATA_BUG, nic_versions=VMSS_NIC_VERSIONS,
        batch=results["scale_set"]["restart"]["batch_size"], not_running=results["scale_set"]["not_running"])


def write(results, docs_dir):
    with open(os.path.join(docs_dir, "performance.md"), "w") as handle:
        handle.write(document(results))
    write_plot(results, os.path.join(docs_dir, "performance.png"))


TEMPLATE = """# Performance: vmss.fleet side by side with azure.azcollection

Measured by `{command}` (`tests/bench/compare.py`) on {started}; the whole benchmark took {duration}.
This page is written by that script: rerun it rather than editing the figures.

{summary}

![wall time and requests against estate size](performance.png)

## What ran where

| | |
|---|---|
{setup_rows}

Each run starts from the same emulator state (estate, settings, empty request log, full throttling buckets).
Every run is made {runs} time(s), alternating which tool goes first; tables give the median and, in brackets,
each run. A peer inventory run over more than 1,000 VMs is stopped after {peer_timeout:g} s and not repeated.

## How the peer was pointed at the emulator

Without touching its code, with its own options and the environment a user of it would set:
`ANSIBLE_AZURE_AUTH_SOURCE=env`, `AZURE_SUBSCRIPTION_ID`, `AZURE_CLIENT_ID`, `AZURE_SECRET`, `AZURE_TENANT`,
`AZURE_DISABLE_INSTANCE_DISCOVERY=true`, and `REQUESTS_CA_BUNDLE` = the system CAs + the emulator's CA (the peer
has no CA option). One piece of the peer could not be made to run:

- **A custom cloud (`cloud_environment` / `AZURE_CLOUD_ENVIRONMENT` = a metadata URL) fails.** For a URL,
  `azure_rm_common.AzureRMAuth` calls `azure.cli.core.cloud.get_cloud_from_metadata_endpoint`, a function that
  exists only in the retired msrestazure package, not in the azure-cli-core the collection requires; the
  `AttributeError` is then formatted with `e.message`, which raises a second `AttributeError`, so the inventory
  plugin and every module fail before any request ({metadata_bug}). Only the names of the built-in clouds work
  (`AzureCloud`, `AzureChinaCloud`, ...), and those carry fixed host names. So the peer runs as `AzureCloud`
  with `HTTPS_PROXY` set to `tests/bench/peer/cloud_proxy.py`, which answers CONNECT for
  `management.azure.com` and `login.microsoftonline.com` with a certificate of its own CA (added to the bundle)
  and relays the decrypted requests to the emulator. Measured without added latency, a kept-alive GET takes
  {direct_ms:.1f} ms straight to the emulator and {proxy_ms:.1f} ms through the proxy (medians of 100), so the
  proxy does not weigh on the figures below.

Everything else the peer sends is served: ARM's `POST /batch` (api-version 2015-11-01; each request inside is
dispatched and logged on its own, with its own latency, throttling and faults, and counted below), its
api-versions (Compute 2024-07-01, Network 2024-05-01), and its per-VM GETs.

## (a) Inventory: `ansible-inventory --list`

vmss.fleet: `plugin: vmss.fleet.azure_vmss` and nothing else. The peer: `plugin: azure.azcollection.azure_rm`,
`include_vmss_resource_groups: ['*']` (Uniform members) with `include_vm_resource_groups` at its default `['*']`
(Flexible members, which it lists as plain VMs) and `default_host_filters: []` (by default it drops stopped and
deallocated VMs; ours lists them, so both are asked for the whole fleet).

{inventory_table}

{inventory_notes}

Why the peer needs so many requests, from its code (`plugins/inventory/azure_rm.py`): it lists VMs and scale-set
VMs, then queues per VM a GET of its instance view, one per NIC and one per public IP, and sends the queue as
`/batch` requests of 100, one batch at a time. For Uniform members the NIC GET uses the Network api-version,
which Azure refuses on scale-set NICs (400 `NoRegisteredProviderFound`: those paths take Compute's versions,
see {nic_versions}); the peer drops such failures silently, and then, building the host variables, makes for
every host one or two more SDK calls one after the other (Flexible: the VM's instance view; Uniform: the
instance view and the VM's NIC list), each through a newly built client. A 429 or 5xx inside a batch makes it
resend the batch after a back-off of its own (0.8 s x 2^n; Retry-After is not read), at most 10 times, then the
run fails; it removes the requests already answered from the list while iterating over that list, so some of
them are sent, and handled, again. Any other failed request inside a batch (403, 404, ...) is dropped without a
word, and with it the hosts it would have given.

vmss.fleet's requests grow with scale sets and pages, not VMs: per scale set one paged VM list with instance
views, plus paged NIC and public-IP lists per Uniform set and per resource group of Flexible sets, read
concurrently in a child process while ansible-core adds the hosts of the sets already listed (see
[inventory.md](inventory.md#at-scale) for where its time goes against ansible-core's own cost). The
critical-path bound is the round trips of the longest chain of requests that must follow one another
(sign-in: metadata, OpenID configuration, token; the scale sets; the longest paged list) times the mean latency.
"ARM time" runs from the first to the last ARM request; the rest of the wall time is Python and Ansible starting,
and the plugin building and Ansible printing the inventory.

## (b) `instance_info` on one 1,000-VM Uniform scale set

vmss.fleet: `vmss.fleet.instance_info` (`resource_group`, `scale_set`; its default also reads network
addresses). The peer: `azure_rm_virtualmachinescalesetinstance_info` (`resource_group`, `vmss_name`), which lists
the VMs and then GETs each VM's instance view, one after the other, for its power state.

{info_table}

## (c) Rolling restart of 1,000 instances

Same scale set ({not_running} of its VMs stopped or deallocated at the start: `restarted` starts those). vmss.fleet:
batches of {batch}; a batch is one `restart` request with its instance IDs (and one `start` for the stopped ones),
done when its operations are over and every instance runs again, provisioned and healthy (`polling_interval`
0.25, aimed at the end of the previous batch's operation). The rolling part runs from the first write to the last read; its
bound is batches x operation time. The peer has no restart for scale-set instances
(`azure_rm_virtualmachinescalesetinstance` sets `power_state` running/stopped/deallocated, one instance per task,
without waiting), so a restart is four tasks per instance: stop, wait until stopped, start, wait until running
(`azure_rm_virtualmachinescalesetinstance_info` with `until`, 1 s delay). That is timed on a sample of running
instances, one after the other, and extrapolated linearly; each instance's share runs from its stop request to
the next instance's.

{restart_table}

## (d) Rolling restart of 20 scale sets side by side

`tests/emulator/estates/rolling-bench.yml`: 10 Uniform and 10 Flexible scale sets of 100 instances, all running.
vmss.fleet: one `vmss.fleet.instance state=restarted` task over `scale_set: bench-roll-*`, `max_parallel_sets` 20
(every set rolls at once, in batches of 10% of its own instances), `max_parallel` 10, `polling_interval` 0.25.
The bound is the slowest set's batches x operation time. This part runs without Compute's throttling: its limit
on single-VM writes (UpdateVM3Min, 240 per 3 minutes) alone would spread the 1,000 Flexible restarts over several
minutes, whatever the tool. The peer has no multi-set rolling restart.

{fleet_table}

## Method

- Estates: `python -m arm_emulator generate` (seed 1), half Uniform and half Flexible scale sets of 500 VMs
  (250 for 1,000 VMs), five sets per resource group, about 2% stopped, 2% deallocated, 2% unhealthy.
- Wall time: from starting `ansible-inventory` / `ansible-playbook` to its exit, start-up and sign-in included.
- Peak memory: `/usr/bin/time -v`, maximum resident set size of the largest process of the run (for playbooks,
  usually the module's).
- ARM requests: the emulator's request log for the run, every ARM request counted once, those inside a
  `/batch` one by one. HTTP round trips: the exchanges the client had with the emulator (sign-in, ARM requests,
  `/batch` envelopes; not the requests inside batches). 429s: throttled ARM requests.
- Found: hosts in `_meta.hostvars` (or instances returned) against the VMs of the estate; anything less is a
  finding about that tool.

## Reproduce

```bash
make bench                                      # both venvs, then the whole comparison (~{duration})
python tests/bench/compare.py --quick           # 1,000 VMs, one run each: a few minutes
python tests/bench/compare.py --report-only tests/output/bench/compare-results.json   # rewrite this page
```
"""
