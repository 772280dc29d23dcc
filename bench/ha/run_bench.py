#!/usr/bin/env python3
"""High-availability timings on a virtual cluster with instances and a stream
of jobs: recovery of a master daemon killed with SIGKILL (start-all, and the
watcher), master failover by vote with the old master up, and with the old
master's daemons dead.

    bench/ha/run_bench.py [--nodes 50] [--instances 500] [--runs 5]

Each figure is the median of --runs runs; prints a markdown table (recorded in
bench/ha/RESULTS.md)."""

import argparse
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from luxi_client import luxi  # noqa: E402
BIN = pathlib.Path(os.environ.get("HERD_BUILD_DIR", REPO / "build")) / "bin"


class Cluster:
    def __init__(self, path, nodes):
        self.path = path
        self.nodes = nodes
        subprocess.run([BIN / "herd-vcluster", "create", path, "--nodes", str(nodes), "-q",
                        "--memory", "1048576"], check=True, capture_output=True)

    def master(self):
        ssconf = self.path / f"node{self.nodes}" / "var/lib/ganeti/ssconf_master_node"
        return ssconf.read_text().strip()

    def sock(self, node=None):
        return self.path / (node or self.master()) / "var/run/ganeti/socket/ganeti-master"

    def cmd(self, node, *args, check=True):
        proc = subprocess.run([self.path / node / "cmd", *args], capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{node}: {' '.join(args)}: {proc.stdout}{proc.stderr}")
        return proc

    def kill(self, node, daemon):
        pid = int((self.path / node / f"var/run/ganeti/{daemon}.pid").read_text())
        os.kill(pid, signal.SIGKILL)

    def serves(self, node=None):
        try:
            luxi(self.sock(node), "QueryClusterInfo", [], timeout=2)
            return True
        except (OSError, ConnectionError, RuntimeError):
            return False

    def wait_serving(self, node=None, limit=120):
        start = time.monotonic()
        while not self.serves(node):
            if time.monotonic() - start > limit:
                raise RuntimeError("the master daemon did not come back")
            time.sleep(0.01)

    def destroy(self):
        subprocess.run([BIN / "herd-vcluster", "destroy", self.path], capture_output=True)


def create_op(name, node):
    return {"OP_ID": "OP_INSTANCE_CREATE", "instance_name": name, "disk_template": "diskless",
            "os_type": "noop", "pnode": node, "beparams": {"memory": 128}, "nics": [{}],
            "disks": [], "name_check": False, "ip_check": False, "mode": "create"}


def stream(cluster, prefix, count):
    """Submits `count` creations (batches of 50) and returns their job ids."""
    ids = []
    for start in range(0, count, 50):
        jobs = [[create_op(f"{prefix}-{i}", f"node{1 + i % cluster.nodes}")]
                for i in range(start, min(count, start + 50))]
        ids += [job_id for ok, job_id in luxi(cluster.sock(), "SubmitManyJobs", [jobs]) if ok]
    return ids


def wait_jobs(cluster, ids, limit=300):
    start = time.monotonic()
    pending = list(ids)
    while pending:
        rows = luxi(cluster.sock(), "QueryJobs", [pending[:500], ["id", "status"]])
        done = {row[0] for row in rows if row and row[1] in ("success", "error", "canceled")}
        lost = [job for job, row in zip(pending[:500], rows) if row is None]
        if lost:
            raise RuntimeError(f"jobs lost: {lost}")
        pending = [job for job in pending if job not in done]
        if time.monotonic() - start > limit:
            raise RuntimeError(f"jobs stuck: {pending[:10]}")
        time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = pathlib.Path(tempfile.mkdtemp(prefix="herd-bench-ha-"))
    cluster = Cluster(base / "c", args.nodes)
    results = {"start-all": [], "watcher": [], "failover": [], "failover-dead": [],
               "catch-up": []}
    try:
        wait_jobs(cluster, stream(cluster, "base", args.instances))
        for run in range(args.runs):
            master = cluster.master()
            ssconf = cluster.path / master / "var/lib/ganeti/ssconf_master_candidates"
            candidates = [n for n in ssconf.read_text().split() if n != master]
            # kill -9 of masterd under a stream of jobs, start-all at once.
            ids = stream(cluster, f"r{run}a", 100)
            cluster.kill(cluster.master(), "ganeti-masterd")
            start = time.monotonic()
            subprocess.run([cluster.path / "start-all"], check=True, capture_output=True)
            cluster.wait_serving()
            results["start-all"].append(time.monotonic() - start)
            start = time.monotonic()
            wait_jobs(cluster, ids)
            results["catch-up"].append(time.monotonic() - start)
            # The same, repaired by the watcher.
            cluster.kill(cluster.master(), "ganeti-masterd")
            start = time.monotonic()
            subprocess.run([cluster.path / "watcher-all"], capture_output=True)
            cluster.wait_serving()
            results["watcher"].append(time.monotonic() - start)
            # Failover by vote, the old master up, jobs in flight.
            ids = stream(cluster, f"r{run}b", 100)
            target = candidates[run % len(candidates)]
            start = time.monotonic()
            cluster.cmd(target, "gnt-cluster", "master-failover")
            cluster.wait_serving(target)
            results["failover"].append(time.monotonic() - start)
            wait_jobs(cluster, ids)
            # The new master's daemons die; another candidate takes over.
            old = cluster.master()
            for daemon in ("ganeti-masterd", "ganeti-rapi", "ganeti-noded"):
                cluster.kill(old, daemon)
            target = next(n for n in candidates if n != old)
            start = time.monotonic()
            cluster.cmd(target, "gnt-cluster", "master-failover", check=False)
            cluster.wait_serving(target)
            results["failover-dead"].append(time.monotonic() - start)
            subprocess.run([cluster.path / "start-all"], check=True, capture_output=True)
        total = len(luxi(cluster.sock(), "Query", ["instance", ["name"], None])["data"])
    finally:
        cluster.destroy()
    median = {k: statistics.median(v) for k, v in results.items()}
    print(f"{args.nodes} nodes, {total} instances at the end, median of {args.runs} runs\n")
    print("| measure | seconds |\n|---|---|")
    print(f"| kill -9 of masterd with 100 jobs in flight, `start-all` until LUXI answers | "
          f"{median['start-all']:.2f} |")
    print(f"| ... until those 100 jobs are all finished | {median['catch-up']:.2f} |")
    print(f"| kill -9 of masterd, `watcher-all` (every node's watcher in turn) until LUXI "
          f"answers | {median['watcher']:.2f} |")
    print(f"| `gnt-cluster master-failover` by vote, old master up, 100 jobs in flight, "
          f"until the new master answers | {median['failover']:.2f} |")
    print(f"| `gnt-cluster master-failover` by vote, old master's daemons dead | "
          f"{median['failover-dead']:.2f} |")


if __name__ == "__main__":
    main()
