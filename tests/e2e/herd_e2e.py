"""Shared helpers for end-to-end tests: locate the built binaries, create and
always tear down virtual clusters (daemons stopped by PID)."""

import contextlib
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("HERD_BUILD_DIR", REPO / "build"))
BIN = BUILD / "bin"

# Ganeti's own test inputs (Debian's ganeti-testsuite) and programs (ganeti-3.0,
# ganeti-htools-3.0). CTest passes the build's HERD_GANETI_TESTDATA.
GANETI_TESTDATA = pathlib.Path(os.environ.get("HERD_GANETI_TESTDATA",
                                              "/usr/share/ganeti/testsuite/test/data"))
GANETI_BIN = pathlib.Path("/usr/lib/ganeti/3.0/usr/bin")
GANETI_HAIL = pathlib.Path("/usr/lib/ganeti/3.0/usr/lib/ganeti/iallocators/hail")
GANETI_SHARE = pathlib.Path("/usr/share/ganeti/3.0")


def require(path, package):
    """The path, or a failure (never a skip) saying which Debian package to install."""
    path = pathlib.Path(path)
    if not path.exists():
        import pytest
        pytest.fail(f"{path} not found: install Debian's {package} (scripts/install-deps does)",
                    pytrace=False)
    return path


def ganeti_test_data(relative):
    """A file or directory of Ganeti's test inputs."""
    return require(GANETI_TESTDATA / relative,
                   "ganeti-testsuite, or set HERD_GANETI_TESTDATA to its test/data directory,")


def run(args, env=None, check=True, timeout=120, **kw):
    """Runs a command, returning CompletedProcess with text output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run([str(a) for a in args], env=full_env, capture_output=True, text=True,
                          timeout=timeout, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def pids_of(cluster_dir):
    """Every daemon pid recorded under the cluster's node roots."""
    pids = []
    for pidfile in pathlib.Path(cluster_dir).glob("node*/var/run/ganeti/*.pid"):
        try:
            pids.append(int(pidfile.read_text().strip()))
        except ValueError:
            pass
    return pids


def process_start(pid):
    """When the process started (clock ticks since boot), or None if there is
    none: a pid and its start name one process even after the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (FileNotFoundError, ProcessLookupError):
        return None


def daemon_processes(cluster_dir):
    """The running daemons recorded under the cluster's node roots, as
    (pid, start) pairs."""
    recorded = [(pid, process_start(pid)) for pid in pids_of(cluster_dir)]
    return [(pid, start) for pid, start in recorded if start is not None]


def kill_survivors(recorded):
    """SIGKILLs the processes of daemon_processes() that still run. A pid file
    left by a daemon that died long ago may name another cluster's process by
    now (pids are reused): only the process recorded, by its start, is killed."""
    for pid, start in recorded:
        if process_start(pid) == start and alive(pid):
            os.kill(pid, signal.SIGKILL)


def alive(pid):
    """True while the process runs; a zombie (dead, not yet reaped by init) is not alive."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


class VirtualCluster:
    def __init__(self, path, nodes, init=True, extra=()):
        self.path = pathlib.Path(path)
        self.nodes = nodes
        args = [BIN / "herd-vcluster", "create", self.path, "--nodes", str(nodes), "-q", *extra]
        if not init:
            args.append("--no-init")
        run(args, timeout=300)

    def node_root(self, node):
        return self.path / node

    def cmd(self, node, *args, check=True, timeout=120):
        return run([self.path / node / "cmd", *args], check=check, timeout=timeout)

    def destroy(self):
        recorded = daemon_processes(self.path)
        run([BIN / "herd-vcluster", "destroy", self.path], check=False, timeout=120)
        # Whatever survived (a test that broke the cluster) is killed by PID.
        kill_survivors(recorded)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.destroy()


@contextlib.contextmanager
def temporary_cluster(prefix, nodes):
    """A virtual cluster in a new temporary directory, destroyed afterwards."""
    base = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(base, 0o755)  # Ganeti's CLI may run as its own users when started as root
    cluster = VirtualCluster(base / "c", nodes=nodes)
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


