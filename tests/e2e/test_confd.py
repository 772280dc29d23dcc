"""ganeti-confd on a virtual cluster, judged by Ganeti's own confd client
(Debian's Python ganeti.confd.client, run with GANETI_ROOTDIR of a node): the
answers match the cluster, bad datagrams get no reply and do not hurt the
daemon, configuration changes show within seconds, masterd starts confd on
a node it promotes to master candidate and stops it on one it demotes, and
the watcher keeps confd running on exactly the master candidates."""

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from herd_e2e import BIN, GANETI_SHARE, require, run, temporary_cluster
from herd_e2e import alive as process_alive

# Asks every master candidate the node's ssconf names, as Ganeti's watcher
# does (coverage -1), and prints what the consistency filter kept.
CLIENT = r"""
import json, sys, time
from ganeti.confd import client as confd_client

def ask(req_type, query):
    store = confd_client.StoreResultCallback()
    consistency = confd_client.ConfdFilterCallback(store)
    counting = confd_client.ConfdCountingCallback(consistency)
    every_reply = []

    def record(up):
        if up.type == confd_client.UPCALL_REPLY:
            every_reply.append(up.server_reply.answer)
        counting(up)

    client = confd_client.GetConfdClient(record)
    request = confd_client.ConfdClientRequest(type=req_type, query=query)
    counting.RegisterQuery(request.rsalt)
    client.SendRequest(request, coverage=-1, async_=False)
    timed_out, sent, received = client.WaitForReply(request.rsalt, timeout=5)
    # The client stops at a majority; the stragglers are read too.
    deadline = time.monotonic() + 2
    while len(every_reply) < sent and time.monotonic() < deadline:
        client.ReceiveReply(timeout=0.2)
    have, up = store.GetResponse(request.rsalt)
    reply = up.server_reply if have else None
    return {"sent": sent, "received": received, "timed_out": timed_out,
            "consistent": consistency.consistent.get(request.rsalt, True),
            "every_answer": every_reply,
            "status": reply.status if reply else None,
            "answer": reply.answer if reply else None,
            "serial": reply.serial if reply else None}

print(json.dumps([ask(t, q) for t, q in json.loads(sys.argv[1])]))
"""

PING, ROLE, PIP_BY_INSTANCE_IP, MASTER, NODE_PIPS, MC_PIPS, INSTANCE_IPS, DRBD = range(8)
INSTANCE_DISKS = 9
ROLE_OF_LIST_CODE = {"M": 0, "C": 1, "O": 2, "D": 3, "R": 4}


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "ganeti/confd/client.py", "ganeti-3.0")
    with temporary_cluster("herd-confd-", nodes=4) as cluster:
        yield cluster


