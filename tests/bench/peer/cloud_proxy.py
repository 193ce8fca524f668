#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""An HTTPS proxy that sends the public cloud's ARM and Entra ID host names to the emulator.

Why: azure.azcollection cannot be pointed at a custom cloud. Its ``cloud_environment`` option accepts a
metadata URL, but the code that resolves it calls ``azure.cli.core.cloud.get_cloud_from_metadata_endpoint``,
a function that only ever existed in msrestazure (see docs/performance.md). So the peer runs against the
public cloud's names (``AzureCloud``) and this proxy, configured through the standard ``HTTPS_PROXY``
variable, answers CONNECT for those names with a certificate of its own CA and relays the decrypted bytes to
the emulator over verified TLS. The peer's code is untouched; it only needs ``REQUESTS_CA_BUNDLE`` to trust
this proxy's CA (and the emulator's, for the absolute nextLinks the emulator returns).

    python tests/bench/peer/cloud_proxy.py --target https://127.0.0.1:PORT --target-ca ca.pem --state-dir DIR

Prints one JSON line when it listens: {"proxy_url", "ca_bundle", "pid"}. Stops on SIGTERM.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
from urllib.parse import urlsplit

import trustme

# The names of the public cloud (azure.cli.core.cloud.AZURE_PUBLIC_CLOUD) that the peer talks to.
REDIRECTED_HOSTS = ("management.azure.com", "login.microsoftonline.com", "management.core.windows.net")
CHUNK = 256 * 1024


class CloudProxy:
    def __init__(self, target, target_ca, state_dir):
        parts = urlsplit(target)
        self.target_host, self.target_port = parts.hostname, parts.port or 443
        self.upstream_tls = ssl.create_default_context(cafile=target_ca)
        ca = trustme.CA(organization_name="vmss.fleet bench cloud proxy CA")
        self.ca_path = os.path.join(state_dir, "proxy-ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        self.downstream_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*REDIRECTED_HOSTS).configure_cert(self.downstream_tls)
        self.connections = set()    # asyncio keeps only weak references to running tasks

    async def handle(self, reader, writer):
        task = asyncio.current_task()
        self.connections.add(task)
        task.add_done_callback(self.connections.discard)
        try:
            host = await self._accept_connect(reader, writer)
            if host is None:
                return
            await writer.start_tls(self.downstream_tls)
            up_reader, up_writer = await asyncio.open_connection(
                self.target_host, self.target_port, ssl=self.upstream_tls, server_hostname=self.target_host)
            await asyncio.gather(_relay(reader, up_writer), _relay(up_reader, writer))
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError, OSError):
            pass    # a client that goes away mid-connection is normal for a proxy
        finally:
            writer.close()

    @staticmethod
    async def _accept_connect(reader, writer):
        """Answer the CONNECT head; the host name when it is one we redirect, else None (after a 403)."""
        head = await reader.readuntil(b"\r\n\r\n")
        method, target = (head.split(b"\r\n", 1)[0].decode("latin-1").split(" ") + ["", ""])[:2]
        host = target.rpartition(":")[0].lower()
        if method.upper() != "CONNECT" or host not in REDIRECTED_HOSTS:
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return None
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        return host


async def _relay(source, sink):
    try:
        while True:
            data = await source.read(CHUNK)
            if not data:
                break
            sink.write(data)
            await sink.drain()
    finally:
        sink.close()


async def serve(options):
    proxy = CloudProxy(options.target, options.target_ca, options.state_dir)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", options.port)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"proxy_url": "http://127.0.0.1:%d" % port, "ca_bundle": proxy.ca_path, "pid": os.getpid()}),
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--target", required=True, help="the emulator's endpoint, https://host:port")
    parser.add_argument("--target-ca", required=True, help="the emulator's CA bundle")
    parser.add_argument("--state-dir", required=True, help="where to write proxy-ca.pem")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
