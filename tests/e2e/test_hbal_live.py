"""Herd's hbal on a live virtual cluster: it reads the master over LUXI as
Debian's hbal does (same report), and -X carries the moves out as jobs."""

import subprocess

import pytest

from herd_e2e import GANETI_BIN, VirtualCluster, ganeti_test_data, master_socket, require


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=4)
    # Every instance on node1: a badly balanced cluster.
    for i in range(4):
        cluster.cmd("node1", "gnt-instance", "add", "-t", "sharedfile", "--disk", "0:size=1G",
                    "-o", "noop", "-B", "memory=512", "-n", "node1", "--no-name-check",
                    "--no-ip-check", f"web{i}")
    yield cluster
    cluster.destroy()


def herd_hbal(vc, *args, timeout=120):
    return subprocess.run([vc.path / "node1" / "cmd", "hbal", *args], capture_output=True,
                          text=True, timeout=timeout)


def primaries(vc):
    out = vc.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "name,pnode").stdout
    return dict(line.split() for line in out.splitlines())


def test_same_report_as_ganetis_hbal(vc):
    hbal = require(GANETI_BIN / "hbal", "ganeti-htools-3.0")
    ganeti = subprocess.run([hbal, f"--luxi={master_socket(vc)}"], capture_output=True,
                            text=True, timeout=120)
    herd = herd_hbal(vc, "-L")
    assert herd.returncode == 0, herd.stderr
    assert ganeti.returncode == 0, ganeti.stderr
    assert herd.stdout == ganeti.stdout
    assert "Solution length=" in herd.stdout and "a=fa:" in herd.stdout


def test_exec_moves_the_instances(vc):
    before = primaries(vc)
    assert set(before.values()) == {"node1"}
    run = herd_hbal(vc, "-L", "-X", timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Got job IDs" in run.stdout
    after = primaries(vc)
    assert len(set(after.values())) >= 3, after
    # Balanced now: nothing more to do.
    again = herd_hbal(vc, "-L")
    assert "No solution found" in again.stdout or "already well balanced" in again.stdout


def test_exec_needs_luxi(vc, tmp_path):
    data = tmp_path / "c.data"
    data.write_text(ganeti_test_data("htools/hbal-evac.data").read_text())
    run = herd_hbal(vc, "-t", str(data), "-X")
    assert run.returncode == 1
    assert "Execution of commands possible only on LUXI" in run.stderr
