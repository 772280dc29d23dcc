"""gnt-cluster modify (OP_CLUSTER_SET_PARAMS) and rename through Debian's Python
gnt-cluster (unchanged) and Herd's: parameters change and show in the
cluster's info, Ganeti's checks refuse what cannot be, dry runs change
nothing."""

import time

import pytest

from herd_e2e import GANETI_SHARE, ganeti_cli, luxi_call, master_socket, require, temporary_cluster


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-cluster", "ganeti-3.0")
    with temporary_cluster("herd-modify-", nodes=4) as cluster:
        cluster.cmd("node1", "gnt-instance", "add", "-t", "sharedfile", "--disk", "0:size=1G",
                    "-o", "noop", "-n", "node2", "--no-start", "shared1")
        yield cluster


def info(vc):
    ok, result = luxi_call(master_socket(vc), "QueryClusterInfo", [])
    assert ok, result
    return result


@pytest.mark.parametrize("cli", ["ganeti", "herd"])
def test_modify_changes_parameters(vc, cli):
    def modify(*args, check=True):
        if cli == "ganeti":
            return ganeti_cli(vc, "gnt-cluster", "modify", *args, check=check)
        return vc.cmd("node1", "gnt-cluster", "modify", *args, check=check)

    vcpus = 2 if cli == "ganeti" else 3
    modify("-B", f"vcpus={vcpus},maxmem=256", "-C", "3", "--ipolicy-vcpu-ratio", "8",
           "--mac-prefix", "0A:11:22", "--max-running-jobs", "15")
    after = info(vc)
    assert after["beparams"]["default"]["vcpus"] == vcpus
    assert after["beparams"]["default"]["maxmem"] == 256
    assert after["candidate_pool_size"] == 3
    assert after["ipolicy"]["vcpu-ratio"] == 8
    assert after["mac_prefix"] == "0a:11:22"
    assert after["max_running_jobs"] == 15

    modify("--uid-pool", "1000-2000", "--add-uids", "3000", "--maintain-node-health", "yes",
           "--reserved-lvs", "xenvg/keep")
    after = info(vc)
    assert after["uid_pool"] == [[1000, 2000], [3000, 3000]]
    assert after["maintain_node_health"] is True
    assert after["reserved_lvs"] == ["xenvg/keep"]
    modify("--remove-uids", "1000-2000", "--maintain-node-health", "no", "--reserved-lvs", "")
    after = info(vc)
    assert after["uid_pool"] == [[3000, 3000]] and after["reserved_lvs"] == []

    # Ganeti's checks, and nothing changed by a refused modification.
    serial = info(vc)["serial_no"]
    for args, message in [
        (("--enabled-disk-templates", "file,diskless"),
         "Cannot disable disk template 'sharedfile'"),
        (("-I", "no-such-allocator"), "Invalid default iallocator script 'no-such-allocator'"),
        (("--vg-name", "xenvg"), "Herd's nodes have no LVM storage"),
        (("--compression-tools", "lzop"), "'gzip' utility must be present"),
        (("--mac-prefix", "zz:00:00"), "Invalid MAC address prefix"),
        (("--master-netmask", "99"), "CIDR netmask (99) not valid for IPv4"),
        (("--ipolicy-vcpu-ratio", "default"), "Can't unset ipolicy attribute 'vcpu-ratio'"),
    ]:
        refused = modify(*args, check=False)
        assert refused.returncode != 0, args
        assert message in refused.stdout + refused.stderr, (args, refused.stderr)
    assert info(vc)["serial_no"] == serial

    nothing = modify(check=False)
    assert nothing.returncode == 1
    assert "Please give at least one of the parameters." in nothing.stderr

    modify("--dry-run", "-C", "7")
    assert info(vc)["candidate_pool_size"] == 3
    assert info(vc)["serial_no"] == serial


def test_candidate_pool_growth_promotes_nodes(vc):
    ganeti_cli(vc, "gnt-cluster", "modify", "-C", "1")
    for node in ("node3", "node4"):
        vc.cmd("node1", "gnt-node", "modify", "--master-candidate=no", "--force", node)
    listed = vc.cmd("node1", "gnt-node", "list", "--no-headers", "-o", "name,master_candidate")
    before = dict(line.split() for line in listed.stdout.splitlines())
    assert before["node3"] == "N" and before["node4"] == "N"
    ganeti_cli(vc, "gnt-cluster", "modify", "-C", "10")
    listed = vc.cmd("node1", "gnt-node", "list", "--no-headers", "-o", "name,master_candidate")
    after = dict(line.split() for line in listed.stdout.splitlines())
    assert after == {"node1": "Y", "node2": "Y", "node3": "Y", "node4": "Y"}


