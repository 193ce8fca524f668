# -*- coding: utf-8 -*-
"""Secrets and TLS.

- Every reliability scenario (test_reliability.py; the same runs, not new ones) used the estate's recognizable
  client secret and -vvv: neither the secret nor any access token the emulator issued may appear in stdout,
  stderr or the results.
- A server certificate that the configured CA does not sign fails with an error that says so, whichever way the
  CA is given and whatever the usual "switch verification off" variables say; nothing reaches the resource
  manager. No module or plugin has an option that turns verification off.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import tempfile

import pytest
import trustme
import yaml

import test_reliability as reliability
from harness import BIN, ESTATES, base_env, run_playbook
from test_bad_input import split_by_source

CANARY_WRONG_SECRET = "Wr0ng-CANARY-secret-3c9d1a7e-never-print"
# Variables that switch TLS verification off for other tools; none may do so here.
VERIFY_OFF_ENV = {"PYTHONHTTPSVERIFY": "0", "CURL_CA_BUNDLE": "", "AZURE_CERT_VALIDATION_MODE": "ignore",
                  "ANSIBLE_AZURE_VALIDATE_CERTS": "false", "AZURE_VALIDATE_CERTS": "false"}
TLS_REFUSED = re.compile(r"certificate verify failed|CERTIFICATE_VERIFY_FAILED", re.I)


def estate_secret():
    with open(os.path.join(ESTATES, reliability.ESTATE)) as handle:
        return yaml.safe_load(handle)["principals"][0]["client_secret"]


@pytest.fixture(scope="module")
def book():
    yield reliability.BOOK
    reliability.BOOK.close()


# ---------------------------------------------------------------------------
# No secret, no token, in anything any scenario printed or returned
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(reliability.SCENARIOS))
def test_no_secret_or_token_leaks_from(book, name):
    outcome = book.outcome(name)
    secret = estate_secret()
    assert book.emulator().env["AZURE_SECRET"] == secret     # the runs really used the recognizable secret
    assert outcome.tokens, "no token was issued: the check would prove nothing"
    for run in outcome.runs:
        assert "[core " in run.stdout, "not a -vvv run"          # -vvv prints the version banner
        texts = {"stdout": run.stdout, "stderr": run.stderr, "result": json.dumps(run.result)}
        for where, text in texts.items():
            assert secret not in text, "the client secret is in the %s of %s" % (where, name)
            for token in outcome.tokens:
                assert token not in text, "an access token is in the %s of %s" % (where, name)


# ---------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def other_ca(tmp_path_factory):
    """A CA that did not sign the emulator's certificate."""
    path = str(tmp_path_factory.mktemp("other-ca") / "ca.pem")
    trustme.CA().cert_pem.write_to_path(path)
    return path


def tls_tasks(emu, other_ca):
    """(task name, task) pairs, each expected to fail before anything reaches the resource manager."""
    endpoint = emu.endpoint
    explicit_endpoints = {"cloud_environment": "AzureCloud", "base_url": endpoint, "authority_host": endpoint}
    return [
        ("ca_cert option names another CA", {
            "vmss.fleet.instance_info": {"resource_group": reliability.RG, "ca_cert": other_ca}}),
        ("AZURE_CA_BUNDLE names another CA, verify-off variables set, a write asked for", {
            "vmss.fleet.instance": {"resource_group": reliability.RG, "scale_set": "vmss-rel-web",
                                    "all_instances": True, "state": "restarted"},
            "environment": dict(VERIFY_OFF_ENV, AZURE_CA_BUNDLE=other_ca, REQUESTS_CA_BUNDLE=other_ca)}),
        ("no CA bundle: the system trust store", {
            "vmss.fleet.instance_info": {"resource_group": reliability.RG},
            "environment": dict(VERIFY_OFF_ENV, AZURE_CA_BUNDLE="")}),
        ("the login authority itself, without cloud metadata", {
            "vmss.fleet.scaleset_info": dict(explicit_endpoints, ca_cert=other_ca)}),
    ]


def run_tasks(emu, tasks, extra_vars_file):
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        dict(task, name=name, register="case_%d" % number, ignore_errors=True)
        for number, (name, task) in enumerate(tasks)] + [{
            "name": "keep the results",
            "ansible.builtin.copy": {
                "content": "{{ [%s] | to_json }}" % ", ".join("case_%d" % n for n in range(len(tasks))),
                "dest": extra_vars_file}}]}]
    with tempfile.TemporaryDirectory() as workdir:
        playbook = os.path.join(workdir, "play.yml")
        with open(playbook, "w") as handle:
            yaml.safe_dump(play, handle)
        run = run_playbook(playbook, emu.env, ["-vvv"])
    with open(extra_vars_file) as handle:
        run.result = json.load(handle)
    return run


