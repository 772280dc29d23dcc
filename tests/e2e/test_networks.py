"""IP networks through Debian's Python gnt-network (unchanged) and Herd's:
address pools with their reservations, node group connections, Ganeti's
checks and warnings, tags, dry runs; both programs print the same."""

import pytest

from herd_e2e import GANETI_SHARE, ganeti_cli, rapi_client, require, temporary_cluster


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-network", "ganeti-3.0")
    with temporary_cluster("herd-networks-", nodes=2) as cluster:
        cluster.cmd("node1", "gnt-group", "add", "rack2")
        yield cluster


def tools(vc):
    return {"ganeti": lambda *a, check=True: ganeti_cli(vc, "gnt-network", *a, check=check),
            "herd": lambda *a, check=True: vc.cmd("node1", "gnt-network", *a, check=check)}


@pytest.mark.parametrize("cli", ["ganeti", "herd"])
def test_network_life(vc, cli):
    gnt = tools(vc)[cli]
    name = f"net-{cli}"
    subnet = "192.0.2.0/24" if cli == "ganeti" else "198.51.100.0/24"
    prefix = subnet.rsplit(".", 1)[0]
    gnt("add", "--network", subnet, "--gateway", f"{prefix}.1",
        "--add-reserved-ips", f"{prefix}.10,{prefix}.11", "--tags", "a,b", name)
    again = gnt("add", "--network", subnet, name, check=False)
    assert again.returncode != 0 and "already exists as a network" in again.stdout + again.stderr

    row = gnt("list", "--no-headers", "--separator=|", "-o",
              "name,network,gateway,free_count,reserved_count,tags", name).stdout.strip()
    assert row == f"{name}|{subnet}|{prefix}.1|251|5|a,b"
    info = gnt("info", name).stdout
    assert f"  Subnet: {subnet}" in info and "  Free: 251 (98.05%)" in info
    # Wrapped at 64 columns, as Python's textwrap does.
    assert f"{prefix}.0, {prefix}.1, {prefix}.10, {prefix}.11, {prefix}.255" in " ".join(info.split())
    assert "  not connected to any node group" in info

    gnt("connect", "--nic-parameters", "mode=bridged,link=br100", name, "default")
    row = gnt("list", "--no-headers", "-o", "group_list", name).stdout.strip()
    assert row == "default (bridged, br100, )"
    assert "    default (mode:bridged link:br100 vlan:)" in gnt("info", name).stdout

    gnt("modify", "--gateway", f"{prefix}.254", "--mac-prefix", "AA:BB:CC", name)
    gnt("modify", "--add-reserved-ips", f"{prefix}.20", "--remove-reserved-ips",
        f"{prefix}.10", name)
    row = gnt("list", "--no-headers", "--separator=|", "-o",
              "gateway,mac_prefix,external_reservations", name).stdout.strip()
    assert row == f"{prefix}.254|aa:bb:cc|{prefix}.0, {prefix}.11, {prefix}.20, {prefix}.254, {prefix}.255"
    both = gnt("modify", "--gateway", f"{prefix}.2", "--add-reserved-ips", f"{prefix}.3", name,
               check=False)
    assert both.returncode != 0
    assert "Cannot modify gateway and reserved ips at once" in both.stdout + both.stderr

    connected = gnt("remove", name, check=False)
    assert connected.returncode != 0 and "Network still connected" in connected.stdout + connected.stderr
    gnt("disconnect", name)  # every group; rack2 was never connected: a warning
    gnt("add-tags", name, "c")
    assert gnt("list-tags", name).stdout.split() == ["a", "b", "c"]
    gnt("remove", "--dry-run", name)
    assert name in gnt("list", "--no-headers", "-o", "name").stdout.split()
    gnt("remove", name)
    assert name not in gnt("list", "--no-headers", "-o", "name").stdout.split()


def test_pool_sizes_and_bad_input(vc):
    gnt = tools(vc)["ganeti"]
    big = gnt("add", "--network", "10.0.0.0/8", "big", check=False)
    assert big.returncode != 0 and "please specify at most a /16 network" in big.stderr
    small = gnt("add", "--network", "10.0.0.0/31", "small", check=False)
    assert small.returncode != 0 and "please specify at least a /30 network" in small.stderr
    bad = gnt("add", "--network", "10.0.0.1/24", "hostbits", check=False)
    assert bad.returncode != 0
    missing = gnt("info", "nosuchnet", check=False)
    assert "nosuchnet" not in missing.stdout
    assert gnt("remove", "nosuchnet", check=False).returncode != 0


def test_same_output_from_both_programs(vc):
    ganeti, herd = tools(vc)["ganeti"], tools(vc)["herd"]
    ganeti("add", "--network", "203.0.113.0/28", "--gateway", "203.0.113.1", "shown")
    ganeti("connect", "--nic-parameters", "mode=routed,link=rt1", "shown", "rack2")
    try:
        for args in (("info", "shown"), ("list",), ("list-fields",),
                     ("list", "-o", "name,group_cnt,group_list,map,free_count")):
            assert herd(*args).stdout == ganeti(*args).stdout, args
    finally:
        ganeti("disconnect", "shown", "rack2")
        ganeti("remove", "shown")


