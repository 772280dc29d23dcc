"""The master daemon under abuse: kill -9 with running and queued jobs,
malformed LUXI messages."""

import os
import signal
import socket
import time

import pytest

from herd_e2e import VirtualCluster, alive, luxi_call, master_socket, run

FINAL = {"success", "error", "canceled"}


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=3)
    yield cluster
    cluster.destroy()


def test_malformed_luxi_messages_get_errors_and_daemon_keeps_serving(vc):
    path = str(master_socket(vc))
    for garbage in [b"{not json\x03", b"[1,2,3]\x03", b'{"method": "Query"}\x03']:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        s.sendall(garbage)
        reply = s.recv(65536)
        s.close()
        assert b'"success":false' in reply.replace(b" ", b"")
        assert b"ProtocolError" in reply
    ok, result = luxi_call(path, "NoSuchMethod", [])
    assert not ok and result[0] == "LuxiError"
    ok, result = luxi_call(path, "QueryClusterInfo", [])
    assert ok and result["name"] == "cluster"


def test_kill_9_loses_no_job(vc):
    path = master_socket(vc)
    # More jobs than worker threads (64): some run, the rest wait in the
    # queue. One submission for all, so that none has ended before the last
    # is queued (each runs a second).
    delay = {"OP_ID": "OP_TEST_DELAY", "duration": 1.0, "on_master": False}
    ok, submitted = luxi_call(path, "SubmitManyJobs", [[[delay] for _ in range(100)]])
    assert ok and all(accepted for accepted, _ in submitted), submitted
    ids = [job_id for _, job_id in submitted]
    time.sleep(0.3)
    ok, before = luxi_call(path, "QueryJobs", [ids, ["id", "status"]])
    assert ok
    pid = int((vc.node_root("node1") / "var/run/ganeti/ganeti-masterd.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    while alive(pid):
        time.sleep(0.02)
    queued_at_kill = [row[0] for row in before if row[1] == "queued"]
    assert queued_at_kill, before
    run([vc.path / "start-all"])
    deadline = time.time() + 60
    while True:
        ok, rows = luxi_call(path, "QueryJobs", [ids, ["id", "status", "opresult"]])
        assert ok
        assert all(row is not None for row in rows), "a submitted job was lost"
        if all(row[1] in FINAL for row in rows) or time.time() > deadline:
            break
        time.sleep(0.2)
    by_id = {row[0]: row for row in rows}
    assert all(row[1] in FINAL for row in rows), rows
    # Queued jobs run after the restart; jobs that were running fail as Ganeti's do.
    for job_id in queued_at_kill:
        assert by_id[job_id][1] == "success", by_id[job_id]
    for row in rows:
        if row[1] == "error":
            assert "Unclean master daemon shutdown" in str(row[2]), row
