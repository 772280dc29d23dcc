"""Instance export and import between virtual nodes: gnt-backup export, list,
import and remove through Herd's CLI, Debian's Python gnt-backup (unchanged)
and Ganeti's RAPI client; the imported disk must hold exactly the data written
into the exported one. Aborted exports (job cancel, a node daemon killed)
leave no export behind."""

import configparser
import hashlib
import os
import signal
import time

import pytest

from herd_e2e import (GANETI_SHARE, alive, ganeti_cli, rapi_client, require, run,
                      temporary_cluster)

DISK_MIB = 1024  # the cluster's instance policy's minimum
DATA_MIB = 32  # random data at the start and at the end of the disk; zeros between


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-backup", "ganeti-3.0")
    with temporary_cluster("herd-backup-", nodes=4) as cluster:
        yield cluster


def disk_file(vc, node, instance):
    files = list((vc.node_root(node) / "srv/ganeti/file-storage" / instance).glob("*disk0"))
    assert len(files) == 1, files
    return files[0]


def export_dir(vc, node, instance):
    return vc.node_root(node) / "srv/ganeti/export" / instance


def listed_exports(vc):
    out = vc.cmd("node1", "gnt-backup", "list", "--no-headers").stdout
    return sorted(tuple(line.split()) for line in out.splitlines() if line.strip())


def random_disk_data():
    """(offset, bytes) pieces written into a disk."""
    half = DATA_MIB * 1024 * 1024 // 2
    return [(0, os.urandom(half)), (DISK_MIB * 1024 * 1024 - half, os.urandom(half))]


def add_instance(vc, name, node, data):
    vc.cmd("node1", "gnt-instance", "add", "-t", "file", "--disk", f"0:size={DISK_MIB}M", "-o",
           "noop", "-n", node, "--no-start", name)
    with open(disk_file(vc, node, name), "r+b") as disk:
        for offset, piece in data:
            disk.seek(offset)
            disk.write(piece)


