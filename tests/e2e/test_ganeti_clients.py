"""Ganeti's own clients against Herd's master daemon over LUXI: Debian's
htools (hinfo, hspace, hbal) load the cluster unchanged."""

import subprocess

import pytest

from herd_e2e import GANETI_BIN, VirtualCluster, master_socket, require


def ganeti_tool(name):
    return require(GANETI_BIN / name, "ganeti-htools-3.0")


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=5)
    yield cluster
    cluster.destroy()


def run_tool(name, *args):
    proc = subprocess.run([ganeti_tool(name), *args], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def test_real_hinfo_loads_nodes_and_groups(vc):
    rc, out = run_tool("hinfo", f"--luxi={master_socket(vc)}")
    assert rc == 0, out
    assert "Loaded 5 nodes, 0 instances, 1 node group" in out, out


def test_real_hspace_sees_declared_capacity(vc):
    rc, out = run_tool("hspace", f"--luxi={master_socket(vc)}")
    assert rc == 0, out
    # 5 nodes of 4096 MiB, 100 GiB and 4 CPUs each (herd-vcluster's defaults).
    assert "The cluster has 5 nodes" in out and "MEM 20480, DSK 512000, CPU 20" in out, out


def test_real_hbal_loads_cluster_info_and_policy(vc):
    rc, out = run_tool("hbal", f"--luxi={master_socket(vc)}", "-p", "-v", "-v")
    # With no instances Ganeti's hbal stops after loading, as on a real cluster.
    assert "Loaded cluster ipolicy" in out and "Cluster is empty, exiting." in out, out
