# -*- coding: utf-8 -*-
"""The role vmss.fleet.fleet_report end to end: the JSON's counts against the emulator's own view of the estate,
the HTML page rendered by headless Chromium (every chart and count there), check mode, module_defaults, bad
input, and Azure text that carries HTML and Jinja.

Chromium is Debian's ``chromium`` package (`make setup` installs it when run as root); without it the tests that
render the page are skipped, saying so. ``FLEET_REPORT_SCREENSHOT=docs/fleet-report.png`` makes the rendering test
also write the screenshot the docs show.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import struct
import subprocess
import tempfile

from html.parser import HTMLParser

import pytest
import yaml

from harness import ESTATES, REPO, arm_requests, run_playbook, start_emulator

pytestmark = pytest.mark.integration

ESTATE = "fleet-report.yml"
INJECTION_ESTATE = "fleet-report-injection.yml"
ATTENTION_LIMIT = 3
# Uniform VMs the test moves off the latest model (the estate format has no field for it).
STALE = ("vmss-shop-web", 3), ("vmss-shop-api", 2)
CHARTS = ("power_states", "provisioning_states", "health", "model", "vm_agent")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NO_CHROMIUM = ("Chromium is not installed (Debian package `chromium`; `make setup` installs it when run as root, "
               "or `apt-get install chromium`): the HTML page is not rendered")


# ---------------------------------------------------------------------------
# Running the role
# ---------------------------------------------------------------------------

def write_play(tmp_path, role_vars, module_defaults=None, name="report.yml"):
    play = {"name": "fleet report", "hosts": "localhost", "gather_facts": False,
            "tasks": [{"name": "Write the report", "ansible.builtin.include_role": {"name": "vmss.fleet.fleet_report"},
                       "vars": role_vars},
                      {"name": "Keep what the role returned", "ansible.builtin.copy": {
                          "content": "{{ {'result': fleet_report_result, 'totals': fleet_report_summary.totals}"
                                     " | to_json }}",
                          "dest": str(tmp_path / "returned.json")}, "check_mode": False}]}
    if module_defaults:
        play["module_defaults"] = {"group/vmss.fleet.azure": module_defaults}
    path = tmp_path / name
    path.write_text(yaml.safe_dump([play]))
    return str(path)


def run_report(emu, tmp_path, extra_args=(), module_defaults=None, env=None, **role_vars):
    role_vars.setdefault("fleet_report_dir", str(tmp_path / "report"))
    playbook = write_play(tmp_path, role_vars, module_defaults)
    return run_playbook(playbook, emu.env if env is None else env, list(extra_args))


def load_json(path):
    with open(str(path)) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def fleet():
    with start_emulator(ESTATE) as emu:
        for scale_set, count in STALE:
            for vm in emu.vms(scale_set=scale_set)[:count]:
                emu.set_vm(vm["name"], latest_model_applied=False)
        yield emu


@pytest.fixture(scope="module")
def report(fleet, tmp_path_factory):
    """The role run once over the whole estate; its files and what it returned."""
    workdir = tmp_path_factory.mktemp("fleet-report")
    fleet.clear_requests()
    run = run_report(fleet, workdir, fleet_report_attention_limit=ATTENTION_LIMIT)
    assert run.rc == 0, run.output
    returned = load_json(workdir / "returned.json")
    return {"run": run, "dir": workdir / "report", "returned": returned,
            "data": load_json(returned["result"]["json_path"]), "requests": fleet.requests()}


# ---------------------------------------------------------------------------
# What the report must say, computed from the emulator's view and the estate file, not from the collection
# ---------------------------------------------------------------------------

def scale_set_id(subscription, resource_group, name):
    return ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachineScaleSets/%s"
            % (subscription, resource_group, name)).lower()


def estate_scale_sets(estate):
    with open(os.path.join(ESTATES, estate)) as handle:
        data = yaml.safe_load(handle)
    return [(scale_set_id(sub["id"], group["name"], vmss["name"]), vmss)
            for sub in data["subscriptions"] for group in sub["resource_groups"] for vmss in group["scale_sets"]]


def expected_reasons(vm):
    running = vm["power_state"] == "running"
    found = set()
    if vm["provisioning_state"] == "Failed":
        found.add("provisioning_failed")
    if vm["health"] == "unhealthy":
        found.add("unhealthy")
    if not running:
        found.add("not_running")
    if running and vm["health"] in ("unknown", "initializing"):
        found.add("health_unknown")
    if vm["provisioning_state"] in ("Updating", "Creating", "Deleting"):
        found.add("provisioning_busy")
    if vm["mode"] == "Uniform" and not vm["latest_model_applied"]:
        found.add("stale_model")
    return found


def count(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def expected_counts(vms):
    """Counts as the report should show them; the emulator's agent is ready exactly when the VM runs."""
    return {
        "instances": len(vms),
        "power_states": count(vm["power_state"] for vm in vms),
        "provisioning_states": count(vm["provisioning_state"].lower() for vm in vms),
        "health": count(vm["health"] or "not_reported" for vm in vms),
        "model": count("not_applicable" if vm["mode"] == "Flexible" else
                       "latest" if vm["latest_model_applied"] else "stale" for vm in vms),
        "vm_agent": count("ready" if vm["power_state"] == "running" else "not_ready" for vm in vms),
        "update_domains": count(vm["update_domain"] for vm in vms),
        "placement": count((vm["zone"], vm["fault_domain"]) for vm in vms),
        "attention": count(reason for vm in vms for reason in expected_reasons(vm)),
        "attention_instances": len([vm for vm in vms if expected_reasons(vm)]),
    }