def digest(path):
    """The file's SHA-256 and size, read in pieces."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def expected_digest(data):
    h = hashlib.sha256()
    position = 0
    for offset, piece in data:
        h.update(bytes(offset - position))
        h.update(piece)
        position = offset + len(piece)
    h.update(bytes(DISK_MIB * 1024 * 1024 - position))
    return h.hexdigest(), DISK_MIB * 1024 * 1024


def job_of(vc, name, op_id="OP_BACKUP_EXPORT"):
    out = vc.cmd("node1", "gnt-job", "list", "--no-headers", "-o", "id,summary").stdout
    ids = [line.split()[0] for line in out.splitlines() if name in line and op_id[3:] in line]
    return ids[-1]


def wait_for_log(vc, job, text, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = vc.cmd("node1", "gnt-job", "info", job).stdout
        if text in out:
            return out
        time.sleep(0.2)
    raise AssertionError(f"job {job} never logged {text!r}:\n{out}")


def test_export_list_import_remove_with_herd_cli(vc):
    data = random_disk_data()
    add_instance(vc, "exp1", "node2", data)
    out = vc.cmd("node1", "gnt-backup", "export", "-n", "node3", "exp1").stdout
    for line in ("Exporting disk/0 from node2 to node3", "disk/0 is now listening, starting export",
                 "disk/0 finished sending data", "disk/0 finished receiving data",
                 "disk/0 integrity check passed", "Finalizing export on node3"):
        assert line in out, out
    assert ("node3", "exp1") in listed_exports(vc)

    # Ganeti's layout: config.ini and one image per disk, named by the disk's uuid.
    ini = configparser.ConfigParser()
    ini.read(export_dir(vc, "node3", "exp1") / "config.ini")
    assert ini.get("export", "version") == "0"
    assert ini.get("export", "os") == "noop"
    assert ini.get("instance", "name") == "exp1"
    assert ini.get("instance", "disk_count") == "1"
    assert ini.get("instance", "disk0_size") == str(DISK_MIB)
    image = export_dir(vc, "node3", "exp1") / ini.get("instance", "disk0_dump")
    assert digest(image) == expected_digest(data)
    assert not (vc.node_root("node3") / "srv/ganeti/export/exp1.new").exists()

    # Under a new name: the export is named by its directory (the old name).
    # Its NIC's MAC is exp1's, still in use: refused as Ganeti does, unless
    # the import asks for a new one.
    args = ["gnt-backup", "import", "-n", "node4", "--src-node", "node3", "--src-dir", "exp1",
            "-t", "file", "imp1"]
    refused = vc.cmd("node1", *args, check=False)
    assert refused.returncode != 0
    assert "already in use in cluster" in refused.stdout + refused.stderr
    vc.cmd("node1", *args, "--net", "0:mac=generate")
    assert digest(disk_file(vc, "node4", "imp1")) == expected_digest(data)
    fields = vc.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "pnode,os,disk.size/0",
                    "--units=m", "imp1").stdout.split()
    assert fields == ["node4", "noop", str(DISK_MIB)]

    # Exporting again to another node replaces the older export.
    vc.cmd("node1", "gnt-backup", "export", "-n", "node4", "exp1")
    assert listed_exports(vc) == [("node4", "exp1")]
    vc.cmd("node1", "gnt-backup", "remove", "exp1")
    assert listed_exports(vc) == []
    vc.cmd("node1", "gnt-instance", "remove", "-f", "imp1")


def test_export_import_with_ganeti_cli(vc):
    data = random_disk_data()
    add_instance(vc, "exp2", "node3", data)
    vc.cmd("node1", "gnt-instance", "startup", "exp2")
    # File disks cannot be snapshotted: a running instance is exported
    # stopped only when allowed to stay down longer, as Ganeti says.
    refused = ganeti_cli(vc, "gnt-backup", "export", "-n", "node2", "exp2", check=False)
    assert refused.returncode != 0
    assert "--long-sleep" in refused.stdout + refused.stderr
    ganeti_cli(vc, "gnt-backup", "export", "-n", "node2", "--long-sleep", "exp2")
    status = vc.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "status", "exp2")
    assert status.stdout.split() == ["running"]  # started again afterwards
    out = ganeti_cli(vc, "gnt-backup", "list", "--no-headers").stdout
    assert out.split() == ["node2", "exp2"]

    # The same name again, from the export found on whichever node holds it,
    # once the original instance is gone.
    vc.cmd("node1", "gnt-instance", "remove", "-f", "exp2")
    ganeti_cli(vc, "gnt-backup", "import", "-n", "node4", "-t", "file", "exp2")
    assert digest(disk_file(vc, "node4", "exp2")) == expected_digest(data)
    ganeti_cli(vc, "gnt-backup", "remove", "exp2")
    assert listed_exports(vc) == []
    vc.cmd("node1", "gnt-instance", "remove", "-f", "exp2")


def test_export_with_ganeti_rapi_client(vc):
    data = random_disk_data()
    add_instance(vc, "exp3", "node4", data)
    client = rapi_client(vc)
    assert client.PrepareExport("exp3", "local") is not None
    job = client.ExportInstance("exp3", "local", "node2", shutdown=True)
    assert client.WaitForJobCompletion(job, period=1, retries=60)
    assert client.GetJobStatus(job)["status"] == "success"
    assert ("node2", "exp3") in listed_exports(vc)
    image = next(p for p in export_dir(vc, "node2", "exp3").iterdir() if p.name != "config.ini")
    assert digest(image) == expected_digest(data)
    # The client has no method for DELETE /2/instances/[i]/export; its
    # request function reaches the resource all the same.
    job = client._SendRequest("DELETE", "/2/instances/exp3/export", None, None)
    assert client.WaitForJobCompletion(job, period=1, retries=60)
    assert listed_exports(vc) == []
    vc.cmd("node1", "gnt-instance", "remove", "-f", "exp3")


def test_bad_requests_lose_nothing(vc):
    vc.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "-n", "node2",
           "--no-start", "exp4")
    no_node = vc.cmd("node1", "gnt-backup", "export", "exp4", check=False)
    assert no_node.returncode != 0 and "Target node must be specified" in no_node.stderr
    bad_tool = vc.cmd("node1", "gnt-backup", "export", "-n", "node3",
                      "--transport-compression", "xz", "exp4", check=False)
    assert bad_tool.returncode != 0
    assert "Compression tool not allowed" in bad_tool.stdout + bad_tool.stderr
    missing = vc.cmd("node1", "gnt-backup", "import", "-n", "node3", "-t", "file", "nosuch",
                     "--no-name-check", "--no-ip-check", check=False)
    assert missing.returncode != 0
    assert "No export found for relative path nosuch" in missing.stdout + missing.stderr
    assert listed_exports(vc) == []
    vc.cmd("node1", "gnt-instance", "remove", "-f", "exp4")


def slow_export(vc, name, node):
    """Submits an export slow enough to be interrupted: random data through gzip -9."""
    vc.cmd("node1", "gnt-instance", "add", "-t", "file", "--disk", f"0:size={DISK_MIB}M", "-o",
           "noop", "-n", node, "--no-start", name)
    with open(disk_file(vc, node, name), "r+b") as disk:
        for _ in range(256):
            disk.write(os.urandom(1024 * 1024))
    vc.cmd("node1", "gnt-backup", "export", "--submit", "-n", "node3",
           "--transport-compression", "gzip-slow", name)
    job = job_of(vc, name)
    wait_for_log(vc, job, "is sending data")
    return job


def wait_job_status(vc, job, wanted, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = vc.cmd("node1", "gnt-job", "list", "--no-headers", "-o", "status", job).stdout
        if status.strip() in wanted:
            return status.strip()
        time.sleep(0.3)
    raise AssertionError(f"job {job} still {status.strip()}")


def helpers_left(vc, node):
    base = vc.node_root(node) / "var/run/ganeti/import-export"
    return list(base.iterdir()) if base.exists() else []


def test_canceled_export_leaves_nothing(vc):
    job = slow_export(vc, "exp5", "node2")
    vc.cmd("node1", "gnt-job", "cancel", job)
    assert wait_job_status(vc, job, ("canceled",)) == "canceled"
    assert listed_exports(vc) == []
    assert not (vc.node_root("node3") / "srv/ganeti/export/exp5.new").exists()
    assert helpers_left(vc, "node2") == [] and helpers_left(vc, "node3") == []
    vc.cmd("node1", "gnt-instance", "remove", "-f", "exp5")


def test_killed_node_daemon_fails_the_export_cleanly(vc):
    job = slow_export(vc, "exp6", "node2")
    pidfile = vc.node_root("node3") / "var/run/ganeti/ganeti-noded.pid"
    pid = int(pidfile.read_text().strip())
    os.kill(pid, signal.SIGKILL)
    try:
        assert wait_job_status(vc, job, ("error",)) == "error"
        info = vc.cmd("node1", "gnt-job", "info", job).stdout
        assert "Export failed" in info
        assert helpers_left(vc, "node2") == []
    finally:
        deadline = time.time() + 10
        while alive(pid) and time.time() < deadline:
            time.sleep(0.1)
        run([vc.path / "start-all"], timeout=60)
    # The unfinished export is never listed as valid.
    assert listed_exports(vc) == []
    vc.cmd("node1", "gnt-instance", "remove", "-f", "exp6")
