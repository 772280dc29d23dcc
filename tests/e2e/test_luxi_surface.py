"""LUXI methods and query resources beyond nodes, groups, instances and
jobs, through Debian's Python clients (unchanged): the watcher pause
(gnt-cluster watcher), job priorities (gnt-job change-priority), exports
(gnt-backup list), locks (gnt-debug locks) and the cluster, extstorage and
export query resources."""

import os
import pathlib
import shutil
import time

import pytest

from herd_e2e import (GANETI_SHARE, ganeti_cli, luxi_call, luxi_ok, master_socket, require,
                      run, temporary_cluster)


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-cluster", "ganeti-3.0")
    with temporary_cluster("herd-luxi-", nodes=3) as cluster:
        yield cluster


def test_watcher_pause_stops_the_watcher_until_continued(vc):
    out = ganeti_cli(vc, "gnt-cluster", "watcher", "pause", "1h").stdout
    assert "The watcher is paused until" in out
    until = luxi_ok(vc, "QueryConfigValues", ["watcher_pause"])[0]
    assert until > time.time() + 3500
    for node in ("node1", "node2", "node3"):
        assert (vc.node_root(node) / "var/lib/ganeti/watcher.pause").exists()
    rows = luxi_ok(vc, "Query", "cluster", ["watcher_pause"], None)["data"]
    assert rows[0][0][1] == pytest.approx(until, abs=1)

    assert "no longer paused" in ganeti_cli(vc, "gnt-cluster", "watcher", "continue").stdout
    assert "not paused" in ganeti_cli(vc, "gnt-cluster", "watcher", "info").stdout
    assert not (vc.node_root("node3") / "var/lib/ganeti/watcher.pause").exists()

    # A paused watcher does not bring a stopped node daemon back; once the
    # pause is over it does. The pause outlasts a slow machine's steps to the
    # watcher's first run (3 s did not always, with other tests running).
    ganeti_cli(vc, "gnt-cluster", "watcher", "pause", "10s")
    pidfile = vc.node_root("node3") / "var/run/ganeti/ganeti-noded.pid"
    pid = int(pidfile.read_text().split()[0])
    os.kill(pid, 15)
    for _ in range(100):
        if not pathlib.Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.05)
    run([vc.path / "node3" / "cmd", "ganeti-watcher"], check=False)
    assert not pidfile.exists() or int(pidfile.read_text().split()[0]) == pid
    time.sleep(10.5)
    run([vc.path / "node3" / "cmd", "ganeti-watcher"], check=False)
    assert int(pidfile.read_text().split()[0]) != pid


def test_change_priority_of_a_waiting_job(vc):
    ganeti_cli(vc, "gnt-cluster", "queue", "drain")
    try:
        refused = ganeti_cli(vc, "gnt-debug", "delay", "--submit", "1", check=False)
        assert refused.returncode != 0
    finally:
        ganeti_cli(vc, "gnt-cluster", "queue", "undrain")
    ok, job_id = luxi_call(master_socket(vc), "SubmitJob",
                           [[{"OP_ID": "OP_TEST_DELAY", "duration": 2}]])
    assert ok
    out = ganeti_cli(vc, "gnt-job", "change-priority", "--priority", "high", str(job_id))
    assert out.returncode == 0
    assert luxi_ok(vc, "QueryJobs", [job_id], ["priority"])[0][0] == -10
    ganeti_cli(vc, "gnt-job", "wait", str(job_id))
    finished = ganeti_cli(vc, "gnt-job", "change-priority", "--priority", "low", str(job_id),
                          check=False)
    assert finished.returncode != 0


def test_exports_listed_per_node(vc):
    export_dir = vc.node_root("node2") / "srv/ganeti/export/web1.example.com"
    export_dir.mkdir(parents=True)
    try:
        out = ganeti_cli(vc, "gnt-backup", "list", "--no-headers").stdout.split()
        assert out == ["node2", "web1.example.com"]
        out = ganeti_cli(vc, "gnt-backup", "list", "--node", "node3", "--no-headers").stdout
        assert out.strip() == ""
        assert luxi_ok(vc, "QueryExports", ["node2"], False) == [["node2", "web1.example.com"]]
        fields = ganeti_cli(vc, "gnt-backup", "list-fields", "--no-headers").stdout.split("\n")
        assert [f.split()[0] for f in fields if f] == ["node", "export"]
    finally:
        shutil.rmtree(export_dir)


def test_locks_held_by_a_running_job(vc):
    ok, job_id = luxi_call(master_socket(vc), "SubmitJob",
                           [[{"OP_ID": "OP_TEST_DELAY", "duration": 3, "on_nodes": ["node2"]}]])
    assert ok
    deadline = time.monotonic() + 10
    owners = []
    while time.monotonic() < deadline and not owners:
        out = ganeti_cli(vc, "gnt-debug", "locks", "--no-headers", "--separator=|",
                         "-o", "name,mode,owner").stdout
        owners = [line for line in out.splitlines() if f"job/{job_id}" in line]
        time.sleep(0.1)
    assert owners, "the running job's locks never showed"
    ganeti_cli(vc, "gnt-job", "wait", str(job_id))


def test_cluster_and_extstorage_resources(vc):
    result = luxi_ok(vc, "Query", "cluster", ["name", "master_node", "drain_flag", "tags"], None)
    assert result["data"] == [[[0, "cluster"], [0, "node1"], [0, False], [0, []]]]
    fields = {f["name"] for f in luxi_ok(vc, "QueryFields", "cluster", None)["fields"]}
    assert {"cluster_name", "software_version", "watcher_pause", "volume_group_name"} <= fields
    assert luxi_ok(vc, "Query", "extstorage", ["name", "node_status"], None)["data"] == []
    assert "Unknown opcode" not in ganeti_cli(vc, "gnt-cluster", "search-tags", "x",
                                              check=False).stderr


def test_os_resource_and_hidden_oses(vc):
    rows = luxi_ok(vc, "Query", "os", ["name", "valid", "hidden", "variants"], None)["data"]
    by_name = {r[0][1]: [c[1] for c in r[1:]] for r in rows}
    assert by_name["image"] == [True, False, ["default", "minimal"]]
    assert by_name["noop"][:2] == [True, False]
    ganeti_cli(vc, "gnt-os", "modify", "--hidden=yes", "noop")
    try:
        assert "noop" not in ganeti_cli(vc, "gnt-os", "list", "--no-headers").stdout.split()
        hidden = luxi_ok(vc, "Query", "os", ["name"], ["=", "hidden", True])["data"]
        assert hidden == [[[0, "noop"]]]
    finally:
        ganeti_cli(vc, "gnt-os", "modify", "--hidden=no", "noop")
    assert "noop" in ganeti_cli(vc, "gnt-os", "list", "--no-headers").stdout.split()
