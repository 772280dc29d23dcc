"""Node groups through every client: Debian's Python gnt-group (unchanged),
Herd's gnt-group and Ganeti's Python RAPI client. Groups are added,
modified, renamed and removed; nodes move between them; the allocator
honours a group's allocation policy."""

import re

import pytest

from herd_e2e import GANETI_SHARE, ganeti_cli, rapi_client, require, temporary_cluster

try:
    from ganeti.rapi import client as rc
except ImportError as error:
    pytest.fail(f"{error}: install Debian's python3-ganeti-rapi (scripts/install-deps does) "
                "and run with /usr/bin/python3", pytrace=False)


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-group", "ganeti-3.0")
    with temporary_cluster("herd-groups-", nodes=4) as cluster:
        yield cluster


def herd(vc, *args, check=True):
    return vc.cmd("node1", "gnt-group", *args, check=check)


def groups(vc):
    out = herd(vc, "list", "--no-headers", "--separator=|",
               "-o", "name,node_cnt,pinst_cnt,alloc_policy,node_list").stdout
    return {line.split("|")[0]: line.split("|")[1:] for line in out.splitlines()}


@pytest.mark.parametrize("cli", ["ganeti", "herd"])
def test_group_life(vc, cli):
    def gnt(*args, check=True):
        if cli == "ganeti":
            return ganeti_cli(vc, "gnt-group", *args, check=check)
        return herd(vc, *args, check=check)

    name = f"rack-{cli}"
    gnt("add", "--alloc-policy=last_resort", "--node-parameters", "spindle_count=2",
        "--ipolicy-vcpu-ratio=3", name)
    assert groups(vc)[name] == ["0", "0", "last_resort", ""]
    # A second group of the same name is refused with Ganeti's reason.
    again = gnt("add", name, check=False)
    assert again.returncode != 0 and "already exists as a node group" in again.stderr + again.stdout

    gnt("assign-nodes", name, "node3", "node4")
    assert groups(vc)[name] == ["2", "0", "last_resort", "node3,node4"]
    assert groups(vc)["default"][:1] == ["2"]

    out = gnt("modify", "--node-parameters", "spindle_count=4", "--alloc-policy=preferred",
              "-D", "plain:stripes=2", name).stdout
    assert f"Modified node group {name}" in out
    assert " - ndparams -> {'spindle_count': 4}" in out
    assert " - diskparams -> {'plain': {'stripes': 2}}" in out
    info = gnt("info", name).stdout
    assert f"- Node group: {name}" in info
    assert re.search(r"spindle_count: 4\n", info) and "stripes: 2" in info
    assert "vcpu-ratio: 3.0" in info
    bad = gnt("modify", "--node-parameters", "spindle_count=many", name, check=False)
    assert bad.returncode != 0 and "is not a valid integer" in bad.stderr + bad.stdout

    gnt("add-tags", name, "rack:a", "power:b")
    assert gnt("list-tags", name).stdout.split() == ["power:b", "rack:a"]
    gnt("remove-tags", name, "power:b")
    assert gnt("list-tags", name).stdout.split() == ["rack:a"]

    # A dry run checks and changes nothing; one that would fail says why.
    gnt("rename", "--dry-run", name, name + "-dry")
    assert name in groups(vc) and name + "-dry" not in groups(vc)
    dry = gnt("remove", "--dry-run", name, check=False)
    assert dry.returncode != 0 and "not empty" in dry.stderr + dry.stdout
    gnt("rename", name, name + "-new")
    # A group with nodes stays; its nodes go home first.
    busy = gnt("remove", name + "-new", check=False)
    assert busy.returncode != 0 and "not empty, has the following nodes: node3, node4" in (
        busy.stderr + busy.stdout)
    gnt("assign-nodes", "default", "node3", "node4")
    gnt("remove", name + "-new")
    assert set(groups(vc)) == {"default"}
    last = gnt("remove", "default", check=False)
    assert last.returncode != 0 and "Group 'default' not empty" in last.stderr + last.stdout