@pytest.fixture(scope="module")
def expected(fleet):
    vms = fleet.vms()
    per_set = dict((set_id, []) for set_id, _spec in estate_scale_sets(ESTATE))
    for vm in vms:
        per_set[scale_set_id(vm["subscription_id"], vm["resource_group"], vm["scale_set"])].append(vm)
    return {"fleet": expected_counts(vms), "scale_sets": dict((k, expected_counts(v)) for k, v in per_set.items()),
            "vms": vms}


def grid_cells(grid):
    return dict(((zone, fd), grid["counts"][row][col]) for row, zone in enumerate(grid["zones"])
                for col, fd in enumerate(grid["fault_domains"]) if grid["counts"][row][col])


def assert_counts(actual, want):
    assert actual["instances"] == want["instances"]
    for chart in CHARTS:
        assert actual[chart] == want[chart], chart
    assert dict((item["domain"], item["count"]) for item in actual["update_domains"]) == want["update_domains"]
    assert grid_cells(actual["zones_by_fault_domain"]) == want["placement"]
    assert actual["attention"] == want["attention"]
    assert actual["attention_instances"] == want["attention_instances"]


# ---------------------------------------------------------------------------
# The JSON
# ---------------------------------------------------------------------------

def test_the_json_counts_match_the_estate_per_scale_set_and_fleet_wide(report, expected):
    data = report["data"]
    assert_counts(data["fleet"], expected["fleet"])
    assert [entry["id"].lower() for entry in data["scale_sets"]] == sorted(expected["scale_sets"])
    for entry in data["scale_sets"]:
        assert_counts(entry, expected["scale_sets"][entry["id"].lower()])
    assert data["totals"] == {"scale_sets": 5, "instances": len(expected["vms"]),
                              "attention_instances": expected["fleet"]["attention_instances"],
                              "scale_sets_by_mode": {"Uniform": 3, "Flexible": 2}}
    # The estate gives every chart something to show.
    assert expected["fleet"]["attention"].keys() >= {"provisioning_failed", "unhealthy", "not_running",
                                                     "health_unknown", "provisioning_busy", "stale_model"}


def test_the_json_lists_every_instance_that_needs_attention_with_its_reasons(report, expected):
    listed = dict((entry["name"], set(item["reason"] for item in entry["reasons"]))
                  for entry in report["data"]["attention"]["instances"])
    assert listed == dict((vm["name"], expected_reasons(vm)) for vm in expected["vms"] if expected_reasons(vm))
    failed = [entry for entry in report["data"]["attention"]["instances"]
              if entry["reasons"][0]["reason"] == "provisioning_failed"]
    assert failed and all(entry["reasons"][0]["detail"].startswith("InternalOperationError") for entry in failed)


