"""Master failover: `gnt-cluster master-failover` on a candidate moves the
master role by a vote of the nodes; every node and client follows; the old
master, back again, refuses to act as master. Then, with the new master's
daemons killed, a third node takes over by vote and works."""

import os
import signal
import time

import pytest

from herd_e2e import BIN, VirtualCluster, luxi_call, master_socket, run

FINAL = {"success", "error", "canceled"}


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=5)
    yield cluster
    cluster.destroy()


def create(vc, via, name, node):
    return vc.cmd(via, "gnt-instance", "add", "-t", "diskless", "-o", "noop", "-B", "memory=128",
                  "-n", node, "--no-name-check", "--no-ip-check", name)


def getmaster(vc, node):
    return vc.cmd(node, "gnt-cluster", "getmaster").stdout.strip()


def instances(vc, via):
    out = vc.cmd(via, "gnt-instance", "list", "--no-headers", "-o", "name,status").stdout
    return dict(line.split() for line in out.splitlines())


def kill_9(vc, node, daemon):
    pid = int((vc.node_root(node) / f"var/run/ganeti/{daemon}.pid").read_text())
    os.kill(pid, signal.SIGKILL)


def wait_for_jobs(vc, node, ids, timeout=60):
    deadline = time.time() + timeout
    while True:
        ok, rows = luxi_call(master_socket(vc, node), "QueryJobs", [ids, ["id", "status"]])
        assert ok and all(row is not None for row in rows), rows
        if all(row[1] in FINAL for row in rows):
            return {row[0]: row[1] for row in rows}
        assert time.time() < deadline, rows
        time.sleep(0.1)


def test_verify_compares_the_candidates_copies_with_the_masters(vc):
    import json
    create(vc, "node1", "probe", "node3")
    assert vc.cmd("node1", "gnt-cluster", "verify", check=False).returncode == 0
    # node3 loses a finished job; node4's config copy falls behind.
    queue = vc.node_root("node3") / "var/lib/ganeti/queue"
    # Job files only: a replication under way has temporary files there too.
    jobs = [p for p in queue.glob("job-*") if p.name[4:].isdigit()]
    sorted(jobs, key=lambda p: int(p.name[4:]))[0].unlink()
    config = vc.node_root("node4") / "var/lib/ganeti/config.data"
    data = json.loads(config.read_text())
    data["serial_no"] -= 5
    config.write_text(json.dumps(data))
    (vc.node_root("node4") / "var/lib/ganeti/config.journal").write_text("")
    # Jobs finish every 5 ms while verify compares: one that finished a
    # moment ago is not on the candidates yet, and is no fault of theirs.
    delay = {"OP_ID": "OP_TEST_DELAY", "on_master": False}
    ok, delays = luxi_call(master_socket(vc, "node1"), "SubmitManyJobs",
                           [[[dict(delay, duration=0.05 + 0.005 * i)] for i in range(120)]])
    assert ok and all(accepted for accepted, _ in delays), delays
    result = vc.cmd("node1", "gnt-cluster", "verify", check=False)
    wait_for_jobs(vc, "node1", [job_id for _, job_id in delays])
    assert result.returncode == 1
    errors = [line.split(" - ERROR: ", 1)[1] for line in result.stdout.splitlines()
              if " - ERROR: " in line]
    assert len(errors) == 2, result.stdout
    assert errors[0].startswith("node node3: its job queue copy lacks 1 and differs on 0 of "
                                "the master's finished jobs"), result.stdout
    assert errors[1].startswith("node node4: its configuration copy has serial number"), \
        result.stdout
    vc.cmd("node1", "gnt-cluster", "redist-conf")  # full copies of config and queue
    result = vc.cmd("node1", "gnt-cluster", "verify", check=False)
    assert result.returncode == 0, result.stdout
    vc.cmd("node1", "gnt-instance", "remove", "-f", "probe")


