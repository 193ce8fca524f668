"""A CA and a server certificate made at start-up (trustme), so clients talk real, verified HTTPS."""

import os
import ssl

import trustme


def make_tls(state_dir, host):
    ca = trustme.CA(organization_name="arm_emulator test CA")
    names = ["127.0.0.1", "localhost", "::1"]
    if host not in names and host not in ("0.0.0.0", "::"):
        names.append(host)
    cert = ca.issue_cert(*names)
    ca_path = os.path.join(state_dir, "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context, ca_path
