"""Herd's gnt-cluster command, copyfile, epo and upgrade, gnt-debug
test-jobqueue, wconfd, metad and confd, and gnt-node list-drbd, on a
virtual cluster: commands run in each node's own environment, files land
under each node root, an emergency power-off stops instances and node
daemons and --on brings both back, the job queue test passes, and confd
answers as the master candidates agree."""

import os
import re
import subprocess
import time

import pytest

from herd_e2e import BIN, alive, luxi_ok, node_address, temporary_cluster

NODES = ("node1", "node2", "node3")
RULE = "-" * 48


@pytest.fixture(scope="module")
def vc():
    with temporary_cluster("herd-admin-extras-", nodes=3) as cluster:
        cluster.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "--net",
                    "0:ip=192.0.2.20", "-n", "node2", "web2", timeout=120)
        cluster.cmd("node1", "gnt-instance", "add", "-t", "file", "--disk", "0:size=1G", "-o",
                    "noop", "--net", "0:ip=192.0.2.30", "-n", "node3", "web3", timeout=120)
        yield cluster


def herd(vc, program, *args, check=True, timeout=120, node="node1"):
    return vc.cmd(node, program, *args, check=check, timeout=timeout)


def noded_pid(vc, node):
    path = vc.node_root(node) / "var/run/ganeti/ganeti-noded.pid"
    text = path.read_text().split() if path.exists() else []
    return int(text[0]) if text else 0


