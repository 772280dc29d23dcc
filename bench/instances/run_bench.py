#!/usr/bin/env python3
"""Instance benchmarks on a virtual cluster: throughput of diskless instance
creations submitted in batches, the latency of one sequential
`gnt-instance add`, and `gnt-instance list` latency as instances grow.

    bench/instances/run_bench.py [--nodes 50] [--counts 1000,10000] [--batch 200]

Prints a markdown table; results are recorded in bench/instances/RESULTS.md."""

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from luxi_client import luxi  # noqa: E402
BIN = pathlib.Path(os.environ.get("HERD_BUILD_DIR", REPO / "build")) / "bin"


def create_op(name, node):
    return {"OP_ID": "OP_INSTANCE_CREATE", "instance_name": name, "disk_template": "diskless",
            "os_type": "noop", "pnode": node, "beparams": {"memory": 128}, "nics": [{}],
            "disks": [], "name_check": False, "ip_check": False, "mode": "create"}


def wait_all(sock, ids):
    pending = set(ids)
    failed = 0
    while pending:
        batch = sorted(pending)[:500]
        for job, (status,) in zip(batch, luxi(sock, "QueryJobs", [batch, ["status"]])):
            if status in ("success", "error", "canceled"):
                pending.discard(job)
                failed += status != "success"
        if pending:
            time.sleep(0.05)
    return failed


def create_many(sock, nodes, start, count, batch):
    t0 = time.monotonic()
    ids = []
    for b in range(start, start + count, batch):
        jobs = [[create_op(f"inst{i}", f"node{1 + i % nodes}")]
                for i in range(b, min(b + batch, start + count))]
        for ok, job in luxi(sock, "SubmitManyJobs", [jobs]):
            if not ok:
                raise RuntimeError(job)
            ids.append(job)
    failed = wait_all(sock, ids)
    return time.monotonic() - t0, failed


def timed(cmd, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.monotonic()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.monotonic() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=50)
    ap.add_argument("--counts", default="1000,10000")
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    d = pathlib.Path(args.workdir) / "herd-bench-instances"
    subprocess.run([BIN / "herd-vcluster", "destroy", d], capture_output=True)
    subprocess.run([BIN / "herd-vcluster", "create", d, "--nodes", str(args.nodes), "-q",
                    "--memory", str(1 << 20)], check=True)
    cmd = d / "node1" / "cmd"
    sock = d / "node1/var/run/ganeti/socket/ganeti-master"
    try:
        seq = []
        for i in range(5):
            t0 = time.monotonic()
            subprocess.run([cmd, "gnt-instance", "add", "-t", "diskless", "-o", "noop",
                            "-B", "memory=128", "-n", f"node{2 + i}", f"seq{i}"],
                           check=True, capture_output=True)
            seq.append(time.monotonic() - t0)
        print(f"| sequential `gnt-instance add` (median of 5) | {statistics.median(seq):.3f} s |")
        have = 0
        for count in counts:
            seconds, failed = create_many(sock, args.nodes, have, count - have, args.batch)
            created = count - have
            print(f"| {created} diskless creations, batches of {args.batch}, {args.nodes} nodes "
                  f"| {seconds:.1f} s, {created / seconds:.1f} jobs/s, {failed} failed |")
            have = count
            lat = timed([cmd, "gnt-instance", "list"], repeat=3)
            lat_static = timed([cmd, "gnt-instance", "list", "-o", "name,pnode,os"], repeat=3)
            print(f"| `gnt-instance list` with {count} instances (default fields, live) "
                  f"| {lat:.2f} s |")
            print(f"| `gnt-instance list -o name,pnode,os` with {count} instances "
                  f"| {lat_static:.2f} s |")
            sys.stdout.flush()
    finally:
        subprocess.run([BIN / "herd-vcluster", "destroy", d], capture_output=True)


if __name__ == "__main__":
    main()