@pytest.fixture(scope="module")
def tls_run(book, other_ca, tmp_path_factory):
    emu = book.emulator()
    emu.reset()
    tasks = tls_tasks(emu, other_ca)
    wrong_secret = ("a wrong client secret",
                    {"vmss.fleet.instance_info": {"resource_group": reliability.RG, "secret": CANARY_WRONG_SECRET}})
    run = run_tasks(emu, tasks + [wrong_secret], str(tmp_path_factory.mktemp("tls") / "results.json"))
    run.tasks = tasks
    run.log = emu.requests()
    return run


# Where the message says the refusal happened: the cloud metadata URL (first request), or the login.
@pytest.mark.parametrize("number, where", [(0, "127.0.0.1"), (1, "127.0.0.1"), (2, "127.0.0.1"),
                                           (3, "Authentication failed")],
                         ids=["ca_cert-option", "env-bundle-and-verify-off-variables", "system-trust-store",
                              "authority-without-metadata"])
def test_an_untrusted_server_certificate_fails_clearly(tls_run, number, where):
    result = tls_run.result[number]
    assert result["failed"], result
    assert TLS_REFUSED.search(result["msg"]), result["msg"]
    assert where in result["msg"]
    assert "Traceback" not in json.dumps(result)


def test_nothing_reached_the_resource_manager_without_trusted_tls(tls_run):
    # The TLS handshakes failed; the only request that got an answer to a write was the wrong secret's token
    # request, refused.
    assert [e for e in tls_run.log if e["path"].lower().startswith("/subscriptions")] == []
    assert [e["status"] for e in tls_run.log if e["method"] == "POST"] == [401]


def test_a_wrong_secret_fails_without_printing_it(tls_run):
    result = tls_run.result[-1]
    assert result["failed"] and result["code"] == "AuthenticationFailed", result
    assert CANARY_WRONG_SECRET not in tls_run.output and CANARY_WRONG_SECRET not in json.dumps(tls_run.result)
    assert estate_secret() not in tls_run.output


def test_the_inventory_refuses_an_untrusted_certificate(book, other_ca):
    emu = book.emulator()
    emu.reset()
    with tempfile.TemporaryDirectory() as workdir:
        sources = []
        for case_id, options in (("ca-cert-option", {"ca_cert": other_ca}),
                                 ("authority-without-metadata", {"ca_cert": other_ca, "cloud_environment": "AzureCloud",
                                                                 "base_url": emu.endpoint,
                                                                 "authority_host": emu.endpoint})):
            path = os.path.join(workdir, "%s.azure_vmss.yml" % case_id)
            with open(path, "w") as handle:
                yaml.safe_dump(dict(plugin="vmss.fleet.azure_vmss", **options), handle)
            sources.append((case_id, path))
        command = [os.path.join(BIN, "ansible-inventory"), "-vvv", "--list", "--output",
                   os.path.join(workdir, "out.json")] + [arg for _id, path in sources for arg in ("-i", path)]
        env = base_env(dict(emu.env, ANSIBLE_INVENTORY_ENABLED="vmss.fleet.azure_vmss", **VERIFY_OFF_ENV))
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=workdir,
                                   check=False)
    parts = split_by_source(completed.stderr, sources)
    for case_id, _path in sources:
        assert parts[case_id] and TLS_REFUSED.search(parts[case_id]), (case_id, completed.stderr[-2000:])
    assert [e for e in emu.requests() if e["path"].lower().startswith("/subscriptions")] == []


PLUGINS = {"module": ["instance", "instance_info", "instance_facts", "scaleset_info"], "inventory": ["azure_vmss"]}


@pytest.fixture(scope="module")
def documented_options():
    """{plugin name: its option names}, from ansible-doc (one call per plugin type)."""
    options = {}
    for kind, names in PLUGINS.items():
        command = [os.path.join(BIN, "ansible-doc"), "--json", "-t", kind] + ["vmss.fleet.%s" % n for n in names]
        completed = subprocess.run(command, env=base_env(), capture_output=True, text=True, timeout=120, check=True)
        for fqcn, entry in json.loads(completed.stdout).items():
            options[fqcn.rsplit(".", 1)[-1]] = sorted(entry["doc"]["options"])
    return options


@pytest.mark.parametrize("name", [name for names in PLUGINS.values() for name in names])
def test_no_option_turns_tls_verification_off(documented_options, name):
    options = documented_options[name]
    assert "ca_cert" in options
    off_switches = [option for option in options
                    if re.search(r"validat|verif|insecure|ssl|tls|cert_mode|skip_cert", option, re.I)]
    assert off_switches == []
