#!/usr/bin/env python3
"""RAPI benchmarks: GET /2/instances?bulk=1 latency as instances grow, and
requests per second for /2/info from one client over one kept-alive TLS
connection.

    bench/rapi/run_bench.py [--nodes 50] [--counts 1000,10000]

Prints a markdown table; results are recorded in bench/rapi/RESULTS.md."""

import argparse
import base64
import http.client
import importlib.util
import json
import os
import pathlib
import re
import ssl
import statistics
import subprocess
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("HERD_BUILD_DIR", REPO / "build")) / "bin"

# Instance creation in batches is shared with the instance benchmark.
_spec = importlib.util.spec_from_file_location("instance_bench",
                                               REPO / "bench/instances/run_bench.py")
instance_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(instance_bench)


class Rapi:
    def __init__(self, cluster):
        hosts = (cluster / "hosts").read_text()
        self.address = re.search(r"^(\S+) node1$", hosts, re.M).group(1)
        users = (cluster / "node1/var/lib/ganeti/rapi/users").read_text()
        password = re.search(r"^admin (\S+)", users, re.M).group(1)
        self.headers = {"Authorization": "Basic " +
                        base64.b64encode(f"admin:{password}".encode()).decode()}
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.conn = http.client.HTTPSConnection(self.address, 5080, context=ctx, timeout=120)

    def get(self, path):
        self.conn.request("GET", path, headers=self.headers)
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{path}: HTTP {resp.status} {body[:200]}")
        return json.loads(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=50)
    ap.add_argument("--counts", default="1000,10000")
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    args = ap.parse_args()
    d = pathlib.Path(args.workdir) / "herd-bench-rapi"
    subprocess.run([BIN / "herd-vcluster", "destroy", d], capture_output=True)
    subprocess.run([BIN / "herd-vcluster", "create", d, "--nodes", str(args.nodes), "-q",
                    "--memory", str(1 << 20)], check=True, capture_output=True)
    sock = d / "node1/var/run/ganeti/socket/ganeti-master"
    try:
        rapi = Rapi(d)
        rapi.get("/2/info")
        n = 1000
        t0 = time.monotonic()
        for _ in range(n):
            rapi.get("/2/info")
        rate = n / (time.monotonic() - t0)
        print(f"| GET /2/info, one client, one kept-alive TLS connection | {rate:.0f} requests/s |")
        have = 0
        for count in (int(c) for c in args.counts.split(",")):
            instance_bench.create_many(sock, args.nodes, have, count - have, 200)
            have = count
            times = []
            for _ in range(5):
                t0 = time.monotonic()
                listed = rapi.get("/2/instances?bulk=1")
                times.append(time.monotonic() - t0)
            assert len(listed) == count, len(listed)
            print(f"| GET /2/instances?bulk=1 with {count} instances (median of 5) "
                  f"| {statistics.median(times):.2f} s |")
    finally:
        subprocess.run([BIN / "herd-vcluster", "destroy", d], capture_output=True)


if __name__ == "__main__":
    main()
