"""Debian's Python gnt-* commands (package ganeti-3.0, unchanged) against
Herd's master daemon, with GANETI_ROOTDIR pointing at the master's root."""

import os
import subprocess

import pytest

from herd_e2e import GANETI_SHARE, VirtualCluster, require

PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    require(GANETI_SHARE / "gnt-node", "ganeti-3.0")
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=3)
    yield cluster
    cluster.destroy()


def ganeti(vc, *args, check=True):
    env = dict(os.environ, GANETI_ROOTDIR=str(vc.node_root("node1")), GANETI_HOSTNAME="node1")
    proc = subprocess.run([PYTHON, os.path.join(GANETI_SHARE, args[0]), *args[1:]], env=env,
                          cwd=GANETI_SHARE, capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


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
