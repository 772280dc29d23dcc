"""The foundation user story on a 5-node virtual cluster: nodes, roles,
verify, jobs, stop-all/start-all, with real daemons and the gnt-* CLI."""

import json
import os
import signal
import subprocess
import time

import pytest

from herd_e2e import BIN, VirtualCluster, alive, luxi_call, master_socket, run


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=5)
    yield cluster
    cluster.destroy()


def node_list(vc, fields="name,role,mtotal", node="node1"):
    out = vc.cmd(node, "gnt-node", "list", "--no-headers", "--separator=|", "-o", fields).stdout
    return [line.split("|") for line in out.splitlines() if line]


def test_node_list_shows_every_node_with_its_capacity(vc):
    rows = node_list(vc, "name,role,mtotal,dtotal,ctotal")
    assert [r[0] for r in rows] == [f"node{i}" for i in range(1, 6)]
    roles = {r[0]: r[1] for r in rows}
    assert roles["node1"] == "M"
    assert all(r[2] == "4.0G" for r in rows), rows
    assert all(r[4] == "4" for r in rows), rows


def test_cluster_info_and_getmaster(vc):
    assert vc.cmd("node1", "gnt-cluster", "getmaster").stdout.strip() == "node1"
    info = vc.cmd("node1", "gnt-cluster", "info").stdout
    assert "Cluster name: cluster" in info


def test_redist_conf_writes_every_nodes_ssconf_before_it_returns(vc):
    ssconf = vc.node_root("node3") / "var/lib/ganeti"
    expected = (vc.node_root("node1") / "var/lib/ganeti/ssconf_node_list").read_text()
    assert expected.split() == [f"node{i}" for i in range(1, 6)]
    # Files a node lost or that were damaged are written again, at once.
    (ssconf / "ssconf_node_list").unlink()
    (ssconf / "ssconf_master_node").chmod(0o644)
    (ssconf / "ssconf_master_node").write_text("nobody\n")
    vc.cmd("node1", "gnt-cluster", "redist-conf")
    assert (ssconf / "ssconf_node_list").read_text() == expected
    assert (ssconf / "ssconf_master_node").read_text().strip() == "node1"
    assert vc.cmd("node3", "gnt-cluster", "getmaster").stdout.strip() == "node1"


def test_verify_passes_then_fails_for_a_stopped_node_daemon(vc):
    assert vc.cmd("node1", "gnt-cluster", "verify").returncode == 0
    pidfile = vc.node_root("node4") / "var/run/ganeti/ganeti-noded.pid"
    pid = int(pidfile.read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    while alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    try:
        res = vc.cmd("node1", "gnt-cluster", "verify", check=False)
        assert res.returncode != 0
        assert "node4" in res.stdout + res.stderr
    finally:
        run([vc.path / "start-all"])
    assert vc.cmd("node1", "gnt-cluster", "verify").returncode == 0


def test_modify_roles(vc):
    vc.cmd("node1", "gnt-node", "modify", "--drained=yes", "node3")
    assert dict((r[0], r[1]) for r in node_list(vc, "name,role"))["node3"] == "D"
    vc.cmd("node1", "gnt-node", "modify", "--drained=no", "node3")
    vc.cmd("node1", "gnt-node", "modify", "--master-candidate=yes", "node3")
    assert dict((r[0], r[1]) for r in node_list(vc, "name,role"))["node3"] == "C"
    # The master's role cannot be changed this way.
    res = vc.cmd("node1", "gnt-node", "modify", "--offline=yes", "node1", check=False)
    assert res.returncode != 0
    assert "master" in (res.stdout + res.stderr).lower()


def test_unknown_node_is_a_clear_error(vc):
    res = vc.cmd("node1", "gnt-node", "modify", "--drained=yes", "node99", check=False)
    assert res.returncode != 0
    assert "node99" in res.stdout + res.stderr


def test_jobs_are_listed_and_shown(vc):
    out = vc.cmd("node1", "gnt-job", "list", "--no-headers").stdout
    lines = [l.split() for l in out.splitlines() if l.strip()]
    assert lines and all(l[1] in ("success", "error", "canceled", "queued", "running", "waiting")
                         for l in lines)
    job_id = lines[-1][0]
    info = vc.cmd("node1", "gnt-job", "info", job_id).stdout
    assert f"Job ID: {job_id}" in info


def test_watch_and_archive_a_job(vc):
    ok, job_id = luxi_call(master_socket(vc), "SubmitJob",
                           [[{"OP_ID": "OP_TEST_DELAY", "duration": 0.5, "repeat": 1}]])
    assert ok
    out = vc.cmd("node1", "gnt-job", "watch", str(job_id)).stdout
    assert f"Output from job {job_id} follows" in out
    assert "Test delay iteration 1/1" in out
    vc.cmd("node1", "gnt-job", "archive", str(job_id))
    listed = vc.cmd("node1", "gnt-job", "list", "--no-headers", "-o", "id").stdout.split()
    assert str(job_id) not in listed
    # An archived job can still be looked up by id.
    assert "Status: success" in vc.cmd("node1", "gnt-job", "info", str(job_id)).stdout
    res = vc.cmd("node1", "gnt-job", "info", "999999", check=False)
    assert res.returncode != 0 and "999999" in res.stdout + res.stderr


def test_remove_node(vc):
    vc.cmd("node1", "gnt-node", "remove", "node5")
    names = [r[0] for r in node_list(vc, "name")]
    assert "node5" not in names and len(names) == 4
    # The removed node's daemon has left.
    pidfile = vc.node_root("node5") / "var/run/ganeti/ganeti-noded.pid"
    deadline = time.time() + 10
    while pidfile.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert not pidfile.exists()


def test_stop_all_start_all_keeps_config_and_jobs(vc):
    before_nodes = node_list(vc, "name,role")
    before_jobs = vc.cmd("node1", "gnt-job", "list", "--no-headers", "-o", "id,status").stdout
    run([vc.path / "stop-all"])
    master_pid = vc.node_root("node1") / "var/run/ganeti/ganeti-masterd.pid"
    assert not master_pid.exists()
    run([vc.path / "start-all"])
    assert node_list(vc, "name,role") == before_nodes
    after_jobs = vc.cmd("node1", "gnt-job", "list", "--no-headers", "-o", "id,status").stdout
    assert after_jobs == before_jobs