def wait_until(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def blocks(stdout):
    """gnt-cluster command's output, one text per node, split at the rules."""
    parts = stdout.split(RULE + "\n")
    assert parts[0] == "", stdout
    return parts[1:]


def instance_states(vc):
    out = herd(vc, "gnt-instance", "list", "--no-headers", "-o", "name,admin_state,status").stdout
    return {name: (admin, status) for name, admin, status in (l.split() for l in out.splitlines())}


def test_command_runs_in_each_nodes_environment(vc):
    out = herd(vc, "gnt-cluster", "command",
               'echo "$GANETI_HOSTNAME $GANETI_ROOTDIR $(pwd)"; echo to-stderr >&2; exit 3')
    assert out.returncode == 0
    # The master comes last; each block is Ganeti's: node, output, return code.
    expected = []
    for node in ("node2", "node3", "node1"):
        root = vc.node_root(node)
        expected.append(f"node: {node}\n{node} {root} {root}\nto-stderr\n\nreturn code = 3\n")
    assert blocks(out.stdout) == expected

    machine = herd(vc, "gnt-cluster", "command", "-n", "node2", "-M", "echo a; echo b").stdout
    assert machine == f"{RULE}\nnode2: a\nnode2: b\nreturn code = 0\n"

    # Options end where the command begins, as Ganeti's parser has it.
    failures = herd(vc, "gnt-cluster", "command", "--failure-only", "test", "$GANETI_HOSTNAME",
                    "=", "node2").stdout
    assert [b.splitlines()[0] for b in blocks(failures)] == ["node: node3", "node: node1"]
    assert all(b.endswith("return code = 1\n") for b in blocks(failures))

    grouped = herd(vc, "gnt-cluster", "command", "-g", "default", "-n", "node3", "true").stdout
    assert [b.splitlines()[0] for b in blocks(grouped)] == ["node: node3"]
    nothing = herd(vc, "gnt-cluster", "command", check=False)
    assert nothing.returncode == 1
    assert "expects at least 1 argument(s)" in nothing.stderr


def test_copyfile_to_every_other_node_root(vc):
    source = vc.node_root("node1") / "etc/ganeti/extras-payload"
    source.write_text("copied by copyfile\n")
    os.chmod(source, 0o640)
    os.utime(source, (1_700_000_000, 1_700_000_000))
    out = herd(vc, "gnt-cluster", "copyfile", str(source))
    assert out.stdout == "" and out.stderr == ""
    for node in ("node2", "node3"):
        copy = vc.node_root(node) / "etc/ganeti/extras-payload"
        assert copy.read_text() == "copied by copyfile\n"
        assert copy.stat().st_mode & 0o777 == 0o640
        assert int(copy.stat().st_mtime) == 1_700_000_000

    # -n narrows the targets; a relative name is taken from the working directory.
    only = vc.node_root("node1") / "only-node3"
    only.write_text("3")
    subprocess.run([vc.node_root("node1") / "cmd", "gnt-cluster", "copyfile", "-n", "node3",
                    "only-node3"], cwd=vc.node_root("node1"), check=True, timeout=60)
    assert (vc.node_root("node3") / "only-node3").read_text() == "3"
    assert not (vc.node_root("node2") / "only-node3").exists()

    outside = vc.path / "outside-any-node"
    outside.write_text("no")
    refused = herd(vc, "gnt-cluster", "copyfile", str(outside), check=False)
    assert refused.returncode == 1
    assert f"Path '{outside}' is not below node root '{vc.node_root('node1')}'" in refused.stderr
    assert not (vc.node_root("node2") / "outside-any-node").exists()
    missing = herd(vc, "gnt-cluster", "copyfile", str(vc.node_root("node1") / "nope"),
                   check=False)
    assert missing.returncode == 1 and "No such filename" in missing.stderr

    # Where the directory is missing on a node, Ganeti's failure line; exit code 0.
    deep = vc.node_root("node1") / "only-here"
    deep.mkdir()
    (deep / "file").write_text("x")
    failed = herd(vc, "gnt-cluster", "copyfile", "-n", "node2", str(deep / "file"))
    assert failed.returncode == 0
    assert f"Copy of file {deep / 'file'} to node node2:22 failed" in failed.stderr


def test_epo_off_and_on_again(vc):
    herd(vc, "gnt-cluster", "modify", "--node-parameters", f"oob_program={BIN}/herd-oob")
    assert instance_states(vc) == {"web2": ("up", "running"), "web3": ("up", "running")}

    master = herd(vc, "gnt-cluster", "epo", "-f", "node1", "node2", check=False)
    assert master.returncode == 1
    assert "node1 is the master node, please do a master-failover" in master.stderr
    both = herd(vc, "gnt-cluster", "epo", "--groups", "--all", check=False)
    assert both.returncode == 1 and "Only one of --groups or --all are allowed" in both.stderr
    # Without a terminal nobody confirms: nothing happens.
    unconfirmed = herd(vc, "gnt-cluster", "epo", "node2", check=False)
    assert unconfirmed.returncode == 1
    assert alive(noded_pid(vc, "node2"))

    pids = {node: noded_pid(vc, node) for node in ("node2", "node3")}
    off = herd(vc, "gnt-cluster", "epo", "-f", "node2", "node3", timeout=300)
    assert "Submit shutdown of instance web2" in off.stdout
    assert "Submit shutdown of instance web3" in off.stdout
    assert "All instances have been stopped successfully" in off.stdout
    for node, pid in pids.items():
        wait_until(lambda: not alive(pid), 30, f"{node}'s node daemon to stop")
    # Stopped without recording it (still meant to run), on nodes that are down.
    assert instance_states(vc) == {"web2": ("up", "ERROR_nodedown"),
                                   "web3": ("up", "ERROR_nodedown")}
    powered = herd(vc, "gnt-node", "list", "--no-headers", "-o", "name,powered").stdout.split()
    assert powered == ["node1", "Y", "node2", "N", "node3", "N"]
    # As Ganeti: powered-off nodes are skipped, but their instances are still
    # asked to stop, which their nodes cannot do now.
    again = herd(vc, "gnt-cluster", "epo", "-f", "node2", "node3", check=False, timeout=120)
    assert again.returncode == 1
    assert "Node node2 is already in desired power state, skipping" in again.stdout
    assert "Please investigate and stop instances manually before continuing" in again.stderr

    on = herd(vc, "gnt-cluster", "epo", "--on", "-f", "node2", "node3", timeout=600)
    assert "Waiting until all nodes are available again" in on.stdout
    assert "Node node2 became available" in on.stdout
    assert "Node node3 became available" in on.stdout
    assert "Submit startup of instance web2" in on.stdout
    assert "All instances have been started successfully" in on.stdout
    for node in ("node2", "node3"):
        assert noded_pid(vc, node) not in (0, pids[node]) and alive(noded_pid(vc, node))
    assert instance_states(vc) == {"web2": ("up", "running"), "web3": ("up", "running")}
    powered = herd(vc, "gnt-node", "list", "--no-headers", "-o", "name,powered").stdout.split()
    assert powered == ["node1", "Y", "node2", "Y", "node3", "Y"]


def test_upgrade_to_the_running_version_and_refusals(vc):
    data_dir = vc.node_root("node1") / "var/lib/ganeti"
    intent = data_dir / "intent-to-upgrade"
    neither = herd(vc, "gnt-cluster", "upgrade", check=False)
    assert neither.returncode == 1
    assert "Precisely one of the options --to and --resume has to be given" in neither.stderr
    nothing = herd(vc, "gnt-cluster", "upgrade", "--resume")
    assert "No upgrade is in progress, nothing to resume." in nothing.stdout

    other = herd(vc, "gnt-cluster", "upgrade", "--to", "3.1", check=False)
    assert other.returncode == 1
    assert "Cannot upgrade to 3.1: Herd runs one set of binaries, version 3.0.2" in other.stderr
    old = herd(vc, "gnt-cluster", "upgrade", "--to", "2.9", check=False)
    assert old.returncode == 1
    assert "automatic upgrades only supported from 2.10 onwards" in old.stderr
    assert not intent.exists()

    out = herd(vc, "gnt-cluster", "upgrade", "--to", "3.0", timeout=300)
    lines = out.stdout.splitlines()
    assert lines[:4] == ["Verifying 3.0 present on all nodes", "Draining queue",
                         "Pausing the watcher for one hour.",
                         lines[3]], out.stdout
    assert re.fullmatch(r"Backing up configuration as .*/backup/ganeti\d+\.tar", lines[3])
    assert lines[4:] == ["Switching to version 3.0 on all nodes", "Upgrading configuration",
                         "Redistributing the configuration.", "Undraining the queue.",
                         "Unpausing the watcher.", "Verifying cluster."]
    backups = list((data_dir / "backup").glob("ganeti*.tar"))
    assert len(backups) == 1
    members = subprocess.run(["tar", "-tf", backups[0]], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    assert "var/lib/ganeti/config.data" in members and "queue/archive/" not in members
    assert not intent.exists()
    assert "The drain flag is unset" in herd(vc, "gnt-cluster", "queue", "info").stdout
    assert "The watcher is not paused." in herd(vc, "gnt-cluster", "watcher", "info").stdout

    # An interrupted upgrade (intent left, queue drained) is finished by --resume,
    # and blocks an upgrade elsewhere meanwhile.
    intent.write_text("3.0.2,3.0,1")
    herd(vc, "gnt-cluster", "queue", "drain")
    blocked = herd(vc, "gnt-cluster", "upgrade", "--to", "3.1", check=False)
    assert blocked.returncode == 1
    assert "An upgrade from 3.0.2 to 3.0 is in progress; use --resume to finish it first" \
        in blocked.stderr
    resumed = herd(vc, "gnt-cluster", "upgrade", "--resume", timeout=300)
    assert "Undraining the queue." in resumed.stdout
    assert not intent.exists()
    assert "The drain flag is unset" in herd(vc, "gnt-cluster", "queue", "info").stdout


def test_debug_test_jobqueue_passes(vc):
    out = herd(vc, "gnt-debug", "test-jobqueue", timeout=300)
    assert "Job submission tests were successful" in out.stdout
    assert "Job dependency tests were successful" in out.stdout
    for mode in ("Testing job success", "Testing multiple successful opcodes",
                 "Testing job failure", "Testing partial job failure"):
        assert mode in out.stdout
    assert "Ignoring error for 'job fail' test: Opcode failure was requested" in out.stdout
    assert out.stdout.rstrip().endswith("Job queue test successful")
    # The test messages were taken by the test, not printed as log lines.
    assert "TESTMSG=" not in out.stdout


def test_debug_wconfd_and_metad(vc):
    assert herd(vc, "gnt-debug", "wconfd", "echo", "hello").stdout == "Answer: hello\n"
    job = herd(vc, "gnt-debug", "delay", "--submit", "20").stdout.split()[-1]
    try:
        def owners():
            return herd(vc, "gnt-debug", "wconfd", "listalllocksowners").stdout
        wait_until(lambda: f"job/{job}" in owners(), 30, "the delay job's locks")
        mine = herd(vc, "gnt-debug", "wconfd", "listlocks", job).stdout
        assert mine.startswith("Answer: [[") and "'exclusive'" in mine, mine
        held = herd(vc, "gnt-debug", "wconfd", "listalllocks").stdout
        assert held.startswith("Answer: ['"), held
    finally:
        herd(vc, "gnt-job", "cancel", "--kill", "--yes-do-it", job, check=False)
        herd(vc, "gnt-job", "wait", job, check=False)
    assert herd(vc, "gnt-debug", "wconfd", "listlocks", "999999").stdout == "Answer: []\n"
    for command, reason in (("flushconfig", "nothing to flush"),
                            ("cleanuplocks", "no stale locks to clean up")):
        out = herd(vc, "gnt-debug", "wconfd", command, check=False)
        assert out.returncode == 1 and reason in out.stderr, out.stderr
    bad = herd(vc, "gnt-debug", "wconfd", "echo", check=False)
    assert bad.returncode == 1 and "takes only precisely argument" in bad.stderr
    unknown = herd(vc, "gnt-debug", "wconfd", "bogus", check=False)
    assert unknown.returncode == 1 and "Command 'bogus' not supported" in unknown.stderr
    metad = herd(vc, "gnt-debug", "metad", "echo", "x", check=False)
    assert metad.returncode == 1 and "Herd has no metadata daemon" in metad.stderr


def test_list_drbd_from_confd(vc):
    out = herd(vc, "gnt-node", "list-drbd", "node2")
    assert out.stdout == "Node Minor Instance Disk Role PeerNode\n"
    assert herd(vc, "gnt-node", "list-drbd", "--no-headers", "node2").stdout == ""
    unknown = herd(vc, "gnt-node", "list-drbd", "nosuchnode", check=False)
    assert unknown.returncode == 1
    assert "Query gave non-ok status '1': Node nosuchnode not found" in unknown.stderr
    # Any node asks the candidates its own ssconf names.
    assert herd(vc, "gnt-node", "list-drbd", "node1", node="node3").returncode == 0


def test_confd_query_command(vc):
    def confd(*args, node="node1"):
        return herd(vc, "gnt-debug", "confd", *args, node=node).stdout.splitlines()

    addresses = {node: node_address(vc, node) for node in NODES}
    cluster = luxi_ok(vc, "QueryClusterInfo")
    assert confd("ping") == ["3000000"]
    assert confd("master") == ["node1"]
    [master_ip] = confd("config", "/cluster/master_ip")
    assert master_ip == node_address(vc, cluster["name"])
    assert confd("master", "name", "ip", "mnode_pip") == ["node1", master_ip, addresses["node1"]]
    assert confd("node-role", "node1") == ["master"]
    assert confd("node-role", "node2", node="node2") == ["candidate"]
    assert sorted(confd("node-pips")) == sorted(addresses.values())
    assert sorted(confd("mc-pips")) == sorted(addresses.values())
    assert sorted(confd("instance-ips")) == ["192.0.2.20", "192.0.2.30"]
    assert confd("node-pip-by-instance-ip", "192.0.2.20") == [addresses["node2"]]
    assert confd("node-pip-by-instance-ip", "192.0.2.30", "192.0.2.99") == [
        f"192.0.2.30 {addresses['node3']}", "192.0.2.99 -"]
    assert confd("instance-disks", "web2") == ["Disk Name Template Size Mode UUID"]
    disks = confd("instance-disks", "web3")
    assert len(disks) == 2 and disks[1].split()[:5] == ["disk/0", "-", "file", "1.0G", "rw"]
    assert confd("node-drbd", "node2") == ["Node Minor Instance Disk Role PeerNode"]
    assert confd("config", "/cluster/cluster_name") == [cluster["name"]]
    assert confd("--json", "node-role", "node3") == ["1"]
    # Two of three candidates agreeing is enough: the third is not waited for.
    verbose = confd("-v", "--coverage", "-1", "ping")
    assert verbose[-1] == "3000000"
    assert re.fullmatch(r"[23] of 3 asked answered, 2 needed to agree", verbose[-2]), verbose
    replies = [l for l in verbose if re.fullmatch(r"127\.[0-9.]+:1814: status 0, serial 0, 3000000", l)]
    assert len(replies) == int(verbose[-2][0])
    bad = herd(vc, "gnt-debug", "confd", "node-role", check=False)
    assert bad.returncode == 1 and "Request 'node-role' takes NODE" in bad.stderr
    missing = herd(vc, "gnt-debug", "confd", "config", "/no/such/path", check=False)
    assert missing.returncode == 1 and "Query gave non-ok status '1': 2" in missing.stderr