def ask(vc, *requests, node="node1"):
    """Ganeti's client, as `node`: one result dict per (type, query)."""
    env = dict(os.environ, GANETI_ROOTDIR=str(vc.node_root(node)), GANETI_HOSTNAME=node,
               PYTHONPATH=str(GANETI_SHARE))
    proc = subprocess.run(["/usr/bin/python3", "-c", CLIENT, json.dumps(list(requests))],
                          env=env, cwd=GANETI_SHARE, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def ask_ok(vc, req_type, query=None, node="node1"):
    """The answer of a request every asked candidate answered, consistently."""
    [result] = ask(vc, (req_type, query), node=node)
    assert not result["timed_out"] and result["received"] >= 1, result
    assert result["consistent"], result
    assert result["status"] == 0, result
    return result


def wait_for_answer(vc, req_type, query, expected, seconds=3.0):
    """Polls until Ganeti's client gets `expected` (consistently) from every candidate."""
    deadline = time.monotonic() + seconds
    while True:
        [result] = ask(vc, (req_type, query))
        if (result["status"] == 0 and result["consistent"] and result["answer"] == expected
                and result["every_answer"] == [expected] * result["sent"]):
            return time.monotonic()
        assert time.monotonic() < deadline, f"still {result}, expected {expected!r}"
        time.sleep(0.1)


def addresses(vc):
    """Name -> address, from the cluster's hosts file."""
    names = {}
    for line in (vc.path / "hosts").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith("#"):
            names[parts[1]] = parts[0]
    return names


def ssconf_lines(vc, key, node="node1"):
    return (vc.node_root(node) / f"var/lib/ganeti/ssconf_{key}").read_text().split()


def node_roles(vc):
    out = vc.cmd("node1", "gnt-node", "list", "--no-headers", "-o", "name,role").stdout
    return {name: ROLE_OF_LIST_CODE[code] for name, code in (l.split() for l in out.splitlines())}


def confd_pid(vc, node):
    pid_file = vc.node_root(node) / "var/run/ganeti/ganeti-confd.pid"
    text = pid_file.read_text().strip() if pid_file.exists() else ""
    return int(text) if text else 0


def alive(pid):
    """Running (not a zombie); False for no pid at all."""
    return pid > 0 and process_alive(pid)


def raw_exchange(address, payload, timeout=1.0, port=1814):
    """Sends one datagram to confd on `address`; the reply, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(payload, (address, port))
        try:
            return s.recv(65536)
        except socket.timeout:
            return None


def signed_request(key, req_type, salt, rsalt="e2e-rsalt", query=None):
    msg = json.dumps({"protocol": 1, "type": req_type, "query": query, "rsalt": rsalt})
    digest = hmac.new(key, (salt + msg).encode(), hashlib.sha1).hexdigest()
    return b"plj0" + json.dumps({"msg": msg, "salt": salt, "hmac": digest}).encode()


def test_confd_runs_on_every_master_candidate(vc):
    status = run([BIN / "herd-vcluster", "status", vc.path]).stdout
    candidates = set(ssconf_lines(vc, "master_candidates"))
    assert candidates == {"node1", "node2", "node3", "node4"}, candidates
    for node in candidates:
        assert alive(confd_pid(vc, node)), status
        assert f"{node} " in status and "confd:running" in status.split(f"{node} ")[1].split("\n")[0]


def test_ganeti_client_gets_ping_master_and_roles(vc):
    config = json.loads((vc.node_root("node1") / "var/lib/ganeti/config.data").read_text())
    ping = ask_ok(vc, PING)
    assert ping["answer"] == config["version"] == 3000000
    assert ping["serial"] == 0
    # Four peers asked; Ganeti's client waits for three of them.
    assert ping["sent"] == 4 and ping["received"] >= 3, ping

    master = ask_ok(vc, MASTER)
    assert master["answer"] == ssconf_lines(vc, "master_node")[0] == "node1"
    assert master["serial"] == config["cluster"]["serial_no"]

    roles = node_roles(vc)
    assert roles["node1"] == 0 and roles["node2"] == 1, roles
    for node, role in roles.items():
        assert ask_ok(vc, ROLE, node, node="node3")["answer"] == role, node
    unknown = ask(vc, (ROLE, "no-such-node"))[0]
    assert unknown["status"] == 1 and isinstance(unknown["answer"], str), unknown


def test_ganeti_client_gets_address_lists(vc):
    names = addresses(vc)
    fields = ask_ok(vc, MASTER, {"3": [0, 1, 2]})["answer"]
    assert fields == ["node1", names["cluster"], names["node1"]]
    node_ips = ask_ok(vc, NODE_PIPS)["answer"]
    # ssconf_node_primary_ips: "name address" lines.
    listed = ssconf_lines(vc, "node_primary_ips")
    assert sorted(node_ips) == sorted(listed[1::2])
    assert sorted(node_ips) == sorted(names[f"node{i}"] for i in range(1, 5))
    mc_ips = ask_ok(vc, MC_PIPS)["answer"]
    assert sorted(mc_ips) == sorted(ssconf_lines(vc, "master_candidates_ips"))
    assert ask_ok(vc, DRBD, "node2")["answer"] == []
    assert ask(vc, (DRBD, "no-such-node"))[0]["status"] == 1


def test_ganetis_confd_client_tool_passes(vc):
    # Ganeti's own confd test tool (tools/confd-client): every query answered
    # and checked, then timing runs.
    tool = GANETI_SHARE / "confd-client"
    env = dict(os.environ, GANETI_ROOTDIR=str(vc.node_root("node1")), GANETI_HOSTNAME="node1")
    out = subprocess.run(["/usr/bin/python3", str(tool), "-a", addresses(vc)["node1"], "-r", "5"],
                         env=env, cwd=GANETI_SHARE, capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "Did not receive all expected confd replies" not in text
    for line in ("- Ping: OK", "- Node role for master: OK", "- Instance IP to node IP query: OK",
                 "ms per ping request", "ms per instance ips request"):
        assert line in text, text


def test_bad_hmac_and_stale_salt_get_no_reply(vc):
    key = (vc.node_root("node2") / "var/lib/ganeti/hmac.key").read_bytes()
    assert len(key) == 41 and key.endswith(b"\n"), key
    address = addresses(vc)["node2"]
    pid = confd_pid(vc, "node2")
    now = "%d" % time.time()
    good = raw_exchange(address, signed_request(key, PING, now))
    assert good is not None and good.startswith(b"plj0"), good
    envelope = json.loads(good[4:])
    assert envelope["salt"] == "e2e-rsalt"
    assert envelope["hmac"] == hmac.new(key, (envelope["salt"] + envelope["msg"]).encode(),
                                        hashlib.sha1).hexdigest()
    assert json.loads(envelope["msg"])["answer"] == 3000000

    bad = [signed_request(b"not the key\n", PING, now),
           signed_request(key.strip(), PING, now),  # the newline is part of the key
           signed_request(key, PING, "%d" % (time.time() - 3600)),
           signed_request(key, PING, "%d" % (time.time() + 3600)),
           signed_request(key, PING, "yesterday"),
           signed_request(key, 42, now),
           signed_request(key, ROLE, now, query="x" * 5000),  # over the 4096 bytes read
           b"plj0{\"msg\": ", b"\x00" * 64, b""]
    for payload in bad:
        assert raw_exchange(address, payload, timeout=0.5) is None, payload[:80]
    assert confd_pid(vc, "node2") == pid and alive(pid)
    # Still answering, to raw datagrams and to Ganeti's client.
    assert raw_exchange(address, signed_request(key, PING, "%d" % time.time())) is not None
    assert ask_ok(vc, PING, node="node2")["answer"] == 3000000


def test_config_changes_show_within_seconds(vc):
    names = addresses(vc)
    vc.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "--net",
           "0:ip=192.0.2.10", "-n", "node2", "web1")
    started = time.monotonic()
    assert wait_for_answer(vc, INSTANCE_IPS, None, ["192.0.2.10"]) - started < 3
    assert ask_ok(vc, PIP_BY_INSTANCE_IP, {"1": "192.0.2.10"})["answer"] == names["node2"]
    missing = ask(vc, (PIP_BY_INSTANCE_IP, {"1": "192.0.2.99"}))[0]
    assert missing["status"] == 1 and missing["answer"] == 0, missing
    assert ask_ok(vc, INSTANCE_DISKS, "web1")["answer"] == []

    vc.cmd("node1", "gnt-node", "modify", "-C", "no", "node4")
    started = time.monotonic()
    assert wait_for_answer(vc, ROLE, "node4", 4) - started < 3
    assert node_roles(vc)["node4"] == 4
    assert sorted(ask_ok(vc, MC_PIPS)["answer"]) == sorted(names[f"node{i}"] for i in (1, 2, 3))

    vc.cmd("node1", "gnt-node", "modify", "-C", "yes", "node4")
    started = time.monotonic()
    assert wait_for_answer(vc, ROLE, "node4", 1) - started < 3


def test_watcher_restarts_confd_and_follows_candidacy(vc):
    killed = confd_pid(vc, "node2")
    os.kill(killed, signal.SIGKILL)
    out = run([vc.path / "watcher-all"], timeout=120).stdout
    assert "Restarting ganeti-confd on node2" in out, out
    assert confd_pid(vc, "node2") not in (0, killed) and alive(confd_pid(vc, "node2"))
    assert len(ask_ok(vc, PING, node="node2")["every_answer"]) == 4

    # A demotion stops confd at once, a promotion starts it (masterd asks the
    # node): the watcher finds nothing to do about it.
    running = confd_pid(vc, "node3")
    vc.cmd("node1", "gnt-node", "modify", "-C", "no", "node3")
    assert not alive(running)
    out = run([vc.path / "watcher-all"], timeout=120).stdout
    assert "confd" not in out, out
    assert not alive(confd_pid(vc, "node3"))
    vc.cmd("node1", "gnt-node", "modify", "-C", "yes", "node3")
    assert alive(confd_pid(vc, "node3"))
    again = run([vc.path / "watcher-all"], timeout=120).stdout
    assert "confd" not in again, again
    # A confd left running on a node that is no candidate (one started by
    # hand, say) is stopped by the watcher.
    vc.cmd("node1", "gnt-node", "modify", "-C", "no", "node3")
    # The watcher judges by node3's own ssconf, which the master pushes in
    # the background: wait for it to drop node3 (a loaded machine was late).
    deadline = time.time() + 30
    while "node3" in ssconf_lines(vc, "master_candidates", node="node3") and time.time() < deadline:
        time.sleep(0.05)
    env = dict(os.environ, GANETI_ROOTDIR=str(vc.node_root("node3")), GANETI_HOSTNAME="node3")
    run([BIN / "ganeti-confd"], env=env, timeout=60)
    stray = confd_pid(vc, "node3")
    assert alive(stray)
    out = run([vc.path / "watcher-all"], timeout=120).stdout
    assert "Stopping ganeti-confd on node3" in out, out
    assert not alive(stray)
    vc.cmd("node1", "gnt-node", "modify", "-C", "yes", "node3")
    assert alive(confd_pid(vc, "node3"))


def test_stop_all_stops_confd_and_start_all_brings_it_back(vc):
    pids = {node: confd_pid(vc, node) for node in ("node1", "node2", "node3", "node4")}
    run([vc.path / "stop-all"], timeout=120)
    for node, pid in pids.items():
        assert not alive(pid), node
    run([vc.path / "start-all"], timeout=120)
    for node in pids:
        assert alive(confd_pid(vc, node)), node
    assert ask_ok(vc, MASTER)["answer"] == "node1"


def test_per_node_port_from_the_nodes_defaults_file(vc):
    """CONFD_ARGS in the node's etc/default/ganeti (as Ganeti's daemon-util
    reads it) moves that node's confd, also when the watcher restarts it."""
    defaults = vc.node_root("node4") / "etc/default/ganeti"
    defaults.parent.mkdir(parents=True, exist_ok=True)
    key = (vc.node_root("node4") / "var/lib/ganeti/hmac.key").read_bytes()
    address = addresses(vc)["node4"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((address, 0))
        port = probe.getsockname()[1]
    try:
        defaults.write_text(f'CONFD_ARGS="-p {port}"\n')
        os.kill(confd_pid(vc, "node4"), signal.SIGKILL)
        assert "Restarting ganeti-confd on node4" in run([vc.path / "watcher-all"]).stdout
        now = "%d" % time.time()
        assert raw_exchange(address, signed_request(key, PING, now), port=port) is not None
        assert raw_exchange(address, signed_request(key, PING, now), timeout=0.5) is None
    finally:
        defaults.unlink()
        os.kill(confd_pid(vc, "node4"), signal.SIGKILL)
        run([vc.path / "watcher-all"])
    assert raw_exchange(address, signed_request(key, PING, "%d" % time.time())) is not None
