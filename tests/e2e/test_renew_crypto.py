"""gnt-cluster renew-crypto on a virtual cluster: new cluster certificate,
RAPI certificate, confd HMAC key and cluster domain secret reach every node
and every daemon uses them at once (node RPC, Ganeti's RAPI client with its
CA check, Debian's confd client); given files are installed, wrong ones
refused. And confd follows a node's candidacy at once, without the watcher."""

import hashlib
import os
import re
import signal
import subprocess
import time

import pytest

from herd_e2e import GANETI_SHARE, alive, node_address, require, run, temporary_cluster
from test_confd import MASTER, PING, addresses, ask, confd_pid, raw_exchange, signed_request

NODES = ("node1", "node2", "node3", "node4")
FILES = ("server.pem", "rapi.pem", "hmac.key", "cluster-domain-secret")
ALL_NEW = ("--new-cluster-certificate", "--new-rapi-certificate", "--new-confd-hmac-key",
           "--new-cluster-domain-secret")


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "ganeti/confd/client.py", "ganeti-3.0")
    with temporary_cluster("herd-renew-crypto-", nodes=4) as cluster:
        yield cluster


def data_file(vc, node, name):
    return vc.node_root(node) / "var/lib/ganeti" / name


def digests(vc):
    """{file: {node: sha256 of the node's copy}}."""
    return {name: {node: hashlib.sha256(data_file(vc, node, name).read_bytes()).hexdigest()
                   for node in NODES} for name in FILES}


def renew(vc, *args, check=True):
    return vc.cmd("node1", "gnt-cluster", "renew-crypto", "-f", *args, check=check, timeout=120)


def rapi_version(vc, cafile):
    """Ganeti's RAPI client, checking the server against `cafile`."""
    from ganeti.rapi import client as rc
    users = data_file(vc, "node1", "rapi/users").read_text()
    password = re.search(r"^admin (\S+)", users, re.M).group(1)
    checked = rc.GanetiRapiClient(node_address(vc), port=5080, username="admin",
                                  password=password,
                                  curl_config_fn=rc.GenericCurlConfig(cafile=str(cafile)))
    return checked.GetVersion()


def confd_ping(vc, node, key):
    now = "%d" % time.time()
    return raw_exchange(addresses(vc)[node], signed_request(key, PING, now))


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what() if callable(what) else what
        time.sleep(0.1)


def test_promotion_starts_confd_and_demotion_stops_it_without_the_watcher(vc):
    key = data_file(vc, "node1", "hmac.key").read_bytes()
    assert alive(confd_pid(vc, "node4"))
    vc.cmd("node1", "gnt-node", "modify", "-C", "no", "node4")
    wait_until(lambda: not alive(confd_pid(vc, "node4")), 5, "confd still runs on node4")
    assert confd_ping(vc, "node4", key) is None
    started = time.monotonic()
    vc.cmd("node1", "gnt-node", "modify", "-C", "yes", "node4")
    wait_until(lambda: confd_ping(vc, "node4", key) is not None, 5, "no confd answer on node4")
    assert time.monotonic() - started < 10


def test_new_secrets_everywhere_and_in_use(vc, tmp_path):
    before = digests(vc)
    old_key = data_file(vc, "node1", "hmac.key").read_bytes()
    old_rapi = tmp_path / "old-rapi.pem"
    old_rapi.write_bytes(data_file(vc, "node1", "rapi.pem").read_bytes())
    assert rapi_version(vc, old_rapi) == 2

    out = renew(vc, *ALL_NEW)
    assert "All requested certificates and keys have been replaced." in out.stdout, out.stdout
    after = digests(vc)
    for name in FILES:
        assert len(set(after[name].values())) == 1, (name, after[name])
        assert set(after[name].values()).isdisjoint(before[name].values()), name
    for node in NODES:
        leftovers = [p.name for p in data_file(vc, node, "").glob("server.pem.*")]
        assert leftovers == [], (node, leftovers)

    # Node RPC with the new cluster certificate.
    listed = vc.cmd("node1", "gnt-node", "list", "--no-headers", "-o", "name").stdout.split()
    assert listed == list(NODES)
    vc.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "-n", "node3",
           "crypto1", timeout=120)
    vc.cmd("node1", "gnt-instance", "remove", "-f", "crypto1", timeout=120)

    # RAPI serves the new certificate: Ganeti's client trusts it, not the old one.
    assert rapi_version(vc, data_file(vc, "node1", "rapi.pem")) == 2
    from ganeti.rapi import client as rc
    with pytest.raises(rc.Error):
        rapi_version(vc, old_rapi)

    # confd: the new key is answered (Ganeti's client, every candidate), the old one is not.
    new_key = data_file(vc, "node1", "hmac.key").read_bytes()

    last = {}

    def every_candidate_answers():
        [last["result"]] = ask(vc, (MASTER, None))
        result = last["result"]
        return result["status"] == 0 and len(result["every_answer"]) == result["sent"] == 4

    wait_until(every_candidate_answers, 10, lambda: f"confd does not answer: {last}")
    for node in NODES:
        assert confd_ping(vc, node, new_key) is not None, node
        assert confd_ping(vc, node, old_key) is None, node


