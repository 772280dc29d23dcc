"""Debian's Python gnt-* commands (package ganeti-3.0, unchanged) against
Herd's master daemon, with GANETI_ROOTDIR pointing at the master's root."""

import os
import pathlib
import shutil
import tempfile
import time

import pytest

from herd_e2e import GANETI_SHARE, VirtualCluster, ganeti_cli, require


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-node", "ganeti-3.0")
    # Ganeti's daemon-util runs its daemons as its own users (gnt-masterd...)
    # when started as root: the cluster lives where they can reach it.
    base = pathlib.Path(tempfile.mkdtemp(prefix="herd-ganeti-cli-"))
    os.chmod(base, 0o755)
    cluster = VirtualCluster(base / "c", nodes=3)
    yield cluster
    cluster.destroy()
    shutil.rmtree(base, ignore_errors=True)


def ganeti(vc, *args, check=True, node="node1"):
    return ganeti_cli(vc, *args, check=check, node=node)


def test_python_gnt_node_list(vc):
    out = ganeti(vc, "gnt-node", "list", "--no-headers", "-o", "name,mtotal,role").stdout
    assert out.split("\n")[:3] == ["node1 4.0G M", "node2 4.0G C", "node3 4.0G C"], out


def test_python_gnt_cluster_commands(vc):
    assert ganeti(vc, "gnt-cluster", "getmaster").stdout.strip() == "node1"
    assert "Cluster name: cluster" in ganeti(vc, "gnt-cluster", "info").stdout
    out = ganeti(vc, "gnt-cluster", "verify").stdout
    assert "Verifying group default" in out


def test_python_gnt_node_modify_and_jobs(vc):
    out = ganeti(vc, "gnt-node", "modify", "--drained=yes", "node3").stdout
    assert "drained -> True" in out
    jobs = ganeti(vc, "gnt-job", "list", "--no-headers", "-o", "id,status").stdout
    assert jobs.strip() and all(line.split()[1] == "success" for line in jobs.strip().splitlines())


def test_python_gnt_instance_add_list_info_and_gnt_os(vc):
    ganeti(vc, "gnt-instance", "add", "-t", "file", "--disk", "0:size=1G", "-o", "image+default",
           "-B", "memory=256", "-n", "node2", "pydb1")
    listed = ganeti(vc, "gnt-instance", "list", "--no-headers", "-o",
                    "name,pnode,status,oper_ram").stdout.split()
    assert listed == ["pydb1", "node2", "running", "256M"], listed
    info = ganeti(vc, "gnt-instance", "info", "pydb1").stdout
    assert "Instance name: pydb1" in info
    assert "State: configured to be up, actual state is up" in info
    assert "MAC: aa:00:00:" in info
    assert "image+default" in ganeti(vc, "gnt-os", "list").stdout
    ganeti(vc, "gnt-instance", "shutdown", "pydb1")
    assert "ADMIN_down" in ganeti(vc, "gnt-instance", "list", "-o", "status", "pydb1").stdout
    ganeti(vc, "gnt-instance", "remove", "-f", "pydb1")


def test_python_gnt_cluster_master_failover(vc):
    """Ganeti's own master-failover, run on node2: its config daemon reads
    node2's config.data (whole once the replication stream has been quiet for
    a second), the node daemons stop and start the master daemons. Its check
    that the master IP went away cannot pass on loopback, where every address
    answers: it warns after 30 s and exits 1, as on any virtual cluster."""
    journal = vc.node_root("node2") / "var/lib/ganeti/config.journal"
    deadline = time.time() + 30
    while journal.exists() and journal.stat().st_size > 0:
        assert time.time() < deadline, "node2 never merged its config journal"
        time.sleep(0.1)
    result = ganeti(vc, "gnt-cluster", "master-failover", check=False, node="node2")
    assert "The master IP is still reachable" in result.stderr, result.stdout + result.stderr
    assert "Could not" not in result.stderr, result.stderr
    for node in ("node1", "node2", "node3"):
        assert ganeti(vc, "gnt-cluster", "getmaster", node=node).stdout.strip() == "node2"
    before = vc.cmd("node3", "gnt-instance", "list", "--no-headers", "-o", "name").stdout.split()
    listed = ganeti(vc, "gnt-instance", "list", "--no-headers", "-o", "name", node="node2")
    assert listed.stdout.split() == before
    assert vc.cmd("node1", "gnt-cluster", "verify", check=False).returncode == 0