@pytest.mark.parametrize("cli", ["ganeti", "herd"])
def test_rename(vc, cli):
    def rename(name, check=True):
        if cli == "ganeti":
            return ganeti_cli(vc, "gnt-cluster", "rename", "-f", name, check=check)
        return vc.cmd("node1", "gnt-cluster", "rename", "-f", name, check=check)

    same = rename("cluster", check=False)
    assert same.returncode != 0
    assert "Neither the name nor the IP address of the cluster has changed" in same.stderr
    unknown = rename("nosuch-cluster-name", check=False)
    assert unknown.returncode != 0 and "nosuch-cluster-name" in unknown.stderr
    # A virtual cluster's names live in its hosts file: the new name at the same address.
    hosts = vc.path / "hosts"
    address = next(line.split()[0] for line in hosts.read_text().splitlines()
                   if line.split()[1:2] == ["cluster"])
    new_name = f"prod-{cli}"
    with open(hosts, "a") as f:
        f.write(f"{address} {new_name}\n")
    rename(new_name)
    try:
        assert info(vc)["name"] == new_name
        ssconf = vc.node_root("node2") / "var/lib/ganeti/ssconf_cluster_name"
        deadline = time.monotonic() + 10
        while ssconf.read_text().strip() != new_name and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ssconf.read_text().strip() == new_name
    finally:
        rename("cluster")
    assert info(vc)["name"] == "cluster"


def ssconf_certs(vc, node):
    path = vc.node_root(node) / "var/lib/ganeti/ssconf_master_candidates_certs"
    if not path.exists():
        return {}
    return dict(line.split("=", 1) for line in path.read_text().split())


def test_renew_crypto_records_the_candidates_certificate_digests(vc):
    import subprocess
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha1", "-in",
         str(vc.node_root("node1") / "var/lib/ganeti/server.pem")],
        capture_output=True, text=True, check=True).stdout
    digest = out.strip().split("=", 1)[1]
    ok, job = luxi_call(master_socket(vc), "SubmitJob",
                        [[{"OP_ID": "OP_CLUSTER_RENEW_CRYPTO", "node_certificates": True}]])
    assert ok, job
    deadline = time.time() + 30
    while True:
        ok, status = luxi_call(master_socket(vc), "QueryJobs", [[job], ["status", "opresult"]])
        assert ok, status
        if status[0][0] in ("success", "error") or time.time() > deadline:
            break
        time.sleep(0.2)
    assert status[0] == ["success", [None]], status
    candidates = ganeti_cli(vc, "gnt-node", "list", "--no-headers", "-o", "name,uuid,role").stdout
    expected = {uuid: digest for name, uuid, role in (l.split() for l in candidates.splitlines())
                if role in ("M", "C")}
    deadline = time.time() + 10
    while ssconf_certs(vc, "node2") != expected and time.time() < deadline:
        time.sleep(0.2)
    assert ssconf_certs(vc, "node2") == expected


def test_renew_crypto_ssh_keys_as_ganeti_answers_without_ssh_setup(vc):
    out = ganeti_cli(vc, "gnt-cluster", "renew-crypto", "--new-ssh-keys", "-f")
    assert ("Cannot renew SSH keys if the cluster is configured to not modify the SSH setup."
            in out.stdout + out.stderr)
    assert "All requested certificates and keys have been replaced." in out.stdout


@pytest.mark.parametrize("cli", ["ganeti", "herd"])
def test_hypervisor_parameters_are_checked(vc, cli):
    def modify(*args, check=True):
        if cli == "ganeti":
            return ganeti_cli(vc, "gnt-cluster", "modify", *args, check=check)
        return vc.cmd("node1", "gnt-cluster", "modify", *args, check=check)

    bogus = modify("-H", "fake:bogus=1", check=False)
    assert bogus.returncode != 0
    # Ganeti's client checks names itself; the master checks them for every client.
    assert "nknown" in bogus.stdout + bogus.stderr and "'bogus'" in bogus.stdout + bogus.stderr
    wrong = modify("-H", "fake:migration_mode=sideways", check=False)
    assert wrong.returncode != 0 and "migration_mode" in wrong.stdout + wrong.stderr
    mode = "non-live" if cli == "ganeti" else "live"
    modify("-H", f"fake:migration_mode={mode}")
    assert info(vc)["hvparams"]["fake"]["migration_mode"] == mode


def test_master_checks_hypervisor_parameters_of_any_client(vc):
    for hvparams, os_hvp in (({"fake": {"bogus": 1}}, None), (None, {"noop": {"fake": {"x": 1}}})):
        op = {"OP_ID": "OP_CLUSTER_SET_PARAMS"}
        if hvparams:
            op["hvparams"] = hvparams
        if os_hvp:
            op["os_hvp"] = os_hvp
        ok, job = luxi_call(master_socket(vc), "SubmitJob", [[op]])
        assert ok, job
        deadline = time.time() + 30
        while True:
            ok, status = luxi_call(master_socket(vc), "QueryJobs", [[job], ["status", "opresult"]])
            if status[0][0] in ("success", "error") or time.time() > deadline:
                break
            time.sleep(0.1)
        assert status[0][0] == "error"
        assert "Unknown hypervisor parameter" in str(status[0][1])
