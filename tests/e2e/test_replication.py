"""Master candidates keep copies of the configuration (snapshot + journal
records shipped by the master) and of the job queue (every job file as the
master wrote it, archived ones in the archive)."""

import subprocess
import time

import pytest

from herd_e2e import VirtualCluster


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=4)
    yield cluster
    cluster.destroy()


def queue_dir(vc, node):
    return vc.node_root(node) / "var/lib/ganeti/queue"


def live_jobs(vc, node):
    """Job files in the node's queue; one archived while listing is left out,
    and so are the temporary files of a write under way."""
    jobs = {}
    for path in queue_dir(vc, node).glob("job-*"):
        if not path.name[4:].isdigit():
            continue
        try:
            jobs[path.name] = path.read_text()
        except FileNotFoundError:
            pass
    return jobs


def eventually(check, timeout=20):
    deadline = time.time() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def test_config_changes_reach_every_candidate(vc):
    vc.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "-n", "node2",
           "--no-name-check", "--no-ip-check", "repl1")

    def replicated():
        for node in ("node2", "node3", "node4"):
            data = vc.node_root(node) / "var/lib/ganeti"
            text = (data / "config.data").read_text()
            journal = data / "config.journal"
            if journal.exists():
                text += journal.read_text()
            assert "repl1" in text, node
    eventually(replicated)


def test_job_files_reach_every_candidate(vc):
    vc.cmd("node1", "gnt-node", "modify", "--drained=yes", "node4")
    vc.cmd("node1", "gnt-node", "modify", "--drained=no", "node4")
    master = live_jobs(vc, "node1")
    assert master

    def same_queue():
        for node in ("node2", "node3"):
            assert live_jobs(vc, node) == live_jobs(vc, "node1"), node
            serial = (queue_dir(vc, node) / "serial").read_text()
            assert serial == (queue_dir(vc, "node1") / "serial").read_text()
    eventually(same_queue)


def test_archived_jobs_move_to_the_candidates_archive(vc):
    first = min(int(name[4:]) for name in live_jobs(vc, "node1"))
    vc.cmd("node1", "gnt-job", "archive", str(first))

    def archived():
        for node in ("node2", "node3"):
            assert f"job-{first}" not in live_jobs(vc, node)
            assert (queue_dir(vc, node) / "archive" / "0" / f"job-{first}").exists()
    eventually(archived)


def test_a_restarted_master_resends_the_queue(vc):
    stale = queue_dir(vc, "node3") / "job-999999"
    stale.write_text("{}")
    subprocess.run([str(vc.path / "stop-all")], check=True, capture_output=True, timeout=120)
    subprocess.run([str(vc.path / "start-all")], check=True, capture_output=True, timeout=120)

    def resent():
        assert not stale.exists()
        assert live_jobs(vc, "node3") == live_jobs(vc, "node1")
    eventually(resent)
