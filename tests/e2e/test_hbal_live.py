"""Herd's hbal on a live virtual cluster: it reads the master over LUXI as
Debian's hbal does (same report), and -X carries the moves out as jobs."""

import os
import re
import signal
import subprocess
import time

import pytest

from herd_e2e import (BIN, GANETI_BIN, VirtualCluster, alive, ganeti_test_data, master_socket,
                      require, run)


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


def restart_rapi(vc, *flags):
    """Restarts node1's ganeti-rapi with `flags`, as an administrator would."""
    pid_file = vc.node_root("node1") / "var/run/ganeti/ganeti-rapi.pid"
    old = int(pid_file.read_text())
    os.kill(old, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while alive(old) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(old)
    env = {"GANETI_ROOTDIR": str(vc.node_root("node1")), "GANETI_HOSTNAME": "node1"}
    run([BIN / "ganeti-rapi", *flags], env=env)


def test_rapi_backend_sends_basic_authentication(vc):
    """hbal -m against a RAPI that requires authentication for reading too:
    credentials in the URL (as curl takes them in Ganeti's htools) or given
    as options; without them, the server's refusal is reported."""
    users = (vc.node_root("node1") / "var/lib/ganeti/rapi/users").read_text()
    password = re.search(r"^admin (\S+)", users, re.M).group(1)
    address = next(line.split()[0] for line in (vc.path / "hosts").read_text().splitlines()
                   if line.split()[1:2] == ["node1"])
    restart_rapi(vc, "--require-authentication")
    try:
        refused = herd_hbal(vc, "-m", address)
        assert refused.returncode == 1
        assert "HTTP 401" in refused.stderr, refused.stderr
        expected = herd_hbal(vc, "-L").stdout
        by_url = herd_hbal(vc, "-m", f"https://admin:{password}@{address}:5080")
        assert by_url.returncode == 0, by_url.stderr
        by_options = herd_hbal(vc, "-m", address, "--rapi-user", "admin",
                               "--rapi-password", password)
        assert by_options.returncode == 0, by_options.stderr
        assert by_url.stdout == by_options.stdout == expected
        wrong = herd_hbal(vc, "-m", f"https://admin:wrong@{address}:5080")
        assert wrong.returncode == 1 and "HTTP 401" in wrong.stderr
        # Ganeti's own RAPI client: refused without credentials, served with them.
        from ganeti.rapi import client as rc
        with pytest.raises(rc.GanetiApiError) as anonymous:
            rc.GanetiRapiClient(address, port=5080).GetInfo()
        assert anonymous.value.code == 401
        assert rc.GanetiRapiClient(address, port=5080, username="admin",
                                   password=password).GetInfo()["master"] == "node1"
    finally:
        restart_rapi(vc)
