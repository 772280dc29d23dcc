"""Ganeti's test opcodes and the job queue semantics they check, through
Debian's Python gnt-debug (unchanged) and Herd's gnt-debug: the job queue
test (notifications while waiting and running, log messages, failures,
submit priorities, job dependencies), the allocator's input and answers for
every mode, delays and dummy jobs."""

import json
import time

import pytest

from herd_e2e import (GANETI_HAIL, GANETI_SHARE, ganeti_cli, luxi_call, master_socket, require,
                      same_hail_info, temporary_cluster)


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-debug", "ganeti-3.0")
    require(GANETI_HAIL, "ganeti-htools-3.0")
    with temporary_cluster("herd-debug-", nodes=4) as cluster:
        cluster.cmd("node1", "gnt-instance", "add", "-t", "file", "--disk", "0:size=1G", "-o", "noop",
                    "-n", "node2", "--no-start", "inst1")
        cluster.cmd("node1", "gnt-instance", "add", "-t", "sharedfile", "--disk", "0:size=1G",
                    "-o", "noop", "-n", "node2", "--no-start", "inst2")
        yield cluster


def herd(vc, *args, check=True):
    return vc.cmd("node1", "gnt-debug", *args, check=check)


def test_ganeti_job_queue_test_passes(vc):
    """Ganeti's own job queue test: waiting/running states seen through
    notification sockets, every test message in order, partial failures,
    refused priorities and dependencies resolved and honoured."""
    out = ganeti_cli(vc, "gnt-debug", "test-jobqueue").stdout
    assert "Job submission tests were successful" in out
    assert "Job dependency tests were successful" in out
    assert "Job queue test successful" in out


@pytest.mark.parametrize("cli", ["ganeti", "herd"])
def test_allocator_input_and_answers(vc, cli):
    def debug(*args, check=True):
        if cli == "ganeti":
            return ganeti_cli(vc, "gnt-debug", "allocator", *args, check=check)
        return herd(vc, "allocator", *args, check=check)

    request = json.loads(debug("--dir", "in", "--mode", "allocate", "--memory", "256",
                               "--disks", "1024,2048", "-t", "file", "-o", "noop", "new1").stdout)
    assert request["request"]["type"] == "allocate"
    assert request["request"]["name"] == "new1"
    assert request["request"]["memory"] == 256
    assert [d["size"] for d in request["request"]["disks"]] == [1024, 2048]
    assert sorted(request["nodes"]) == ["node1", "node2", "node3", "node4"]
    assert "inst1" in request["instances"]

    # Herd's hail and Ganeti's hail answer the same request the same way.
    args = ("--mode", "allocate", "--memory", "256", "--disks", "1024", "-t", "file", "-o",
            "noop", "new1")
    herd_answer = json.loads(debug("--dir", "out", "-I", "hail", *args).stdout)
    ganeti_answer = json.loads(debug("--dir", "out", "-I", str(GANETI_HAIL), *args).stdout)
    assert herd_answer["success"] and herd_answer["result"] == ganeti_answer["result"]
    assert same_hail_info(herd_answer["info"], ganeti_answer["info"])

    multi = json.loads(debug("--dir", "out", "-I", "hail", "--mode", "multi-allocate",
                             "--count", "3", *args[2:]).stdout)
    assert sorted(name for name, _ in multi["result"][0]) == ["new10", "new11", "new12"]

    evacuation = json.loads(debug("--dir", "out", "-I", "hail", "--mode", "node-evacuate",
                                  "inst2").stdout)
    assert evacuation["success"] and evacuation["result"][0][0][0] == "inst2"

    # Ganeti's checks, with its error classes.
    exists = debug("--dir", "in", "--mode", "allocate", "--memory", "128", "inst1", check=False)
    assert exists.returncode != 0 and "Instance 'inst1' already in the cluster" in exists.stdout + exists.stderr
    unknown = debug("--dir", "in", "--mode", "relocate", "nosuch", check=False)
    assert unknown.returncode != 0 and "Instance 'nosuch' not known" in unknown.stdout + unknown.stderr
    no_allocator = debug("--dir", "out", "--mode", "allocate", "--memory", "128", "new2",
                         check=False)
    assert no_allocator.returncode != 0
    assert "Missing allocator name" in no_allocator.stdout + no_allocator.stderr


@pytest.mark.parametrize("cli", ["ganeti", "herd"])
def test_delay_and_dry_run(vc, cli):
    def debug(*args):
        if cli == "ganeti":
            return ganeti_cli(vc, "gnt-debug", *args)
        return herd(vc, *args)

    debug("delay", "0.1")
    debug("delay", "--dry-run", "5")  # checks only: no five-second sleep
    submitted = debug("delay", "--submit", "0.2")
    job_id = int((submitted.stdout + submitted.stderr).split("JobID:")[1].split()[0])
    assert ganeti_cli(vc, "gnt-job", "wait", str(job_id)).returncode == 0


def test_submit_job_and_dummy_opcodes(vc, tmp_path):
    ops = tmp_path / "ops.json"
    ops.write_text(json.dumps([{"OP_ID": "OP_TEST_DELAY", "duration": 0},
                               {"OP_ID": "OP_TEST_DELAY", "duration": 0}]))
    for result in (ganeti_cli(vc, "gnt-debug", "submit-job", "--job-repeat", "2", str(ops)),
                   herd(vc, "submit-job", "--job-repeat", "2", str(ops))):
        assert result.returncode == 0

    ok, job_id = luxi_call(master_socket(vc), "SubmitJob", [[
        {"OP_ID": "OP_TEST_DUMMY", "result": {"a": 1}, "messages": ["m1", "m2"], "fail": False,
         "submit_jobs": None}]])
    assert ok
    deadline = time.monotonic() + 30
    while True:
        ok, rows = luxi_call(master_socket(vc), "QueryJobs",
                             [[job_id], ["status", "opresult", "oplog"]])
        status, results, logs = rows[0]
        if status in ("success", "error", "canceled") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status == "success" and results == [{"a": 1}]
    assert [entry[3] for entry in logs[0]] == ["m1", "m2"]

    ok, job_id = luxi_call(master_socket(vc), "SubmitJob", [[
        {"OP_ID": "OP_TEST_DUMMY", "result": "r", "messages": [], "fail": True,
         "submit_jobs": None}]])
    failed = ganeti_cli(vc, "gnt-job", "watch", str(job_id), check=False)
    assert failed.returncode != 0 and "Error requested (r)" in failed.stdout + failed.stderr
