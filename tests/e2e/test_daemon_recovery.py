"""Daemons come back: a daemon holds its pid file by a lock, so one killed
with SIGKILL is replaced at once by start-all or by the watcher, and a second
copy of a running daemon is refused."""

import os
import signal
import time

import pytest

from herd_e2e import BIN, VirtualCluster, luxi_call, master_socket, run


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=4)
    yield cluster
    cluster.destroy()


def pid_of(vc, node, daemon):
    return int((vc.node_root(node) / f"var/run/ganeti/{daemon}.pid").read_text())


def kill_9(vc, node, daemon):
    pid = pid_of(vc, node, daemon)
    os.kill(pid, signal.SIGKILL)
    return pid


def node_env(vc, node):
    return {"GANETI_ROOTDIR": str(vc.node_root(node)), "GANETI_HOSTNAME": node}


def assert_cluster_serves(vc):
    ok, info = luxi_call(master_socket(vc), "QueryClusterInfo", [])
    assert ok and info["master"] == "node1", info
    status = run([BIN / "herd-vcluster", "status", vc.path]).stdout
    assert "stopped" not in status, status


def test_start_all_right_after_kill_9(vc):
    killed = [kill_9(vc, "node1", "ganeti-masterd"), kill_9(vc, "node1", "ganeti-rapi"),
              kill_9(vc, "node2", "ganeti-noded")]
    started = time.monotonic()
    run([vc.path / "start-all"], timeout=30)
    assert time.monotonic() - started < 10
    assert_cluster_serves(vc)
    assert pid_of(vc, "node1", "ganeti-masterd") not in killed
    assert pid_of(vc, "node2", "ganeti-noded") not in killed


def test_watcher_restarts_dead_daemons(vc):
    killed = [kill_9(vc, "node1", "ganeti-masterd"), kill_9(vc, "node1", "ganeti-rapi"),
              kill_9(vc, "node3", "ganeti-noded")]
    out = run([vc.path / "watcher-all"], timeout=120).stdout
    assert "Restarting ganeti-masterd on node1" in out, out
    assert "Restarting ganeti-rapi on node1" in out, out
    assert "Restarting ganeti-noded on node3" in out, out
    assert_cluster_serves(vc)
    assert pid_of(vc, "node1", "ganeti-rapi") not in killed
    # Nothing is dead now: a second run restarts nothing.
    again = run([vc.path / "watcher-all"], timeout=120).stdout
    assert "Restarting" not in again, again


def test_a_second_copy_of_a_running_daemon_is_refused(vc):
    for node, daemon in (("node1", "ganeti-masterd"), ("node2", "ganeti-noded")):
        running = pid_of(vc, node, daemon)
        second = run([BIN / daemon], env=node_env(vc, node), check=False, timeout=30)
        assert second.returncode != 0
        assert f"{daemon} is already running (pid {running})" in second.stderr, second.stderr
        assert pid_of(vc, node, daemon) == running
    assert_cluster_serves(vc)