def test_instance_nics_draw_addresses_from_connected_networks(vc):
    gnt = tools(vc)["ganeti"]
    gnt("add", "--network", "192.0.2.0/28", "--gateway", "192.0.2.1", "pooled")
    gnt("add", "--network", "198.51.100.0/29", "lonely")
    gnt("connect", "--nic-parameters", "mode=bridged,link=br7", "pooled", "default")

    def add(name, net, cli="ganeti", check=True):
        args = ("add", "-t", "diskless", "-o", "noop", "-n", "node1", "--no-name-check",
                "--no-ip-check", "--net", f"0:{net}", name)
        if cli == "ganeti":
            return ganeti_cli(vc, "gnt-instance", *args, check=check)
        return vc.cmd("node1", "gnt-instance", *args, check=check)

    try:
        add("pool1", "network=pooled,ip=pool")
        add("pool2", "network=pooled,ip=pool", cli="herd")
        add("fixed", "network=pooled,ip=192.0.2.9")
        taken = add("again", "network=pooled,ip=192.0.2.9", check=False)
        assert taken.returncode != 0 and "already in use" in taken.stderr
        outside = add("outside", "network=pooled,ip=10.9.9.9", check=False)
        assert outside.returncode != 0
        unconnected = add("nowhere", "network=lonely,ip=pool", check=False)
        assert unconnected.returncode != 0 and "Probably not connected" in unconnected.stderr
        nonet = add("nonet", "ip=pool", check=False)
        assert nonet.returncode != 0 and "parameter network must be passed" in nonet.stderr

        rows = ganeti_cli(vc, "gnt-instance", "list", "--no-headers", "--separator=|", "-o",
                          "name,nic.ips,nic.modes,nic.links").stdout.split()
        assert sorted(rows) == ["fixed|192.0.2.9|bridged|br7", "pool1|192.0.2.2|bridged|br7",
                                "pool2|192.0.2.3|bridged|br7"]
        listed = gnt("list", "--no-headers", "--separator=|", "-o",
                     "free_count,inst_cnt", "pooled").stdout.strip()
        assert listed == "10|3"
        busy = gnt("disconnect", "pooled", "default", check=False)
        assert busy.returncode != 0 and "Conflicting IP addresses found" in busy.stderr
        ganeti_cli(vc, "gnt-instance", "remove", "-f", "pool1")
        assert gnt("list", "--no-headers", "-o", "free_count", "pooled").stdout.strip() == "11"
        add("pool3", "network=pooled,ip=pool")  # the freed address is the first free one
        assert "pool3|192.0.2.2" in ganeti_cli(vc, "gnt-instance", "list", "--no-headers",
                                               "--separator=|", "-o", "name,nic.ips").stdout
    finally:
        for name in ("pool2", "pool3", "fixed"):
            ganeti_cli(vc, "gnt-instance", "remove", "-f", name, check=False)
        gnt("disconnect", "pooled", "default", check=False)
        gnt("remove", "pooled", check=False)
        gnt("remove", "lonely", check=False)


def test_networks_and_filters_through_rapi(vc):
    c = rapi_client(vc)

    def wait(job):
        assert c.WaitForJobCompletion(job, period=0.2, retries=500), c.GetJobStatus(job)

    wait(c.CreateNetwork("viarapi", "10.20.30.0/24", gateway="10.20.30.1",
                         add_reserved_ips="10.20.30.9", tags="t1"))
    assert "viarapi" in c.GetNetworks()
    network = c.GetNetwork("viarapi")
    assert network["gateway"] == "10.20.30.1" and network["free_count"] == 252
    assert network["tags"] == ["t1"]
    wait(c.ConnectNetwork("viarapi", "rack2", "routed", "rt0"))
    assert c.GetNetwork("viarapi")["group_list"] == [["rack2", "routed", "rt0", ""]]
    wait(c.ModifyNetwork("viarapi", mac_prefix="aa:bb:01"))
    assert c.GetNetwork("viarapi")["mac_prefix"] == "aa:bb:01"
    wait(c.DisconnectNetwork("viarapi", "rack2"))
    wait(c.DeleteNetwork("viarapi"))
    assert "viarapi" not in c.GetNetworks()

    uuid = c.AddFilter(priority=3, predicates=[["opcode", ["=", "OP_ID", "OP_TEST_DELAY"]]],
                       action="PAUSE", reason_trail=[])
    assert uuid in c.GetFilters()
    rule = c.GetFilter(uuid)
    assert rule["priority"] == 3 and rule["action"] == "PAUSE"
    c.ReplaceFilter(uuid, priority=3, predicates=[], action="ACCEPT", reason_trail=[])
    assert c.GetFilter(uuid)["action"] == "ACCEPT"
    c.DeleteFilter(uuid)
    assert c.GetFilters() == []
