"""Disk and query opcodes through Debian's Python CLI (unchanged): cluster
and group disk verification, instance disk activation and deactivation,
tag search, queries as opcodes and ExtStorage diagnosis."""

import pytest

from herd_e2e import GANETI_SHARE, ganeti_cli, require, temporary_cluster


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-instance", "ganeti-3.0")
    with temporary_cluster("herd-disks-", nodes=3) as cluster:
        cluster.cmd("node1", "gnt-instance", "add", "-t", "file", "--disk", "0:size=1G",
                    "-o", "noop", "-n", "node2", "inst1")
        cluster.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop",
                    "-n", "node3", "inst2")
        yield cluster


def gnt(vc, *args, check=True):
    return ganeti_cli(vc, *args, check=check)


def test_verify_disks_finds_nothing_to_activate(vc):
    out = gnt(vc, "gnt-cluster", "verify-disks").stdout
    assert "No disks need to be activated." in out
    # One job per group, each answering ({}, [], {}).
    assert out.count("Waiting for job") == 1


def test_activate_and_deactivate_disks(vc):
    out = gnt(vc, "gnt-instance", "activate-disks", "inst1").stdout.strip()
    node, iv_name, path = out.split(":")
    assert (node, iv_name) == ("node2", "disk/0")
    assert path.startswith(str(vc.node_root("node2") / "srv/ganeti/file-storage/inst1/"))

    running = gnt(vc, "gnt-instance", "deactivate-disks", "inst1", check=False)
    assert running.returncode != 0
    assert "Instance inst1 is running, can't shutdown block devices." in running.stderr

    gnt(vc, "gnt-instance", "shutdown", "inst1")
    gnt(vc, "gnt-instance", "deactivate-disks", "inst1")
    listed = gnt(vc, "gnt-instance", "list", "--no-headers", "-o", "name,disks_active").stdout
    assert listed.split() == ["inst1", "N", "inst2", "N"]
    gnt(vc, "gnt-instance", "activate-disks", "inst1")
    listed = gnt(vc, "gnt-instance", "list", "--no-headers", "-o", "name,disks_active").stdout
    assert listed.split()[:2] == ["inst1", "Y"]

    # A disk whose file is gone cannot be activated; Ganeti's message says which.
    disk = path.rsplit("/", 1)[1]
    missing = vc.node_root("node2") / "srv/ganeti/file-storage/inst1" / disk
    missing.rename(missing.with_name(disk + ".moved"))
    try:
        failed = gnt(vc, "gnt-instance", "activate-disks", "inst1", check=False)
        assert failed.returncode != 0
        assert "Cannot activate block devices" in failed.stderr
        assert "does not exist" in failed.stdout + failed.stderr
    finally:
        missing.with_name(disk + ".moved").rename(missing)
    gnt(vc, "gnt-instance", "start", "inst1")


def test_search_tags_over_every_kind_of_object(vc):
    gnt(vc, "gnt-cluster", "add-tags", "env:prod")
    gnt(vc, "gnt-instance", "add-tags", "inst2", "env:test")
    gnt(vc, "gnt-node", "add-tags", "node3", "rack:r1")
    out = gnt(vc, "gnt-cluster", "search-tags", "^env:").stdout.splitlines()
    assert out == ["/cluster env:prod", "/instances/inst2 env:test"]
    assert gnt(vc, "gnt-cluster", "search-tags", "r1$").stdout.split() == ["/nodes/node3",
                                                                          "rack:r1"]
    # Nothing found is exit code 1, as Ganeti's; a bad pattern is an error.
    assert gnt(vc, "gnt-cluster", "search-tags", "nosuchtag", check=False).returncode == 1
    bad = gnt(vc, "gnt-cluster", "search-tags", "(", check=False)
    assert bad.returncode != 0 and "Invalid search pattern" in bad.stderr


