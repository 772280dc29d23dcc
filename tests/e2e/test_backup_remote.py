"""Remote (inter-cluster) export and import between two Herd virtual clusters
on one machine, driven by Ganeti's own move-instance tool (Debian's ganeti-3.0,
unchanged) through both clusters' RAPI: the moved instance's disk must arrive
byte for byte, and clusters that do not share a domain secret must refuse."""

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import pathlib

import pytest

from herd_e2e import GANETI_SHARE, VirtualCluster, node_address, require

DISK_MIB = 1024


@contextlib.contextmanager
def two_clusters():
    base = pathlib.Path(tempfile.mkdtemp(prefix="herd-move-"))
    os.chmod(base, 0o755)
    clusters = []
    try:
        for name in ("src", "dst"):
            clusters.append(VirtualCluster(base / name, nodes=2))
        yield base, clusters[0], clusters[1]
    finally:
        for cluster in clusters:
            cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


def secret_file(vc):
    return vc.node_root("node1") / "var/lib/ganeti/cluster-domain-secret"


def move_instance(base, src, dst, name, timeout=300):
    args = ["/usr/bin/python3", GANETI_SHARE / "move-instance", "-v", "--opportunistic-tries", "0",
            "--dest-primary-node", "node2"]
    for side, vc in (("src", src), ("dest", dst)):
        users = (vc.node_root("node1") / "var/lib/ganeti/rapi/users").read_text()
        password = base / f"{side}-password"
        password.write_text(re.search(r"^admin (\S+)", users, re.M).group(1))
        args += [f"--{side}-ca-file", vc.node_root("node1") / "var/lib/ganeti/rapi.pem",
                 f"--{side}-username", "admin", f"--{side}-password-file", password]
    args += [node_address(src), node_address(dst), name]
    return subprocess.run([str(a) for a in args], cwd=GANETI_SHARE, capture_output=True,
                          text=True, timeout=timeout)


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def disk_file(vc, node, instance):
    files = list((vc.node_root(node) / "srv/ganeti/file-storage" / instance).glob("*disk0"))
    assert len(files) == 1, files
    return files[0]


def test_move_instance_between_clusters():
    require(GANETI_SHARE / "move-instance", "ganeti-3.0")
    with two_clusters() as (base, src, dst):
        shutil.copy(secret_file(src), secret_file(dst))
        src.cmd("node1", "gnt-instance", "add", "-t", "file", "--disk", f"0:size={DISK_MIB}M",
                "-o", "noop", "-n", "node2", "mv1")
        with open(disk_file(src, "node2", "mv1"), "r+b") as disk:
            disk.write(os.urandom(8 << 20))
            disk.seek((DISK_MIB << 20) - (8 << 20))
            disk.write(os.urandom(8 << 20))
        expected = digest(disk_file(src, "node2", "mv1"))

        moved = move_instance(base, src, dst, "mv1")
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert "mv1: Success" in moved.stderr, moved.stderr
        assert "Disk 0 finished receiving data" in moved.stderr
        assert digest(disk_file(dst, "node2", "mv1")) == expected
        out = dst.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "pnode,status",
                      "mv1").stdout.split()
        assert out == ["node2", "running"]
        # The source instance was removed after the export, as move-instance asks.
        assert src.cmd("node1", "gnt-instance", "list", "--no-headers").stdout.strip() == ""

        # Clusters that do not share the domain secret refuse the handshake,
        # and the source instance stays where it is.
        dst.cmd("node1", "gnt-instance", "add", "-t", "file", "--disk", f"0:size={DISK_MIB}M",
                "-o", "noop", "-n", "node1", "--no-start", "mv2")
        secret_file(src).write_text("0" * 40 + "\n")
        refused = move_instance(base, dst, src, "mv2")
        assert refused.returncode != 0
        assert "clusters don't share the same domain secret" in refused.stderr, refused.stderr
        assert dst.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "name",
                       "mv2").stdout.split() == ["mv2"]
