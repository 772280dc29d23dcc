"""gnt-instance's whole command table, driven through Herd's CLI and Debian's
Python gnt-instance (unchanged) side by side: each step must succeed (or fail)
the same way and print the same lines."""

import pytest

from herd_e2e import GANETI_SHARE, ganeti_cli, require, temporary_cluster

CLIS = ["ganeti", "herd"]


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-instance", "ganeti-3.0")
    with temporary_cluster("herd-instcli-", nodes=5) as cluster:
        cluster.cmd("node1", "gnt-group", "add", "other")
        cluster.cmd("node1", "gnt-group", "assign-nodes", "other", "node4", "node5")
        yield cluster


def gnt(vc, cli, *args, check=True):
    if cli == "ganeti":
        return ganeti_cli(vc, "gnt-instance", *args, check=check)
    return vc.cmd("node1", "gnt-instance", *args, check=check)


def field(vc, name, fields):
    return vc.cmd("node1", "gnt-instance", "list", "--no-headers", "--units=m", "-o", fields,
                  name).stdout.split()


@pytest.mark.parametrize("cli", CLIS)
def test_disk_commands(vc, cli):
    name = f"disks-{cli}"
    gnt(vc, cli, "add", "-t", "file", "--disk", "0:size=1G", "-o", "noop", "-n", "node2",
        "--no-start", name)
    try:
        out = gnt(vc, cli, "activate-disks", name).stdout.strip().splitlines()
        assert len(out) == 1
        node, disk, path = out[-1].split(":", 2)
        assert (node, disk) == ("node2", "disk/0")
        assert path.endswith(".file") or "/file-storage/" in path
        assert field(vc, name, "disks_active") == ["Y"]
        gnt(vc, cli, "deactivate-disks", name)
        assert field(vc, name, "disks_active") == ["N"]
        gnt(vc, cli, "grow-disk", name, "0", "512M")
        assert field(vc, name, "disk.size/0") == ["1536"]
        both = gnt(vc, cli, "replace-disks", "-p", "-s", name, check=False)
        assert both.returncode != 0
        assert ("One and only one of the -p, -s, -a, -n and -I options must be passed"
                in both.stdout + both.stderr)
        not_drbd = gnt(vc, cli, "replace-disks", "-s", name, check=False)
        assert not_drbd.returncode != 0
        assert ("Can only run replace disks for DRBD8-based instances"
                in not_drbd.stdout + not_drbd.stderr)
        gnt(vc, cli, "recreate-disks", "-n", "node3", name)
        assert field(vc, name, "pnode") == ["node3"]
    finally:
        gnt(vc, cli, "remove", "-f", name, check=False)


@pytest.mark.parametrize("cli", CLIS)
def test_placement_commands(vc, cli):
    name = f"place-{cli}"
    gnt(vc, cli, "add", "-t", "diskless", "-o", "noop", "-n", "node2", name)
    try:
        gnt(vc, cli, "migrate", "-f", "-n", "node3", name)
        assert field(vc, name, "pnode,status") == ["node3", "running"]
        gnt(vc, cli, "failover", "-f", "-n", "node2", name)
        assert field(vc, name, "pnode,status") == ["node2", "running"]
        out = gnt(vc, cli, "change-group", "--to", "other", name)
        assert f"Instance '{name}' changed group successfully." in out.stdout
        assert field(vc, name, "pnode")[0] in ("node4", "node5")
    finally:
        gnt(vc, cli, "remove", "-f", name, check=False)


@pytest.mark.parametrize("cli", CLIS)
def test_state_commands_aliases_and_many_instances(vc, cli):
    names = [f"many-{cli}-{i}" for i in range(2)]
    for name in names:
        gnt(vc, cli, "add", "-t", "diskless", "-o", "noop", "-n", "node3", "--no-start", name)
    try:
        gnt(vc, cli, "start", "--force-multiple", *names)
        assert [field(vc, n, "status")[0] for n in names] == ["running", "running"]
        gnt(vc, cli, "reboot", "--type", "soft", names[0])
        gnt(vc, cli, "stop", "--force-multiple", "--timeout", "5", *names)
        assert [field(vc, n, "admin_state")[0] for n in names] == ["down", "down"]
        gnt(vc, cli, "modify", "-B", "vcpus=2", names[0])
        assert field(vc, names[0], "be/vcpus") == ["2"]
        disk_change = gnt(vc, cli, "modify", "--disk", "add:size=1G", names[0], check=False)
        assert disk_change.returncode != 0
        gnt(vc, cli, "add-tags", names[0], "blue")
        assert gnt(vc, cli, "list-tags", names[0]).stdout.split() == ["blue"]
        unconfirmed = gnt(vc, cli, "rename", "--no-ip-check", "--no-name-check", names[1],
                          names[1] + "-new", check=False)
        assert unconfirmed.returncode == 1  # nobody to confirm the unchecked name
        renamed = gnt(vc, cli, "rename", "-f", "--no-ip-check", "--no-name-check", names[1],
                      names[1] + "-new")
        assert f"renamed to '{names[1]}-new'" in renamed.stdout
        names[1] += "-new"
        gnt(vc, cli, "startup", names[1])
        console = gnt(vc, cli, "console", names[1])
        assert "Console not available for fake hypervisor" in console.stdout + console.stderr
        dry = gnt(vc, cli, "remove", "-f", "--dry-run", names[1], check=False)
        assert dry.returncode != 0 and "nothing was done" in dry.stdout + dry.stderr
        assert field(vc, names[1], "name") == [names[1]]
    finally:
        for name in names:
            gnt(vc, cli, "remove", "-f", name, check=False)


@pytest.mark.parametrize("cli", CLIS)
def test_modify_disks_and_nics(vc, cli):
    name = f"devices-{cli}"
    gnt(vc, cli, "add", "-t", "file", "--disk", "0:size=1G", "-o", "noop", "-n", "node2", name)
    try:
        out = gnt(vc, cli, "modify", "--disk", "add:size=512M", "--net", "add", name).stdout
        assert " - disk/1 -> add:size=512,mode=rw" in out
        assert " - nic.1 -> add:mac=" in out and ",link=xen-br0,network=None" in out
        assert field(vc, name, "disk.sizes,nic.count") == ["1024,512", "2"]
        disk_dir = vc.node_root("node2") / "srv/ganeti/file-storage" / name
        assert len(list(disk_dir.iterdir())) == 2
        out = gnt(vc, cli, "modify", "--net", "0:link=br7", "--disk", "1:mode=ro,name=data",
                  name).stdout
        assert " - nic.link/0 -> br7" in out and " - disk.mode/1 -> ro" in out
        assert field(vc, name, "nic.links") == ["br7,xen-br0"]
        running = gnt(vc, cli, "modify", "--disk", "data:remove", name, check=False)
        assert running.returncode != 0 and "is running" in running.stdout + running.stderr
        gnt(vc, cli, "shutdown", name)
        out = gnt(vc, cli, "modify", "--disk", "data:remove", "--net", "remove", name).stdout
        assert " - disk/1 -> remove" in out and " - nic/1 -> remove" in out
        assert field(vc, name, "disk.sizes,nic.count") == ["1024", "1"]
        assert len(list(disk_dir.iterdir())) == 1
        size = gnt(vc, cli, "modify", "--disk", "0:size=2G", name, check=False)
        assert "Disk size change not possible, use grow-disk" in size.stdout + size.stderr
        last = gnt(vc, cli, "modify", "--disk", "0:remove", name, check=False)
        assert last.returncode != 0
    finally:
        gnt(vc, cli, "remove", "-f", name, check=False)
