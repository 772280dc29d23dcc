"""Out-of-band management through Debian's Python gnt-node (unchanged):
the oob_program node parameter, Herd's herd-oob for virtual nodes (power
is the node daemon), power off/on/status and health with Ganeti's checks and
recorded power state."""

import time

import pytest

from herd_e2e import BIN, GANETI_SHARE, alive, ganeti_cli, require, temporary_cluster


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-node", "ganeti-3.0")
    with temporary_cluster("herd-oob-", nodes=3) as cluster:
        yield cluster


def gnt(vc, *args, check=True):
    return ganeti_cli(vc, "gnt-node", *args, check=check)


def noded_pid(vc, node):
    path = vc.node_root(node) / "var/run/ganeti/ganeti-noded.pid"
    return int(path.read_text().split()[0]) if path.exists() else 0


def test_without_a_program_nothing_is_known(vc):
    out = gnt(vc, "power", "status", "node2", check=False)
    assert "(unavail)" in out.stdout
    listed = gnt(vc, "list", "--no-headers", "-o", "name,powered").stdout.split()
    assert listed == ["node1", "-", "node2", "-", "node3", "-"]


def test_power_cycle_of_a_virtual_node(vc):
    ganeti_cli(vc, "gnt-cluster", "modify", "--node-parameters", f"oob_program={BIN}/herd-oob")
    status = gnt(vc, "power", "status").stdout.split()
    assert status[2:] == ["node1", "powered", "node2", "powered", "node3", "powered"]
    health = gnt(vc, "health").stdout
    assert health.count("node-daemon=OK") == 3

    # Ganeti refuses the master and nodes still online.
    master = gnt(vc, "power", "-f", "--ignore-status", "off", "node1", check=False)
    assert master.returncode != 0 and "Operating on the master node node1" in master.stderr
    pid = noded_pid(vc, "node2")
    gnt(vc, "power", "-f", "off", "node2")  # offlines it first, then powers it off
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)
    assert gnt(vc, "power", "status", "node2").stdout.split()[2:] == ["node2", "unpowered"]
    listed = gnt(vc, "list", "--no-headers", "-o", "name,offline,powered", "node2").stdout.split()
    assert listed == ["node2", "Y", "N"]
    health = gnt(vc, "health", "node2").stdout
    assert "node-daemon=CRITICAL" in health

    gnt(vc, "power", "on", "node2")
    assert noded_pid(vc, "node2") and alive(noded_pid(vc, "node2"))
    listed = gnt(vc, "list", "--no-headers", "-o", "name,powered", "node2").stdout.split()
    assert listed == ["node2", "Y"]
    gnt(vc, "modify", "--force", "--offline=no", "node2")
    assert gnt(vc, "list", "--no-headers", "-o", "offline", "node2").stdout.strip() == "N"


def test_herd_gnt_node_power(vc):
    def herd(*args, check=True):
        return vc.cmd("node1", "gnt-node", *args, check=check)

    ganeti_cli(vc, "gnt-cluster", "modify", "--node-parameters", f"oob_program={BIN}/herd-oob")
    assert herd("power", "status", "node3").stdout.split() == ["Node", "Status", "node3",
                                                               "powered"]
    master = herd("power", "-f", "--ignore-status", "off", "node1", check=False)
    assert master.returncode != 0 and "Operating on the master node node1" in master.stderr
    pid = noded_pid(vc, "node3")
    herd("power", "-f", "--auto-promote", "off", "node3")
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert herd("power", "--no-headers", "status", "node3").stdout.split() == ["node3",
                                                                               "unpowered"]
    herd("power", "on", "node3")
    assert alive(noded_pid(vc, "node3"))
    herd("modify", "--force", "--offline=no", "node3")
    assert herd("list", "--no-headers", "-o", "offline,powered", "node3").stdout.split() == ["N", "Y"]