def make_certificate(directory):
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30", "-subj",
                    "/CN=given", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    combined = directory / "given-rapi.pem"
    combined.write_text(key.read_text() + cert.read_text())
    return combined


def test_given_files_are_installed(vc, tmp_path):
    rapi = make_certificate(tmp_path)
    secret = tmp_path / "domain-secret"
    secret.write_text("0123456789abcdef0123456789abcdef\n")
    renew(vc, "--rapi-certificate", str(rapi), "--cluster-domain-secret", str(secret))
    for node in NODES:
        assert data_file(vc, node, "rapi.pem").read_text() == rapi.read_text(), node
        assert data_file(vc, node, "cluster-domain-secret").read_text() == secret.read_text()
    assert rapi_version(vc, rapi) == 2


def test_wrong_files_are_refused_and_change_nothing(vc, tmp_path):
    before = digests(vc)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    refused = renew(vc, "--rapi-certificate", str(garbage), check=False)
    assert refused.returncode != 0
    assert f"Unable to load X509 certificate from {garbage}" in refused.stderr, refused.stderr
    # A certificate without its key cannot serve RAPI.
    make_certificate(tmp_path)
    refused = renew(vc, "--rapi-certificate", str(tmp_path / "cert.pem"), check=False)
    assert refused.returncode != 0 and "private key" in refused.stderr, refused.stderr
    missing = tmp_path / "no-such-secret"
    refused = renew(vc, "--new-confd-hmac-key", "--cluster-domain-secret", str(missing),
                    check=False)
    assert refused.returncode != 0
    assert f"Can't load new cluster domain secret from {missing}" in refused.stderr
    refused = renew(vc, "--new-rapi-certificate", "--rapi-certificate", str(garbage),
                    check=False)
    assert refused.returncode != 0 and "Only one of the --new-rapi-certificate" in refused.stderr
    refused = renew(vc, "--new-spice-certificate", check=False)
    assert refused.returncode != 0 and "SPICE" in refused.stderr, refused.stderr
    assert digests(vc) == before


def test_confirmation_is_asked_without_force(vc):
    before = digests(vc)
    # No terminal to answer (a session of its own): the answer is no.
    out = run([vc.path / "node1" / "cmd", "gnt-cluster", "renew-crypto", "--new-confd-hmac-key"],
              check=False, stdin=subprocess.DEVNULL, start_new_session=True)
    assert out.returncode != 0
    assert digests(vc) == before


def test_a_node_down_is_named_with_what_to_do(vc):
    """The node misses the new cluster certificate; the command says so and
    how to bring it back, and the node is reachable again once it has it."""
    pid_file = vc.node_root("node4") / "var/run/ganeti/ganeti-noded.pid"
    pid = int(pid_file.read_text().strip())
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not alive(pid), 10, "node4's noded does not stop")
    old = data_file(vc, "node4", "server.pem").read_bytes()
    out = renew(vc, "--new-cluster-certificate")
    text = out.stdout + out.stderr
    assert "node4" in text and "Copy /var/lib/ganeti/server.pem" in text, text
    assert data_file(vc, "node4", "server.pem").read_bytes() == old
    assert data_file(vc, "node1", "server.pem").read_bytes() != old

    def node4_answers():
        listed = vc.cmd("node1", "gnt-node", "list", "--no-headers", "--units", "m", "-o",
                        "name,mtotal").stdout
        values = dict(line.split() for line in listed.splitlines())
        return values["node4"].isdigit()

    # Back with the old certificate, the node cannot be reached.
    run([vc.path / "watcher-all"], timeout=120)
    assert not node4_answers()
    # The user's fix: the master's certificate copied there (the running
    # daemon picks it up at its next connection).
    data_file(vc, "node4", "server.pem").write_bytes(
        data_file(vc, "node1", "server.pem").read_bytes())
    wait_until(node4_answers, 10, "node4 still unreachable")
