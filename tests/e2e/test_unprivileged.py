"""The whole story as an unprivileged user: when the tests run as root, the
cluster is created and driven as `nobody` (no capabilities, no sudo)."""

import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from herd_e2e import BIN, daemon_processes, kill_survivors, pids_of, require

NOBODY = 65534


def as_nobody(args, timeout=120, check=True):
    cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
           "--inh-caps=-all", *[str(a) for a in args]]
    if os.getuid() != 0:
        cmd = [str(a) for a in args]  # already unprivileged
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/"})
    if check and proc.returncode != 0:
        raise AssertionError(f"{args}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def herd():
    """herd-vcluster in a copy of the build's bin/ and share/ that an unprivileged
    user can read wherever the checkout lives (a root-only home, say)."""
    if os.getuid() == 0:
        require(shutil.which("setpriv") or "/usr/bin/setpriv", "util-linux (for setpriv)")
    base = pathlib.Path(tempfile.mkdtemp(prefix="herd-build-"))
    os.chmod(base, 0o755)
    shutil.copytree(BIN, base / "bin", symlinks=True)
    shutil.copytree(BIN.parent / "share", base / "share", symlinks=True)
    for tree in (base / "bin", base / "share"):
        subprocess.run(["chmod", "-R", "a+rX", str(tree)], check=True)
    yield base / "bin" / "herd-vcluster"
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster_dir(herd):
    base = pathlib.Path(tempfile.mkdtemp(prefix="herd-nobody-"))
    os.chmod(base, 0o777)
    d = base / "c"
    yield d
    recorded = daemon_processes(d)
    as_nobody([herd, "destroy", d], check=False)
    kill_survivors(recorded)
    shutil.rmtree(base, ignore_errors=True)


def test_story_as_unprivileged_user(herd, cluster_dir):
    as_nobody([herd, "create", cluster_dir, "--nodes", "5", "-q"])
    for pid in pids_of(cluster_dir):
        assert os.stat(f"/proc/{pid}").st_uid == (NOBODY if os.getuid() == 0 else os.getuid())
    cmd = cluster_dir / "node1" / "cmd"
    out = as_nobody([cmd, "gnt-node", "list", "--no-headers", "-o", "name,role"]).stdout
    assert len(out.splitlines()) == 5
    as_nobody([cmd, "gnt-cluster", "verify"])
    as_nobody([cmd, "gnt-node", "modify", "--master-candidate=no", "--auto-promote", "node3"])
    as_nobody([cmd, "gnt-node", "remove", "node5"])
    as_nobody([cluster_dir / "stop-all"])
    as_nobody([cluster_dir / "start-all"])
    out = as_nobody([cmd, "gnt-node", "list", "--no-headers", "-o", "name"]).stdout
    assert out.split() == ["node1", "node2", "node3", "node4"]
    jobs = as_nobody([cmd, "gnt-job", "list", "--no-headers", "-o", "status"]).stdout.split()
    assert jobs and set(jobs) == {"success"}
