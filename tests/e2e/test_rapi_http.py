"""ganeti-rapi at the HTTP level: bad requests get Ganeti's JSON errors with
the right status, a huge body is refused, and the daemon keeps serving many
concurrent clients."""

import base64
import concurrent.futures
import http.client
import json
import re
import ssl

import pytest

from herd_e2e import VirtualCluster


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=3)
    yield cluster
    cluster.destroy()


def address(vc):
    for line in (vc.path / "hosts").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == "node1":
            return parts[0]
    raise AssertionError("node1 not in the hosts file")


def auth(vc):
    users = (vc.node_root("node1") / "var/lib/ganeti/rapi/users").read_text()
    password = re.search(r"^admin (\S+)", users, re.M).group(1)
    token = base64.b64encode(f"admin:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def request(vc, method, path, body=None, headers=None, raw=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(address(vc), 5080, context=ctx, timeout=30)
    data = raw if raw is not None else (None if body is None else json.dumps(body))
    all_headers = {"Content-Type": "application/json", **auth(vc), **(headers or {})}
    conn.request(method, path, body=data, headers=all_headers)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, json.loads(payload) if payload else None


def test_error_bodies_carry_code_and_message(vc):
    status, body = request(vc, "GET", "/2/nosuchthing")
    assert status == 404 and body["code"] == 404 and "message" in body
    status, body = request(vc, "DELETE", "/2/info")
    assert status == 405 and "GET" in body["message"]
    status, body = request(vc, "GET", "/2/instances/nosuch")
    assert status == 404


def test_malformed_json_is_a_bad_request(vc):
    status, body = request(vc, "POST", "/2/instances", raw="{not json")
    assert status == 400 and "JSON" in body["message"]


def test_unknown_fields_and_wrong_types(vc):
    base = {"__version__": 1, "mode": "create", "name": "x1", "disk_template": "diskless",
            "disks": [], "nics": [], "os": "noop", "pnode": "node2"}
    status, body = request(vc, "POST", "/2/instances", {**base, "colour": "blue"})
    assert status == 400 and "colour" in body["message"]
    status, body = request(vc, "POST", "/2/instances", {**base, "start": "yes please"})
    assert status == 400 and "start" in body["message"] and "boolean" in body["message"]
    status, body = request(vc, "POST", "/2/instances", {**base, "__version__": 0})
    assert status == 400
    status, body = request(vc, "PUT", "/2/nodes/node2/role", "emperor")
    assert status == 400 and "emperor" in body["message"]


def test_huge_body_is_refused_and_the_daemon_keeps_serving(vc):
    huge = "x" * (8 * 1024 * 1024)
    try:
        status, _ = request(vc, "POST", "/2/instances", raw=huge)
        assert status == 413
    except (ConnectionError, ssl.SSLError, http.client.HTTPException):
        pass  # the server may drop the connection while the body is still being sent
    status, body = request(vc, "GET", "/version")
    assert status == 200 and body == 2


def test_writes_need_credentials(vc):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(address(vc), 5080, context=ctx, timeout=30)
    conn.request("PUT", "/2/redistribute-config")
    resp = conn.getresponse()
    assert resp.status == 401 and "Basic" in resp.getheader("WWW-Authenticate", "")
    conn.close()


def test_fifty_concurrent_clients_are_all_answered(vc):
    def one(i):
        return request(vc, "GET", "/2/nodes" if i % 2 else "/2/info")[0]
    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(one, range(50)))
    assert statuses == [200] * 50
