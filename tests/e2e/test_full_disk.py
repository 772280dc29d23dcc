"""A full disk under the master's data directory (a small tmpfs mounted
there): clients get a clear error, the config and job files stay whole, and
everything works again once space returns, across a master restart.
Needs root for the mount (CI and the README's commands run as root)."""

import json
import os
import shutil
import subprocess

import pytest

from herd_e2e import VirtualCluster, run


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    if os.getuid() != 0:
        pytest.fail("mounting a small tmpfs needs root: run the tests as root (or through sudo)",
                    pytrace=False)
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=3)
    data = cluster.node_root("node1") / "var/lib/ganeti"
    saved = data.parent / "ganeti.saved"
    run([cluster.path / "stop-all"])
    shutil.copytree(data, saved, symlinks=True)
    run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", data])
    try:
        subprocess.run(["cp", "-a", f"{saved}/.", str(data)], check=True)
        run([cluster.path / "start-all"])
        yield cluster
    finally:
        run([cluster.path / "stop-all"], check=False)
        subprocess.run(["umount", "-l", str(data)], check=False)
        cluster.destroy()


def add(vc, name, check=True):
    return vc.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "-B",
                  "memory=128", "-n", "node2", "--no-name-check", "--no-ip-check", name,
                  check=check)


def fill(directory):
    """Takes every free byte of the file system under `directory`."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_full_disk_gives_clear_errors_and_recovers(vc):
    data = vc.node_root("node1") / "var/lib/ganeti"
    add(vc, "before1")
    filler = fill(data)
    result = add(vc, "during1", check=False)
    assert result.returncode != 0
    assert "No space left on device" in result.stderr, result.stderr
    # The master keeps serving what needs no space.
    listed = vc.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "name").stdout.split()
    assert listed == ["before1"]
    # Nothing on disk is damaged: the config and every job file parse.
    json.loads((data / "config.data").read_text())
    for line in (data / "config.journal").read_text().splitlines():
        json.loads(line)
    for job in (data / "queue").glob("job-*"):
        if ".tmp" not in job.name:
            json.loads(job.read_text())
    filler.unlink()
    add(vc, "after1")
    # A restarted master reads it all back.
    run([vc.path / "stop-all"])
    run([vc.path / "start-all"])
    listed = vc.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "name").stdout.split()
    assert listed == ["after1", "before1"]
    assert vc.cmd("node1", "gnt-cluster", "verify", check=False).returncode == 0
