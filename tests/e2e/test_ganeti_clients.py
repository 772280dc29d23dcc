"""Ganeti's own clients against Herd's master daemon over LUXI: Debian's
hbal loads the cluster; Debian's Python gnt-node is tried too."""

import os
import shutil
import subprocess

import pytest

from herd_e2e import VirtualCluster, master_socket

HBAL = "/usr/bin/hbal"


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=5)
    yield cluster
    cluster.destroy()


@pytest.mark.skipif(not os.path.exists(HBAL), reason="Debian's ganeti-htools-3.0 is not installed")
def test_real_hbal_loads_the_cluster_over_luxi(vc):
    proc = subprocess.run([HBAL, f"--luxi={master_socket(vc)}", "-p"], capture_output=True,
                          text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Loaded 5 nodes, 0 instances" in out, out
    for i in range(1, 6):
        assert f"node{i}" in out, out
