"""Job filter rules through Debian's Python gnt-filter (unchanged) and
Herd's: PAUSE holds matching jobs queued, ACCEPT lets them run, REJECT
cancels them, RATE_LIMIT bounds how many run at once, CONTINUE passes on;
rules are ordered by priority, survive a master restart and refuse bad
input."""

import json
import os
import signal
import time

import pytest

from herd_e2e import (GANETI_SHARE, alive, ganeti_cli, luxi_call, luxi_ok, master_socket,
                      require, run, temporary_cluster)

DELAY = [["opcode", ["=", "OP_ID", "OP_TEST_DELAY"]]]


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-filter", "ganeti-3.0")
    with temporary_cluster("herd-filters-", nodes=2) as cluster:
        yield cluster


def delay_job(vc, seconds=0.1, reason=None):
    op = {"OP_ID": "OP_TEST_DELAY", "duration": seconds, "on_master": False}
    if reason:
        op["reason"] = [["gnt:user", reason, 0]]
    return luxi_ok(vc, "SubmitJob", [op])


def status(vc, job_id):
    return luxi_ok(vc, "QueryJobs", [job_id], ["status"])[0][0]


def wait_final(vc, job_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = status(vc, job_id)
        if s in ("success", "error", "canceled"):
            return s
        time.sleep(0.05)
    return status(vc, job_id)


def stays(vc, job_id, expected, seconds=1.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert status(vc, job_id) == expected
        time.sleep(0.1)
    return True


@pytest.mark.parametrize("cli", ["ganeti", "herd"])
def test_pause_accept_and_delete(vc, cli):
    def gnt(*args, check=True):
        if cli == "ganeti":
            return ganeti_cli(vc, "gnt-filter", *args, check=check)
        return vc.cmd("node1", "gnt-filter", *args, check=check)

    uuid = gnt("add", "--action", "PAUSE", "--predicates", json.dumps(DELAY),
               "--reason", "maintenance").stdout.strip()
    held = delay_job(vc)
    assert stays(vc, held, "queued")
    listed = gnt("list", "--no-headers", "-o", "uuid,action,priority").stdout.split()
    assert listed == [uuid, "PAUSE", "0"]
    info = gnt("info", uuid).stdout
    assert f"UUID: {uuid}" in info and "Action: PAUSE" in info and "maintenance" in info
    assert gnt("replace", "--action", "ACCEPT", "--predicates", json.dumps(DELAY),
               uuid).stdout.strip() == uuid
    assert wait_final(vc, held) == "success"
    gnt("delete", uuid)
    assert gnt("list", "--no-headers").stdout.strip() == ""
    gone = gnt("delete", uuid, check=False)
    assert gone.returncode != 0 and "does not exist" in gone.stdout + gone.stderr


def test_reject_cancels_and_priorities_order_rules(vc):
    reject = luxi_ok(vc, "ReplaceFilter", None, 10, [["reason", ["=", "reason", "bad"]]],
                  "REJECT", [])
    accept = luxi_ok(vc, "ReplaceFilter", None, 5, [["reason", ["=", "reason", "bad"]],
                                                 ["jobid", [">", "id", 999999]]], "ACCEPT", [])
    try:
        assert wait_final(vc, delay_job(vc, reason="bad")) == "canceled"
        assert wait_final(vc, delay_job(vc, reason="good")) == "success"
        # A CONTINUE rule of higher priority passes the job on to the next one.
        cont = luxi_ok(vc, "ReplaceFilter", None, 1, DELAY, "CONTINUE", [])
        assert wait_final(vc, delay_job(vc, reason="bad")) == "canceled"
        luxi_ok(vc, "DeleteFilter", cont)
        # Jobs older than a rule's watermark are not its business.
        old = luxi_ok(vc, "ReplaceFilter", None, 0, DELAY + [["jobid", ["<", "id", "watermark"]]],
                   "REJECT", [])
        assert wait_final(vc, delay_job(vc)) == "success"
        luxi_ok(vc, "DeleteFilter", old)
    finally:
        for uuid in (reject, accept):
            luxi_ok(vc, "DeleteFilter", uuid)


def test_rate_limit_bounds_concurrent_jobs(vc):
    uuid = luxi_ok(vc, "ReplaceFilter", None, 0, DELAY, ["RATE_LIMIT", 1], [])
    try:
        jobs = [delay_job(vc, 0.5) for _ in range(3)]
        for job_id in jobs:
            assert wait_final(vc, job_id) == "success"
        spans = []
        for exec_ts, end_ts in luxi_ok(vc, "QueryJobs", jobs, ["start_ts", "end_ts"]):
            spans.append((exec_ts[0] + exec_ts[1] / 1e6, end_ts[0] + end_ts[1] / 1e6))
        spans.sort()
        for (_, first_end), (second_start, _) in zip(spans, spans[1:]):
            assert second_start >= first_end - 0.01, spans
    finally:
        luxi_ok(vc, "DeleteFilter", uuid)


def test_rules_survive_a_master_restart(vc):
    uuid = luxi_ok(vc, "ReplaceFilter", None, 0, DELAY, "PAUSE", [])
    held = delay_job(vc)
    assert stays(vc, held, "queued", 0.5)
    pid = int((vc.node_root("node1") / "var/run/ganeti/ganeti-masterd.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    while alive(pid):
        time.sleep(0.02)
    run([vc.path / "start-all"])
    listed = luxi_ok(vc, "QueryFilters", [], ["uuid", "action"])
    assert listed == [[uuid, "PAUSE"]]
    assert stays(vc, held, "queued", 1.0)
    luxi_ok(vc, "DeleteFilter", uuid)
    assert wait_final(vc, held) == "success"


def test_bad_rules_are_refused(vc):
    for args in ([None, 0, DELAY, "FOO", []],
                 [None, 0, DELAY, ["RATE_LIMIT", 0], []],
                 [None, 0, [["colour", ["=", "x", 1]]], "ACCEPT", []],
                 [None, 0, [["opcode", ["~~", "OP_ID", 1]]], "ACCEPT", []],
                 ["not-a-uuid", 0, DELAY, "ACCEPT", []],
                 [None, -1, DELAY, "ACCEPT", []]):
        ok, result = luxi_call(master_socket(vc), "ReplaceFilter", args)
        assert not ok, args
    assert luxi_ok(vc, "QueryFilters", [], ["uuid"]) == []
    bad = ganeti_cli(vc, "gnt-filter", "add", "--action", "FOO", check=False)
    assert bad.returncode != 0