def test_the_report_costs_one_listing_per_scale_set_and_writes_nothing(report):
    arm = [entry for entry in report["requests"] if entry["path"].startswith("/subscriptions/")]
    assert [entry for entry in arm if entry["method"] != "GET"] == []
    vm_lists = [entry for entry in arm if entry["path"].lower().endswith("/virtualmachines")]
    # 3 Uniform set lists + one filtered VM list per Flexible set; no GET per VM, no network lists.
    assert len(vm_lists) == 5
    assert [entry for entry in arm if "networkinterfaces" in entry["path"].lower()
            or "publicipaddresses" in entry["path"].lower()] == []


def test_the_role_returns_the_paths_and_totals(report):
    returned = report["returned"]
    assert returned["result"] == {"html_path": str(report["dir"] / "fleet-report.html"),
                                  "json_path": str(report["dir"] / "fleet-report.json")}
    assert returned["totals"] == report["data"]["totals"]
    assert sorted(os.listdir(str(report["dir"]))) == ["fleet-report.html", "fleet-report.json"]


# ---------------------------------------------------------------------------
# The HTML page, as Chromium renders it
# ---------------------------------------------------------------------------

class Node(object):
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.parts = tag, dict(attrs), parent, [], []

    def text(self):
        return "".join(part if isinstance(part, str) else part.text() for part in self.parts)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class DomBuilder(HTMLParser):
    """A small tree of the rendered DOM (Chromium's --dump-dom prints HTML, not XML)."""
    VOID = {"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr", "area", "base", "embed", "track"}

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.root = self.current = Node("#root", [], None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        self.current.parts.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        self.current.parts.append(node)

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.parts.append(data)


def parse_dom(html):
    builder = DomBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def chromium(url, *flags):
    """Run headless Chromium on ``url``; its stdout (the DOM with --dump-dom)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(NO_CHROMIUM)
    profile = tempfile.mkdtemp(prefix="fleet-report-chromium-")
    try:
        completed = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile] + list(flags) + [url],
            capture_output=True, text=True, timeout=180, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


@pytest.fixture(scope="module")
def page(report):
    html_path = str(report["dir"] / "fleet-report.html")
    return parse_dom(chromium("file://" + html_path, "--dump-dom"))


def find(page, **attrs):
    wanted = dict(("data-" + key.replace("_", "-"), value) for key, value in attrs.items())
    return [node for node in page.walk() if all(node.attrs.get(k) == v for k, v in wanted.items())]


def one(page, **attrs):
    found = find(page, **attrs)
    assert len(found) == 1, (attrs, len(found))
    return found[0]


def drawn_counts(node, tag):
    return dict((child.attrs["data-key"], int(child.attrs["data-count"]))
                for child in node.walk() if child.tag == tag and "data-key" in child.attrs)


def assert_chart(page, chart, scope, want):
    svg = one(page, chart=chart, scope=scope)
    assert svg.tag == "svg" and int(svg.attrs["data-total"]) == sum(want.values())
    assert drawn_counts(svg, "rect") == want, (chart, scope)
    legend = one(page, legend=chart, scope=scope)
    assert drawn_counts(legend, "li") == want, (chart, scope)
    for item in legend.children:
        assert str(want[item.attrs["data-key"]]) in item.text()


def assert_placement(page, scope, want):
    heatmap = one(page, chart="zones_by_fault_domain", scope=scope)
    cells = dict(((node.attrs["data-zone"] or None, int(node.attrs["data-fault-domain"])), int(node.attrs["data-count"]))
                 for node in heatmap.walk() if "data-zone" in node.attrs)
    assert dict((cell, n) for cell, n in cells.items() if n) == want["placement"]
    # Each cell prints its count too.
    for node in heatmap.walk():
        if "data-zone" in node.attrs:
            printed = [child.text() for child in node.children if child.tag == "text"]
            assert printed == [node.attrs["data-count"]]
    columns = one(page, chart="update_domains", scope=scope)
    drawn = dict((int(node.attrs["data-update-domain"]), int(node.attrs["data-count"]))
                 for node in columns.walk() if "data-update-domain" in node.attrs)
    assert drawn == want["update_domains"]


def test_every_chart_of_the_fleet_and_of_each_scale_set_shows_the_estate(page, report, expected):
    for chart in CHARTS:
        assert_chart(page, chart, "fleet", expected["fleet"][chart])
    assert_placement(page, "fleet", expected["fleet"])
    for entry in report["data"]["scale_sets"]:
        want = expected["scale_sets"][entry["id"].lower()]
        row = one(page, scale_set=entry["id"])
        assert int(row.attrs["data-instances"]) == want["instances"]
        assert int(row.attrs["data-attention"]) == want["attention_instances"]
        for chart in CHARTS:
            assert_chart(page, chart, entry["id"], want[chart])
        if want["instances"]:
            assert_placement(page, entry["id"], want)
        else:
            assert "No VM." in one(page, placement=entry["id"]).text()


def test_the_totals_on_top_match_the_estate(page, expected):
    fleet = expected["fleet"]
    reporting = fleet["instances"] - fleet["health"].get("not_reported", 0)
    uniform = fleet["model"].get("latest", 0) + fleet["model"].get("stale", 0)
    tiles = {"instances": (fleet["instances"], None),
             "running": (fleet["power_states"]["running"], fleet["instances"]),
             "provisioned": (fleet["provisioning_states"]["succeeded"], fleet["instances"]),
             "healthy": (fleet["health"]["healthy"], reporting),
             "latest_model": (fleet["model"]["latest"], uniform),
             "agent_ready": (fleet["vm_agent"]["ready"], fleet["instances"]),
             "attention": (fleet["attention_instances"], None)}
    for name, (value, of) in tiles.items():
        tile = one(page, kpi=name)
        assert int(tile.attrs["data-value"]) == value, name
        assert tile.attrs.get("data-of") == (None if of is None else str(of)), name
        shown = "".join(node.text() for node in tile.walk() if node.attrs.get("class") == "kpi-value")
        assert shown.replace(",", "").partition("/")[0].strip() == str(value), name


def test_attention_is_grouped_by_reason_and_capped(page, expected):
    by_reason = {}
    for vm in expected["vms"]:
        for reason in expected_reasons(vm):
            by_reason.setdefault(reason, []).append(vm["name"])
    rows = dict((node.attrs["data-reason"], int(node.attrs["data-count"])) for node in find(page)
                if "data-reason" in node.attrs)
    assert rows == dict((reason, len(names)) for reason, names in by_reason.items())
    for reason, names in by_reason.items():
        group = one(page, reason_group=reason)
        shown = [node.attrs["data-instance"] for node in group.walk() if "data-instance" in node.attrs]
        assert len(shown) == min(len(names), ATTENTION_LIMIT) and set(shown) <= set(names)
        more = [node for node in group.walk() if "data-more" in node.attrs]
        if len(names) > ATTENTION_LIMIT:
            assert int(more[0].attrs["data-more"]) == len(names) - ATTENTION_LIMIT
            assert "fleet-report.json" in more[0].text()
        else:
            assert more == []


def test_the_page_loads_nothing_and_runs_no_script(page, report):
    html = (report["dir"] / "fleet-report.html").read_text()
    nodes = list(page.walk())
    assert [node.tag for node in nodes if node.tag in ("script", "link", "img", "iframe", "object", "embed")] == []
    referenced = [value for node in nodes for key, value in node.attrs.items()
                  if key in ("src", "href", "xlink:href", "action", "srcset") and value]
    assert referenced and all(value == "fleet-report.json" for value in referenced)
    assert "url(" not in html and "@import" not in html and "//" not in html.replace("<!--", "").split("<body")[0]
    policy = [node.attrs["content"] for node in nodes if node.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert policy and "default-src 'none'" in policy[0] and "script-src" not in policy[0]


def png_size(path):
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_a_screenshot_of_the_page(report, tmp_path):
    shot = str(tmp_path / "fleet-report.png")
    chromium("file://%s" % (report["dir"] / "fleet-report.html"), "--hide-scrollbars", "--window-size=1280,1400",
             "--screenshot=" + shot)
    assert png_size(shot) == (1280, 1400)
    target = os.environ.get("FLEET_REPORT_SCREENSHOT")
    if target:
        shutil.copyfile(shot, os.path.join(REPO, target))


# ---------------------------------------------------------------------------
# Check mode, module_defaults, bad input
# ---------------------------------------------------------------------------

def test_check_mode_writes_the_report_and_changes_nothing_in_azure(fleet, tmp_path):
    fleet.clear_requests()
    run = run_report(fleet, tmp_path, ["--check"], fleet_report_scale_set=["vmss-jobs-*"], fleet_report_name="jobs")
    assert run.rc == 0, run.output
    data = load_json(tmp_path / "report" / "jobs.json")
    assert [entry["name"] for entry in data["scale_sets"]] == ["vmss-jobs-flex", "vmss-jobs-legacy"]
    assert (tmp_path / "report" / "jobs.html").stat().st_size > 0
    assert [entry for entry in arm_requests(fleet, contains="/subscriptions/") if entry["method"] != "GET"] == []


def test_auth_from_module_defaults_of_the_azure_group(fleet, tmp_path):
    ready = fleet.ready
    only_ca = {"AZURE_CLOUD_ENVIRONMENT": fleet.env["AZURE_CLOUD_ENVIRONMENT"],
               "AZURE_CA_BUNDLE": fleet.env["AZURE_CA_BUNDLE"]}
    defaults = {"auth_source": "env", "subscription_id": ready["subscription_id"], "client_id": ready["client_id"],
                "secret": ready["client_secret"], "tenant": ready["tenant_id"]}
    run = run_report(fleet, tmp_path, module_defaults=defaults, env=only_ca, fleet_report_resource_group="rg-shop")
    assert run.rc == 0, run.output
    data = load_json(tmp_path / "report" / "fleet-report.json")
    assert data["scope"]["resource_group"] == "rg-shop"
    assert [entry["name"] for entry in data["scale_sets"]] == ["vmss-shop-api", "vmss-shop-spare", "vmss-shop-web"]
    assert ready["client_secret"] not in run.output


@pytest.mark.parametrize("role_vars, message", [
    ({"fleet_report_name": "../elsewhere"}, "fleet_report_name must be a plain file name"),
    ({"fleet_report_attention_limit": -1}, "fleet_report_attention_limit must be 0 or more, got -1"),
    ({"fleet_report_scale_set": ["vmss-nope-*"]}, "vmss-nope-*"),
    ({"fleet_report_dir": None}, "fleet_report_dir"),
])
def test_bad_input_fails_clearly_and_writes_nothing(fleet, tmp_path, role_vars, message):
    run = run_report(fleet, tmp_path, **role_vars)
    assert run.rc != 0
    assert message in run.output
    assert "Traceback" not in run.output
    assert not (tmp_path / "report").exists()


# ---------------------------------------------------------------------------
# Azure text carrying HTML and Jinja
# ---------------------------------------------------------------------------

POISONED_MESSAGE = "<img src=x onerror=\"document.title='PWNED'\">{{ lookup('pipe', 'touch MARKER_msg') }}"


@pytest.fixture(scope="module")
def poisoned():
    with start_emulator(INJECTION_ESTATE) as emu:
        vm = emu.vms(scale_set="vmss-inj-u")[1]
        emu.set_vm(vm["name"], provisioning_state="Failed", error_code="Bad<b>Code</b>",
                   error_message=POISONED_MESSAGE)
        yield emu


def markers(*directories):
    return sorted(name for directory in directories for name in os.listdir(str(directory))
                  if name.startswith("MARKER_"))


def test_html_and_jinja_from_azure_are_shown_as_text(poisoned, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = run_report(poisoned, tmp_path)
    assert run.rc == 0, run.output
    assert markers(tmp_path, REPO) == []
    html_path = tmp_path / "report" / "fleet-report.html"
    source = html_path.read_text()
    assert "<script>document" not in source and "<img" not in source and "<b>Code" not in source
    computer_names = [vm["computer_name"] for vm in poisoned.vms() if vm["scale_set"] == "vmss-inj-u"]
    assert all(name.startswith("<script>") for name in computer_names)
    if not os.path.exists(CHROMIUM):
        pytest.skip(NO_CHROMIUM)
    dom = chromium("file://%s" % html_path, "--dump-dom")
    page = parse_dom(dom)
    assert [node for node in page.walk() if node.tag in ("script", "img")] == []
    assert [node for node in page.walk() if node.tag == "b" and node.text() == "Code"] == []
    assert "PWNED" not in "".join(node.text() for node in page.walk() if node.tag == "title")
    cells = [node.text() for node in page.walk() if node.tag == "td"]
    assert set(computer_names) <= set(cells)
    details = [node.text() for node in find(page) if "data-detail" in node.attrs]
    assert "Bad<b>Code</b>: " + POISONED_MESSAGE in details