def test_failover_by_vote_with_jobs_in_flight(vc):
    for i in range(3):
        create(vc, "node1", f"before{i}", f"node{3 + i}")
    # Jobs still running on node1 when the failover stops it.
    ok, slow = luxi_call(master_socket(vc), "SubmitJob",
                         [[{"OP_ID": "OP_TEST_DELAY", "duration": 1.0}]])
    assert ok
    started = time.monotonic()
    vc.cmd("node2", "gnt-cluster", "master-failover")
    failover_seconds = time.monotonic() - started
    print(f"failover with voting: {failover_seconds:.2f} s")
    for node in ("node1", "node2", "node3", "node4", "node5"):
        assert getmaster(vc, node) == "node2"
    # Every node's gnt-* reaches the new master; every instance and job is there.
    assert set(instances(vc, "node4")) == {"before0", "before1", "before2"}
    assert wait_for_jobs(vc, "node2", [slow])[slow] == "success"
    out = vc.cmd("node5", "gnt-job", "list", "--no-headers", "-o", "id,status").stdout
    assert all(line.split()[1] == "success" for line in out.splitlines()), out
    create(vc, "node3", "after1", "node4")
    assert instances(vc, "node1")["after1"] == "running"
    # Herd's htools follow the master too (-L without a socket: ssconf's).
    hbal = vc.cmd("node4", "hbal", "-L")
    assert "Loaded 5 nodes" in hbal.stdout, hbal.stdout + hbal.stderr
    status = run([BIN / "herd-vcluster", "status", vc.path]).stdout
    assert "node2" in status and "masterd:running rapi:running" in status.split("node2", 1)[1]
    assert "masterd" not in status.split("node2", 1)[0], status  # node1 holds no master daemon
    vc.cmd("node2", "gnt-cluster", "master-ping")
    assert vc.cmd("node1", "gnt-cluster", "verify", check=False).returncode == 0


def test_old_master_refuses_to_act_as_master(vc):
    result = run([BIN / "ganeti-masterd"], env={"GANETI_ROOTDIR": str(vc.node_root("node1")),
                                               "GANETI_HOSTNAME": "node1"}, check=False)
    assert result.returncode != 0
    assert "This is not the master node (the master is node2)" in result.stderr, result.stderr


def test_failover_is_refused_on_the_master_and_non_candidates(vc):
    result = vc.cmd("node2", "gnt-cluster", "master-failover", check=False)
    assert result.returncode == 1
    assert "node2 is already the master" in result.stderr
    vc.cmd("node2", "gnt-node", "modify", "--master-candidate=no", "--auto-promote", "node5")
    candidates = vc.node_root("node5") / "var/lib/ganeti/ssconf_master_candidates"
    deadline = time.time() + 15
    while "node5" in candidates.read_text().split():  # ssconf reaches node5
        assert time.time() < deadline
        time.sleep(0.1)
    result = vc.cmd("node5", "gnt-cluster", "master-failover", check=False)
    assert result.returncode == 1
    assert "not among the nodes marked as master candidates" in result.stderr, result.stderr


def test_third_node_takes_over_when_the_master_is_dead(vc):
    for daemon in ("ganeti-masterd", "ganeti-rapi", "ganeti-noded"):
        kill_9(vc, "node2", daemon)
    result = vc.cmd("node3", "gnt-cluster", "master-failover", check=False)
    # The vote holds without node2; stopping its daemons and writing its ssconf fail.
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Could not disable the master role on the old master node2" in result.stderr
    for node in ("node1", "node3", "node4"):
        assert getmaster(vc, node) == "node3"
    create(vc, "node1", "after2", "node5")
    assert set(instances(vc, "node3")) >= {"before0", "after1", "after2"}
    # node2 comes back: the watcher restarts its node daemon; its stale ssconf
    # names itself master, but the nodes' vote does not, so no second master.
    out = run([vc.path / "watcher-all"], check=False, timeout=120)
    assert "Voting cannot be won by this node (node2)" in out.stdout + out.stderr
    deadline = time.time() + 15
    while getmaster(vc, "node2") != "node3":  # the master's ssconf push reaches it
        assert time.time() < deadline
        time.sleep(0.2)
    out = run([vc.path / "watcher-all"], timeout=120)
    assert "Voting" not in out.stdout + out.stderr
    status = run([BIN / "herd-vcluster", "status", vc.path]).stdout
    assert status.count("masterd:running") == 1 and "node3" in status


def test_failover_without_majority_needs_no_voting(vc):
    for node in ("node1", "node2", "node5"):
        kill_9(vc, node, "ganeti-noded")
    result = vc.cmd("node4", "gnt-cluster", "master-failover", check=False)
    assert result.returncode == 1
    assert "only possible if the majority of nodes are still healthy" in result.stderr
    assert getmaster(vc, "node4") == "node3"
    result = vc.cmd("node4", "gnt-cluster", "master-failover", "--no-voting", "--yes-do-it",
                    check=False)
    assert getmaster(vc, "node4") == "node4", result.stderr
    ok, info = luxi_call(master_socket(vc, "node4"), "QueryClusterInfo", [])
    assert ok and info["master"] == "node4"
    run([vc.path / "start-all"], timeout=60)
