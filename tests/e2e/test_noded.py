"""Node daemons of a virtual cluster: certificate-authenticated RPC, clear
errors for bad requests, and the daemon keeps serving."""

import json
import ssl
import subprocess
import time
import urllib.request
import urllib.error

import pytest

from herd_e2e import BIN, VirtualCluster, alive, pids_of


def rpc(address, procedure, args, cert=None, timeout=10):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert)
    body = args if isinstance(args, bytes) else json.dumps(args).encode()
    req = urllib.request.Request(f"https://{address}:1811/{procedure}", data=body, method="POST")
    with urllib.request.urlopen(req, context=ctx, timeout=timeout) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    vc = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=5, init=False)
    yield vc
    vc.destroy()


def address(vc, node):
    for line in (vc.path / "hosts").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == node:
            return parts[0]
    raise KeyError(node)


def cert(vc, node):
    return str(vc.node_root(node) / "var/lib/ganeti/server.pem")


def test_every_node_has_its_own_daemon_and_address(cluster):
    pids = pids_of(cluster.path)
    assert len(set(pids)) == 5 and all(alive(p) for p in pids)
    addresses = {address(cluster, f"node{i}") for i in range(1, 6)}
    assert len(addresses) == 5
    for i in range(1, 6):
        assert rpc(address(cluster, f"node{i}"), "version", [], cert(cluster, "node1")) == [True, 3000000]


def test_declared_capacity_is_reported(cluster):
    ok, (boot_id, storage, hv) = rpc(address(cluster, "node2"), "node_info",
                                     [[["file", "/srv"]], [["fake", {}]]], cert(cluster, "node1"))
    assert ok and boot_id
    assert hv[0]["memory_total"] == 4096 and hv[0]["cpu_total"] == 4
    assert storage[0]["storage_size"] == 100 * 1024


def test_rpc_without_cluster_certificate_is_refused(cluster):
    with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
        rpc(address(cluster, "node3"), "version", [])
    # ... and the daemon keeps serving certified peers.
    assert rpc(address(cluster, "node3"), "version", [], cert(cluster, "node1"))[0] is True


def test_malformed_requests_get_clear_errors(cluster):
    addr, c = address(cluster, "node4"), cert(cluster, "node1")
    ok, msg = rpc(addr, "version", b"{not json", c)
    assert ok is False and "invalid JSON" in msg
    ok, msg = rpc(addr, "upload_file", ["/etc/passwd", [0, "x"], 0o644], c)
    assert ok is False and "not in allowed upload targets" in msg
    with pytest.raises(urllib.error.HTTPError) as err:
        rpc(addr, "no_such_procedure", [], c)
    assert err.value.code == 404
    assert rpc(addr, "version", [], c) == [True, 3000000]


def test_stop_and_start_all(cluster):
    before = pids_of(cluster.path)
    subprocess.run([str(cluster.path / "stop-all")], check=True, timeout=60)
    assert not any(alive(p) for p in before)
    subprocess.run([str(cluster.path / "start-all")], check=True, timeout=60)
    after = pids_of(cluster.path)
    assert len(after) == 5 and all(alive(p) for p in after)
    assert rpc(address(cluster, "node5"), "version", [], cert(cluster, "node1"))[0] is True


def test_virtual_nodes_launcher_reports_each_start(cluster):
    """`ganeti-noded --virtual-nodes` forks one daemon per listed node and says
    how each start ended; a node that cannot start does not stop the others."""
    nodes = ["node4", "node5"]
    pid_files = {n: cluster.node_root(n) / "var/run/ganeti/ganeti-noded.pid" for n in nodes}
    for n in nodes:
        pid = int(pid_files[n].read_text())
        subprocess.run(["kill", str(pid)], check=True)
        deadline = time.time() + 20
        while alive(pid) and time.time() < deadline:
            time.sleep(0.05)
        assert not alive(pid)
    # node5 lacks its certificate: its start fails with the reason.
    pem = cluster.node_root("node5") / "var/lib/ganeti/server.pem"
    saved = pem.read_bytes()
    pem.unlink()
    try:
        listing = "".join(f"{cluster.node_root(n)} {n}\n" for n in nodes)
        out = subprocess.run([str(BIN / "ganeti-noded"), "--virtual-nodes"], input=listing,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 1
        assert sorted(out.stdout.split("\n")) == ["", "failed node5", "ok node4"]
        assert "node5" in out.stderr and "certificate" in out.stderr
        # node4's daemon serves, as a daemon of its own (not the launcher's).
        pid4 = int(pid_files["node4"].read_text())
        assert alive(pid4)
        assert rpc(address(cluster, "node4"), "version", [], cert(cluster, "node1")) == \
            [True, 3000000]
        bad = subprocess.run([str(BIN / "ganeti-noded"), "--virtual-nodes"],
                             input="no-host-name\n", capture_output=True, text=True, timeout=30)
        assert bad.returncode == 1 and "<root directory> <host name>" in bad.stderr
    finally:
        pem.write_bytes(saved)
        pem.chmod(0o600)
    # herd-vcluster start brings node5 back.
    subprocess.run([str(BIN / "herd-vcluster"), "start", str(cluster.path)], check=True,
                   capture_output=True, timeout=60)
    assert rpc(address(cluster, "node5"), "version", [], cert(cluster, "node1"))[0] is True