def test_dry_run_of_an_opcode_without_one_does_nothing(vc):
    out = vc.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "name").stdout
    proc = ganeti_cli(vc, "gnt-instance", "add", "--dry-run", "-t", "diskless", "-o", "noop",
                      "--no-name-check", "--no-ip-check", "-n", "node1", "dryone", check=False)
    assert proc.returncode != 0 and "dry run" in proc.stderr + proc.stdout
    assert vc.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "name").stdout == out


def test_unallocable_group_gets_no_instances(vc):
    herd(vc, "add", "--alloc-policy=unallocable", "closed")
    herd(vc, "assign-nodes", "closed", "node1", "node2")
    for i in range(4):
        vc.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "--no-name-check",
               "--no-ip-check", "-B", "memory=128", f"grp{i}")
    assert groups(vc)["closed"][1] == "0"
    assert groups(vc)["default"][1] == "4"
    out = herd(vc, "list", "--no-headers", "-o", "name,pinst_list", "default").stdout
    assert out.split() == ["default", "grp0,grp1,grp2,grp3"]
    herd(vc, "assign-nodes", "default", "node1", "node2")
    herd(vc, "remove", "closed")


def test_groups_through_rapi(vc):
    c = rapi_client(vc)

    def wait(job):
        assert c.WaitForJobCompletion(job, period=0.2, retries=500), c.GetJobStatus(job)

    wait(c.CreateGroup("viarapi", alloc_policy="preferred"))
    assert "viarapi" in c.GetGroups()
    wait(c.AssignGroupNodes("viarapi", ["node4"]))
    group = c.GetGroup("viarapi")
    assert group["node_cnt"] == 1 and group["node_list"] == ["node4"]
    wait(c.ModifyGroup("viarapi", alloc_policy="last_resort"))
    assert c.GetGroup("viarapi")["alloc_policy"] == "last_resort"
    wait(c.RenameGroup("viarapi", "viarapi2"))
    wait(c.AssignGroupNodes("default", ["node4"]))
    wait(c.DeleteGroup("viarapi2"))
    assert c.GetGroups() == ["default"]


def test_change_group_and_group_evacuation(vc):
    # Ganeti's hail moves instances only out of groups that are N+1 happy:
    # the source is the two-node default group.
    vc.cmd("node1", "gnt-group", "add", "evac-dst")
    vc.cmd("node1", "gnt-group", "assign-nodes", "evac-dst", "node3", "node4")
    made = []
    try:
        for name in ("mover1", "mover2"):
            vc.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "-n", "node2",
                   name)
            made.append(name)

        def pnode(name):
            return vc.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "pnode",
                          name).stdout.strip()

        out = ganeti_cli(vc, "gnt-instance", "change-group", "--to", "evac-dst", "mover1")
        assert "changed group successfully" in out.stdout
        assert pnode("mover1") in ("node3", "node4")
        again = ganeti_cli(vc, "gnt-instance", "change-group", "--to", "evac-dst", "mover1",
                           check=False)
        assert again.returncode != 0
        assert "Can't use group(s) 'evac-dst' as targets" in again.stdout + again.stderr

        self_target = ganeti_cli(vc, "gnt-group", "evacuate", "--to", "default", "default",
                                 check=False)
        assert self_target.returncode != 0
        assert "can not be used as a target group" in self_target.stdout + self_target.stderr

        # An instance whose disks cannot move fails the evacuation, as in Ganeti.
        vc.cmd("node1", "gnt-instance", "add", "-t", "file", "--disk", "0:size=1G", "-o",
               "noop", "-n", "node2", "stuck")
        made.append("stuck")
        stuck = ganeti_cli(vc, "gnt-group", "evacuate", "--to", "evac-dst", "default",
                           check=False)
        assert stuck.returncode != 0
        assert "Unable to evacuate instances stuck" in stuck.stdout + stuck.stderr
        vc.cmd("node1", "gnt-instance", "remove", "-f", "stuck")
        made.remove("stuck")

        out = ganeti_cli(vc, "gnt-group", "evacuate", "--to", "evac-dst", "default")
        assert "All instances evacuated successfully." in out.stdout
        assert pnode("mover2") in ("node3", "node4")
    finally:
        for name in made:
            vc.cmd("node1", "gnt-instance", "remove", "-f", name, check=False)