def test_queries_as_opcodes(vc):
    script = """
from ganeti import cli, errors, opcodes
cl = cli.GetClient()
result = cli.SubmitOpCode(opcodes.OpQuery(what="node", fields=["name", "master"],
                                          qfilter=["=", "name", "node2"]), cl=cl)
print(result["data"])
print(cli.SubmitOpCode(opcodes.OpClusterConfigQuery(output_fields=["cluster_name",
                                                                   "master_node"]), cl=cl))
print([f["name"] for f in cli.SubmitOpCode(opcodes.OpQueryFields(what="export"),
                                            cl=cl)["fields"]])
try:
    cli.SubmitOpCode(opcodes.OpQuery(what="job", fields=["id"]), cl=cl)
except errors.OpPrereqError as err:
    print("refused", err.args[1])
"""
    import os
    import subprocess
    env = dict(os.environ, GANETI_ROOTDIR=str(vc.node_root("node1")), GANETI_HOSTNAME="node1")
    out = subprocess.run(["/usr/bin/python3", "-c", script], env=env, cwd=str(GANETI_SHARE),
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.splitlines() == ["[[[0, 'node2'], [0, False]]]", "['cluster', 'node1']",
                                "['node', 'export']", "refused wrong_input"]


def test_extstorage_diagnose_lists_no_provider(vc):
    # Ganeti's client says so itself when the list is empty.
    out = gnt(vc, "gnt-storage", "diagnose", check=False)
    assert "Can't get the list of ExtStorage providers" in out.stderr
    assert "Unknown opcode" not in out.stderr


def test_herd_gnt_cluster_commands(vc):
    def herd(*args, check=True):
        return vc.cmd("node1", "gnt-cluster", *args, check=check)

    herd("add-tags", "owner:ops", "tier:1")
    assert "owner:ops" in herd("list-tags").stdout.split()
    assert herd("search-tags", "^owner").stdout.splitlines() == ["/cluster owner:ops"]
    assert herd("search-tags", "nosuchtag", check=False).returncode == 1
    herd("remove-tags", "owner:ops")
    assert "owner:ops" not in herd("list-tags").stdout.split()
    assert "No disks need to be activated." in herd("verify-disks").stdout
    assert "paused until" in herd("watcher", "pause", "5m").stdout
    assert "paused until" in herd("watcher", "info").stdout
    herd("watcher", "continue")
    assert "not paused" in herd("watcher", "info").stdout
    # The master IP of a virtual cluster lives on loopback: always there.
    for cli in (herd, lambda *a: gnt(vc, "gnt-cluster", *a)):
        cli("activate-master-ip")
        cli("deactivate-master-ip", "--yes")


def test_node_storage(vc):
    default = gnt(vc, "gnt-node", "list-storage", check=False)
    assert default.returncode != 0
    assert "Storage reporting for storage type 'diskless' is not supported" in default.stderr
    rows = gnt(vc, "gnt-node", "list-storage", "-t", "file", "--no-headers", "--units=m",
               "--separator=|", "-o", "node,type,name,size,used,free,allocatable").stdout.split()
    by_node = {r.split("|")[0]: r.split("|")[1:] for r in rows}
    assert sorted(by_node) == ["node1", "node2", "node3"]
    node2 = by_node["node2"]
    assert node2[:2] == ["file", "/srv/ganeti/file-storage"]
    size, used, free = (int(float(v)) for v in node2[2:5])
    assert used == 1024 and size - used == free and node2[5] == "Y"  # inst1's 1G disk
    assert int(float(by_node["node3"][3])) == 0
    lvm = gnt(vc, "gnt-node", "list-storage", "-t", "lvm-vg", check=False)
    assert lvm.returncode != 0 and "No disk template of storage type 'lvm-vg'" in lvm.stderr
    assert gnt(vc, "gnt-node", "volumes", "--no-headers").stdout.strip() == ""
    modify = gnt(vc, "gnt-node", "modify-storage", "--allocatable=no", "node1", "file", "/x",
                 check=False)
    assert modify.returncode != 0 and "can not be modified" in modify.stderr
    repair = gnt(vc, "gnt-node", "repair-storage", "node1", "file", "/x", check=False)
    assert repair.returncode != 0 and "can not be repaired" in repair.stderr


@pytest.mark.parametrize("cli", ["ganeti", "herd"])
def test_repair_disk_sizes(vc, cli):
    def repair(*args):
        if cli == "ganeti":
            return gnt(vc, "gnt-cluster", "repair-disk-sizes", *args)
        return vc.cmd("node1", "gnt-cluster", "repair-disk-sizes", *args)

    disk_dir = vc.node_root("node2") / "srv/ganeti/file-storage/inst1"
    (disk,) = [p for p in disk_dir.iterdir() if ".disk0" in p.name]
    grown = 1536 if cli == "ganeti" else 2048
    with open(disk, "r+b") as f:
        f.truncate(grown * 1024 * 1024)
    out = repair("inst1").stdout
    assert f"has mismatched size, correcting: recorded" in out and f"actual {grown}" in out
    sizes = gnt(vc, "gnt-instance", "list", "--no-headers", "--units=m", "-o", "disk.size/0",
                "inst1").stdout.strip()
    assert sizes == str(grown)
    assert "mismatched" not in repair().stdout  # nothing left to correct


def test_restricted_commands_and_powercycle(vc):
    commands = vc.node_root("node2") / "etc/ganeti/restricted-commands"
    commands.mkdir(parents=True, exist_ok=True)
    commands.chmod(0o755)
    script = commands / "uptime-check"
    script.write_text("#!/bin/sh\necho all good\n")
    script.chmod(0o755)
    out = gnt(vc, "gnt-node", "restricted-command", "uptime-check", "node2").stdout
    assert "Node: node2" in out and "all good" in out
    # A node without the command, a name with a path, a command others may
    # change: each refused with the same answer, revealing nothing more.
    script.chmod(0o777)
    for args in (("uptime-check", "node2"), ("uptime-check", "node3"), ("../bin/sh", "node2")):
        refused = gnt(vc, "gnt-node", "restricted-command", *args, check=False)
        assert refused.returncode != 0
        assert f"Executing command '{args[0]}' failed" in refused.stdout + refused.stderr
    script.chmod(0o755)

    master = gnt(vc, "gnt-node", "powercycle", "--yes", "node1", check=False)
    assert master.returncode != 0
    assert "The node is the master and the force parameter was not set" in master.stderr
    other = gnt(vc, "gnt-node", "powercycle", "--yes", "node2", check=False)
    assert other.returncode != 0 and "Cannot powercycle node node2" in other.stderr


def test_recreate_and_replace_disks(vc):
    vc.cmd("node1", "gnt-instance", "add", "-t", "file", "--disk", "0:size=1G", "-o", "noop",
           "-n", "node3", "--no-start", "lost1")
    try:
        disk_dir = vc.node_root("node3") / "srv/ganeti/file-storage/lost1"
        (disk,) = list(disk_dir.iterdir())
        exists = gnt(vc, "gnt-instance", "recreate-disks", "lost1", check=False)
        assert exists.returncode != 0 and "already exists" in exists.stdout + exists.stderr
        disk.unlink()
        gnt(vc, "gnt-instance", "recreate-disks", "lost1")
        assert disk.exists() and disk.stat().st_size == 1024 * 1024 * 1024
        # Onto another node, bigger.
        gnt(vc, "gnt-instance", "recreate-disks", "-n", "node2", "--disk", "0:size=2G", "lost1")
        rows = gnt(vc, "gnt-instance", "list", "--no-headers", "--units=m", "-o",
                   "pnode,disk.size/0", "lost1").stdout.split()
        assert rows == ["node2", "2048"]
        moved = vc.node_root("node2") / "srv/ganeti/file-storage/lost1" / disk.name
        assert moved.stat().st_size == 2048 * 1024 * 1024
        gnt(vc, "gnt-instance", "start", "lost1")
        running = gnt(vc, "gnt-instance", "recreate-disks", "lost1", check=False)
        assert running.returncode != 0 and "is running, cannot recreate disks" in running.stderr
        replace = gnt(vc, "gnt-instance", "replace-disks", "-p", "lost1", check=False)
        assert replace.returncode != 0
        assert "Can only run replace disks for DRBD8-based instances" in replace.stderr
    finally:
        gnt(vc, "gnt-instance", "remove", "-f", "lost1", check=False)


def test_herd_gnt_node_storage_and_commands(vc):
    def herd(*args, check=True):
        return vc.cmd("node1", "gnt-node", *args, check=check)

    rows = herd("list-storage", "-t", "file", "--no-headers", "--units=m", "--separator=|",
                "-o", "node,name,allocatable").stdout.split()
    assert rows == ["node1|/srv/ganeti/file-storage|Y", "node2|/srv/ganeti/file-storage|Y",
                    "node3|/srv/ganeti/file-storage|Y"]
    assert herd("list-storage", check=False).returncode != 0
    commands = vc.node_root("node2") / "etc/ganeti/restricted-commands"
    commands.mkdir(parents=True, exist_ok=True)
    commands.chmod(0o755)
    script = commands / "say-hi"
    script.write_text("#!/bin/sh\necho hi there\n")
    script.chmod(0o755)
    out = herd("restricted-command", "say-hi", "node2").stdout
    assert "Node: node2" in out and "hi there" in out
    herd("add-tags", "node2", "rack:r9")
    assert "rack:r9" in herd("list-tags", "node2").stdout.split()
    herd("remove-tags", "node2", "rack:r9")
