"""A long administration scenario on a 4-node cluster, run once with Debian's
Python gnt-* commands (unchanged) and once with Herd's own: every step must
exit 0 (or fail as Ganeti fails), and the cluster must show its effect."""

import pytest

from herd_e2e import BIN, GANETI_SHARE, ganeti_cli, require, temporary_cluster


@pytest.fixture(params=["ganeti", "herd"])
def scenario(request):
    require(GANETI_SHARE / "gnt-cluster", "ganeti-3.0")
    with temporary_cluster(f"herd-scenario-{request.param}-", nodes=4) as vc:
        def gnt(program, *args, check=True):
            if request.param == "ganeti":
                out = ganeti_cli(vc, program, *args, check=False)
            else:
                out = vc.cmd("node1", program, *args, check=False)
            if check:
                assert out.returncode == 0, (program, args, out.stdout, out.stderr)
            return out
        yield vc, gnt


def listed(gnt, program, fields, *names):
    out = gnt(program, "list", "--no-headers", "--separator=|", "-o", fields, *names).stdout
    return [line.split("|") for line in out.splitlines()]


def test_administration_scenario(scenario):
    vc, gnt = scenario
    # Cluster, tags, OS.
    gnt("gnt-cluster", "verify")
    gnt("gnt-cluster", "modify", "-B", "vcpus=2", "--ipolicy-vcpu-ratio", "8",
        "--candidate-pool-size", "3")
    gnt("gnt-cluster", "add-tags", "env:test")
    assert "env:test" in gnt("gnt-cluster", "search-tags", "^env:").stdout
    gnt("gnt-cluster", "info")
    gnt("gnt-os", "list")
    gnt("gnt-os", "diagnose")
    # Groups and nodes.
    gnt("gnt-group", "add", "rack2")
    gnt("gnt-group", "assign-nodes", "rack2", "node4")
    gnt("gnt-group", "modify", "--alloc-policy", "last_resort", "rack2")
    assert listed(gnt, "gnt-group", "name,node_cnt", "rack2") == [["rack2", "1"]]
    gnt("gnt-node", "modify", "--drained=yes", "node3")
    gnt("gnt-node", "modify", "--drained=no", "node3")
    gnt("gnt-node", "add-tags", "node2", "ssd")
    gnt("gnt-node", "list-storage", "-t", "file")
    gnt("gnt-node", "info", "node2")
    # Networks.
    gnt("gnt-network", "add", "--network", "192.0.2.0/24", "--gateway", "192.0.2.1", "net1")
    gnt("gnt-network", "connect", "--nic-parameters", "mode=bridged,link=br0", "net1",
        "default")
    # Instances of each template, through their life.
    gnt("gnt-instance", "add", "-t", "diskless", "-o", "noop", "-n", "node2",
        "--net", "0:network=net1,ip=pool", "web1")
    gnt("gnt-instance", "add", "-t", "file", "--disk", "0:size=1G", "-o", "noop",
        "-n", "node2", "db1")
    gnt("gnt-instance", "add", "-t", "sharedfile", "--disk", "0:size=1G", "-o", "noop",
        "-n", "node3", "app1")
    assert [row[0] for row in listed(gnt, "gnt-instance", "name,status")] == \
        ["app1", "db1", "web1"]
    gnt("gnt-instance", "reboot", "web1")
    gnt("gnt-instance", "modify", "-B", "maxmem=256,minmem=256", "web1")
    gnt("gnt-instance", "migrate", "-f", "app1")
    gnt("gnt-instance", "failover", "-f", "app1")
    gnt("gnt-instance", "move", "-f", "-n", "node1", "db1")
    gnt("gnt-instance", "shutdown", "db1")
    gnt("gnt-instance", "grow-disk", "db1", "0", "1G")
    gnt("gnt-instance", "activate-disks", "db1")
    gnt("gnt-instance", "deactivate-disks", "db1")
    gnt("gnt-instance", "modify", "--disk", "add:size=512M", "db1")
    gnt("gnt-instance", "reinstall", "-f", "db1")
    gnt("gnt-instance", "rename", "--no-ip-check", "--no-name-check", "-f", "db1", "db2")
    gnt("gnt-instance", "startup", "db2")
    assert listed(gnt, "gnt-instance", "name,pnode,disk.count,status", "db2") == \
        [["db2", "node1", "2", "running"]]
    # Node evacuation and migration.
    gnt("gnt-node", "migrate", "-f", "node2")
    assert all(row[1] != "node2" for row in listed(gnt, "gnt-instance", "name,pnode"))
    gnt("gnt-node", "evacuate", "-f", "-p", "node3")
    # Exports listed, allocator, jobs, filters.
    gnt("gnt-backup", "list")
    gnt("gnt-debug", "allocator", "--dir", "in", "--mode", "allocate", "--memory", "512",
        "--disks", "1024", "-t", "diskless", "-o", "noop", "new1")
    gnt("gnt-job", "list")
    gnt("gnt-filter", "add", "--action", "REJECT", "--predicates",
        '[["opcode", ["=", "OP_ID", "OP_TEST_DELAY"]]]')
    delayed = gnt("gnt-debug", "delay", "0.1", check=False)
    assert delayed.returncode != 0
    uuid = listed(gnt, "gnt-filter", "uuid")[0][0]
    gnt("gnt-filter", "delete", uuid)
    gnt("gnt-debug", "delay", "0.1")
    # Power, through Herd's OOB program for virtual nodes.
    gnt("gnt-cluster", "modify", "--node-parameters", f"oob_program={BIN}/herd-oob")
    assert gnt("gnt-node", "power", "status", "node3").stdout.split()[-2:] == ["node3", "powered"]
    gnt("gnt-node", "health", "node3")
    # Clean up: instances, network, group.
    for name in ("web1", "db2", "app1"):
        gnt("gnt-instance", "remove", "-f", name)
    gnt("gnt-network", "disconnect", "net1", "default")
    gnt("gnt-network", "remove", "net1")
    gnt("gnt-group", "assign-nodes", "default", "node4")
    gnt("gnt-group", "remove", "rack2")
    gnt("gnt-cluster", "verify")
