#!/usr/bin/env python3
"""Virtual-cluster benchmarks: creation time, node daemon memory (PSS),
node add time and config change latency as the cluster grows.

    bench/cluster/run_bench.py [--sizes 10,100,500] [--workdir DIR]

Prints a markdown table; results are recorded in bench/cluster/RESULTS.md."""

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from luxi_client import luxi  # noqa: E402
BIN = pathlib.Path(os.environ.get("HERD_BUILD_DIR", REPO / "build")) / "bin"


def run_job(sock, op):
    job = luxi(sock, "SubmitJob", [[op]])
    while True:
        status, result = luxi(sock, "QueryJobs", [[job], ["status", "opresult"]])[0]
        if status in ("success", "error", "canceled"):
            if status != "success":
                print(f"job {job} ({op['OP_ID']}) {status}: {result}", file=sys.stderr)
            return status
        time.sleep(0.002)


def pss_kib(pid):
    for line in open(f"/proc/{pid}/smaps_rollup"):
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def bench_size(workdir, n):
    d = pathlib.Path(workdir) / f"vc{n}"
    t0 = time.monotonic()
    subprocess.run([BIN / "herd-vcluster", "create", d, "--nodes", str(n), "-q"], check=True,
                   stdout=subprocess.DEVNULL)
    create_s = time.monotonic() - t0
    pids = [int(p.read_text()) for p in d.glob("node*/var/run/ganeti/ganeti-noded.pid")]
    pss = [pss_kib(p) for p in pids]
    sock = d / "node1/var/run/ganeti/socket/ganeti-master"
    # Config change latency: one node modify (drain and undrain), end to end through the queue.
    lat = []
    for i in range(20):
        node = f"node{2 + i % (n - 1)}" if n > 1 else "node1"
        for flag in (True, False):
            t = time.monotonic()
            assert run_job(sock, {"OP_ID": "OP_NODE_SET_PARAMS", "node_name": node,
                                  "drained": flag, "auto_promote": True}) == "success"
            lat.append(time.monotonic() - t)
    # Node add: remove one node and add it back.
    add = []
    for i in range(5):
        node = f"node{n}"
        pidfile = d / node / "var/run/ganeti/ganeti-noded.pid"
        assert run_job(sock, {"OP_ID": "OP_NODE_REMOVE", "node_name": node}) == "success"
        while pidfile.exists():  # the removed node's daemon leaves the cluster
            time.sleep(0.01)
        subprocess.run([BIN / "herd-vcluster", "start", d], check=True, capture_output=True)
        t = time.monotonic()
        assert run_job(sock, {"OP_ID": "OP_NODE_ADD", "node_name": node, "readd": False}) == "success"
        add.append(time.monotonic() - t)
    subprocess.run([BIN / "herd-vcluster", "destroy", d], check=True, capture_output=True)
    return {
        "nodes": n,
        "create_s": create_s,
        "pss_one_mib": statistics.median(pss) / 1024,
        "pss_all_mib": sum(pss) / 1024,
        "modify_ms": statistics.median(lat) * 1000,
        "modify_p90_ms": sorted(lat)[int(len(lat) * 0.9)] * 1000,
        "node_add_ms": statistics.median(add) * 1000,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100,500")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="herd-bench-")
    rows = [bench_size(workdir, int(n)) for n in args.sizes.split(",")]
    print("| nodes | create (s) | noded PSS median (MiB) | all noded PSS (MiB) | node modify median / p90 (ms) | node add median (ms) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['nodes']} | {r['create_s']:.1f} | {r['pss_one_mib']:.2f} | {r['pss_all_mib']:.0f} | "
              f"{r['modify_ms']:.1f} / {r['modify_p90_ms']:.1f} | {r['node_add_ms']:.0f} |")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