def luxi_call(socket_path, method, args, timeout=30):
    """One LUXI call with Ganeti's framing; returns (success, result)."""
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(socket_path))
    try:
        s.sendall(json.dumps({"method": method, "args": args}).encode() + b"\x03")
        buf = b""
        while b"\x03" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("master daemon closed the connection")
            buf += chunk
        reply = json.loads(buf.split(b"\x03", 1)[0])
        return reply["success"], reply["result"]
    finally:
        s.close()


def luxi_ok(vc, method, *args, node="node1"):
    """One LUXI call to the cluster's master that must succeed; its result."""
    ok, result = luxi_call(master_socket(vc, node), method, list(args))
    assert ok, result
    return result


def node_address(vc, node="node1"):
    """The node's own address, from the virtual cluster's hosts file."""
    for line in (vc.path / "hosts").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == node:
            return parts[0]
    raise AssertionError(f"{node} not in the hosts file")


def rapi_client(vc):
    """Ganeti's own Python RAPI client, as admin, to the cluster's master."""
    from ganeti.rapi import client as rc
    users = (vc.node_root("node1") / "var/lib/ganeti/rapi/users").read_text()
    password = re.search(r"^admin (\S+)", users, re.M).group(1)
    return rc.GanetiRapiClient(node_address(vc), port=5080, username="admin", password=password)


def ganeti_cli(vc, *args, check=True, node="node1"):
    """Runs one of Debian's Python gnt-* commands (unchanged) against the cluster."""
    env = dict(os.environ, GANETI_ROOTDIR=str(vc.node_root(node)), GANETI_HOSTNAME=node)
    proc = subprocess.run(["/usr/bin/python3", os.path.join(GANETI_SHARE, args[0]), *args[1:]],
                          env=env, cwd=GANETI_SHARE, capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def master_socket(vc, node="node1"):
    return vc.node_root(node) / "var/run/ganeti/socket/ganeti-master"


HAIL_SCORE = re.compile(r"score: (-?[0-9]+\.[0-9]+)")


def hail_differences(compare_case, count, workers=2):
    """The differences compare_case(index) finds (None: alike) over `count` cases."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [d for d in pool.map(compare_case, range(count)) if d]


def assert_hails_agree(differences, count, seed, kind, script):
    """Fails with the first differences and how to regenerate a case."""
    assert not differences, (
        f"{len(differences)} of {count} {kind} requests (seed {seed}) differ; regenerate one "
        f"with tests/e2e/{script} --seed {seed} --case N\n\n" + "\n\n".join(differences[:5]))


def run_hail(binary, options, text, timeout):
    """(exit code, stdout, stderr) of a hail on the request `text`."""
    res = subprocess.run([str(binary)] + options + ["-"], input=text, capture_output=True,
                         text=True, timeout=timeout)
    return res.returncode, res.stdout, res.stderr


def hail_answer_difference(herd_hail, text, options, where, timeout, ganeti_may_loop=False):
    """None when Herd's and Ganeti's hail answer `text` alike, else the
    difference, introduced by `where`. With `ganeti_may_loop`, a request on
    which Ganeti's hail runs out of time has no answer to compare with."""
    try:
        grc, gout, gerr = run_hail(GANETI_HAIL, options, text, timeout)
    except subprocess.TimeoutExpired:
        if ganeti_may_loop:
            return None
        raise
    hrc, hout, herr = run_hail(herd_hail, options, text, timeout)
    if (hrc, herr) != (grc, gerr):
        return f"{where}: exit {hrc} vs {grc}, stderr:\n{herr}\nvs Ganeti's:\n{gerr}"
    if grc != 0:
        return None if hout == gout else f"{where}:\n{hout}vs Ganeti's:\n{gout}"
    herd, ganeti = json.loads(hout), json.loads(gout)
    if same_hail_info(herd.pop("info"), ganeti.pop("info")) and herd == ganeti:
        return None
    return f"{where}:\n{hout}vs Ganeti's:\n{gout}"


def same_hail_info(herd, ganeti):
    """Two hail "info" texts agree: equal, except that cluster scores may
    differ in the last printed digit."""
    if HAIL_SCORE.sub("score: _", herd) != HAIL_SCORE.sub("score: _", ganeti):
        return False
    return all(abs(float(h) - float(g)) <= 1.5e-8
               for h, g in zip(HAIL_SCORE.findall(herd), HAIL_SCORE.findall(ganeti)))

