"""Ganeti's own Python RAPI client (Debian's python3-ganeti-rapi, unchanged)
drives ganeti-rapi's administrative resources on a virtual cluster: cluster
modification, node storage units, and an instance's disks (activate,
deactivate, recreate, replace). Each request must become the opcode Ganeti's
RAPI submits, and its effect must show; write resources refuse read-only and
anonymous users."""

import re

import pytest

from herd_e2e import temporary_cluster, node_address

try:
    from ganeti.rapi import client as rc
except ImportError as error:
    pytest.fail(f"{error}: install Debian's python3-ganeti-rapi (scripts/install-deps does) "
                "and run with /usr/bin/python3", pytrace=False)

FILE_STORAGE = "/srv/ganeti/file-storage"


@pytest.fixture(scope="module")
def vc():
    with temporary_cluster("herd-rapi-admin-", nodes=3) as cluster:
        yield cluster


def master_address(vc):
    return node_address(vc, "node1")


def users_file(vc):
    return vc.node_root("node1") / "var/lib/ganeti/rapi/users"


def client(vc, user="admin", password=None):
    if user and password is None:
        password = re.search(r"^admin (\S+)", users_file(vc).read_text(), re.M).group(1)
    return rc.GanetiRapiClient(master_address(vc), port=5080, username=user, password=password)


@pytest.fixture(scope="module")
def c(vc):
    admin = client(vc)
    wait(admin, admin.CreateInstance("create", "disk1", "file", [{"size": 1024}], [{}],
                                     os="noop", pnode="node2", name_check=False,
                                     ip_check=False))
    return admin


def wait(c, job):
    assert c.WaitForJobCompletion(job, period=0.2, retries=1500), c.GetJobStatus(job)
    return c.GetJobStatus(job)


def failure(c, job):
    """The error text of a job that must fail."""
    assert not c.WaitForJobCompletion(job, period=0.2, retries=1500)
    status = c.GetJobStatus(job)
    assert status["status"] == "error", status
    return str(status["opresult"])


def submitted(c, job):
    """The opcode the RAPI put into the (one-opcode) job."""
    (op,) = c.GetJobStatus(job)["ops"]
    return op


def api_error(fn, *args, **kwargs):
    with pytest.raises(rc.GanetiApiError) as err:
        fn(*args, **kwargs)
    return err.value


def disks_active(c, name):
    (row,) = c.Query("instance", ["disks_active"], qfilter=["=", "name", name])["data"]
    return row[0][1]


def test_modify_cluster(c):
    before = c.GetInfo()
    assert before["candidate_pool_size"] != 4 and before["max_running_jobs"] != 7
    job = c.ModifyCluster(candidate_pool_size=4, max_running_jobs=7,
                          beparams={"vcpus": 2}, mac_prefix="0a:11:22",
                          maintain_node_health=not before["maintain_node_health"])
    op = submitted(c, job)
    assert op["OP_ID"] == "OP_CLUSTER_SET_PARAMS" and op["candidate_pool_size"] == 4
    wait(c, job)
    after = c.GetInfo()
    assert after["candidate_pool_size"] == 4
    assert after["max_running_jobs"] == 7
    assert after["beparams"]["default"]["vcpus"] == 2
    assert after["mac_prefix"] == "0a:11:22"
    assert after["maintain_node_health"] is not before["maintain_node_health"]

    # A dry run checks and changes nothing.
    wait(c, c.ModifyCluster(candidate_pool_size=9, dry_run=True))
    assert c.GetInfo()["candidate_pool_size"] == 4

    # Ganeti's refusals: an unknown or mistyped parameter, the compression tools.
    assert api_error(c.ModifyCluster, no_such_parameter=1).code == 400
    assert api_error(c.ModifyCluster, candidate_pool_size="many").code == 400
    assert api_error(c.ModifyCluster, compression_tools=["gzip"]).code == 403
    assert c.GetInfo()["candidate_pool_size"] == 4


def test_list_node_storage_units(c):
    job = c.GetNodeStorageUnits("node2", "file", "node,type,name,size,used,free,allocatable")
    op = submitted(c, job)
    assert op["OP_ID"] == "OP_NODE_QUERY_STORAGE" and op["nodes"] == ["node2"]
    (row,) = wait(c, job)["opresult"][0]  # only the node asked for
    node, kind, name, size, used, free, allocatable = row
    assert (node, kind, name, allocatable) == ("node2", "file", FILE_STORAGE, True)
    assert used == 1024 and size - used == free  # disk1's 1 GiB file
    (row,) = wait(c, c.GetNodeStorageUnits("node3", "file", "used,node"))["opresult"][0]
    assert row == [0, "node3"]

    lvm = c.GetNodeStorageUnits("node2", "lvm-vg", "name")
    assert "No disk template of storage type 'lvm-vg'" in failure(c, lvm)
    assert api_error(c.GetNodeStorageUnits, "node2", "file", "").code == 400


def test_modify_and_repair_node_storage_units(c):
    job = c.ModifyNodeStorageUnits("node1", "lvm-pv", "/dev/sdb", allocatable=False)
    op = submitted(c, job)
    assert (op["OP_ID"], op["node_name"], op["storage_type"], op["name"], op["changes"]) == \
        ("OP_NODE_MODIFY_STORAGE", "node1", "lvm-pv", "/dev/sdb", {"allocatable": False})
    assert "no LVM physical volumes to modify" in failure(c, job)
    job = c.ModifyNodeStorageUnits("node1", "file", FILE_STORAGE)
    assert submitted(c, job)["changes"] == {}
    assert "Storage units of type 'file' can not be modified" in failure(c, job)
    assert api_error(c.ModifyNodeStorageUnits, "node1", "file", "").code == 400

    job = c.RepairNodeStorageUnits("node1", "lvm-vg", "xenvg")
    op = submitted(c, job)
    assert (op["OP_ID"], op["node_name"], op["storage_type"], op["name"]) == \
        ("OP_REPAIR_NODE_STORAGE", "node1", "lvm-vg", "xenvg")
    assert "no LVM volume groups to repair" in failure(c, job)
    job = c.RepairNodeStorageUnits("node1", "file", FILE_STORAGE)
    assert "Storage units of type 'file' can not be repaired" in failure(c, job)
    assert api_error(c.RepairNodeStorageUnits, "node1", "file", "").code == 400


def test_activate_and_deactivate_disks(c):
    assert c.GetInstance("disk1")["status"] == "running"
    running = c.DeactivateInstanceDisks("disk1")
    assert "is running, can't shutdown block devices" in failure(c, running)
    assert disks_active(c, "disk1") is True

    wait(c, c.ShutdownInstance("disk1"))
    job = c.DeactivateInstanceDisks("disk1")
    assert submitted(c, job)["force"] is False
    wait(c, job)
    assert disks_active(c, "disk1") is False
    result = wait(c, c.ActivateInstanceDisks("disk1"))["opresult"][0]
    ((node, iv_name, path),) = result
    assert (node, iv_name) == ("node2", "disk/0") and f"{FILE_STORAGE}/disk1/" in path
    assert disks_active(c, "disk1") is True
    wait(c, c.DeactivateInstanceDisks("disk1"))
    job = c.ActivateInstanceDisks("disk1", ignore_size=True)
    assert submitted(c, job)["ignore_size"] is True
    wait(c, job)
    assert disks_active(c, "disk1") is True

    # Forced, the disks of a running instance go down too.
    wait(c, c.StartupInstance("disk1"))
    job = c.DeactivateInstanceDisks("disk1", force=True)
    assert submitted(c, job)["force"] is True
    wait(c, job)
    assert disks_active(c, "disk1") is False
    wait(c, c.RebootInstance("disk1"))
    assert c.GetInstance("disk1")["status"] == "running"


def test_recreate_disks(vc, c):
    wait(c, c.CreateInstance("create", "lost1", "file", [{"size": 1024}], [{}], os="noop",
                             pnode="node3", start=False, name_check=False, ip_check=False))
    (disk,) = list((vc.node_root("node3") / FILE_STORAGE.lstrip("/") / "lost1").iterdir())
    assert "already exists" in failure(c, c.RecreateInstanceDisks("lost1"))
    disk.unlink()
    wait(c, c.RecreateInstanceDisks("lost1"))
    assert disk.stat().st_size == 1024 * 1024 * 1024

    # Onto another node, bigger: Ganeti's [[index, {"size": ...}]] form.
    job = c.RecreateInstanceDisks("lost1", disks=[[0, {"size": 2048}]], nodes=["node2"])
    assert submitted(c, job)["nodes"] == ["node2"]
    wait(c, job)
    inst = c.GetInstance("lost1")
    assert inst["pnode"] == "node2" and inst["disk.sizes"] == [2048]
    moved = vc.node_root("node2") / FILE_STORAGE.lstrip("/") / "lost1" / disk.name
    assert moved.stat().st_size == 2048 * 1024 * 1024
    allocator = c.RecreateInstanceDisks("lost1", iallocator="hail")
    assert "cannot yet choose new nodes for recreated disks" in failure(c, allocator)

    # Growing, whose resource lives with the other disk resources.
    wait(c, c.GrowInstanceDisk("lost1", 0, 512))
    assert c.GetInstance("lost1")["disk.sizes"] == [2560]


def test_replace_disks(c):
    job = c.ReplaceInstanceDisks("disk1", mode="replace_on_primary")
    op = submitted(c, job)
    assert (op["OP_ID"], op["instance_name"], op["mode"]) == \
        ("OP_INSTANCE_REPLACE_DISKS", "disk1", "replace_on_primary")
    assert "Can only run replace disks for DRBD8-based instances" in failure(c, job)

    # The client sends the disk indices as "0,1" in the query.
    job = c.ReplaceInstanceDisks("disk1", disks=[0, 1], mode="replace_on_secondary")
    assert submitted(c, job)["disks"] == [0, 1]
    failure(c, job)
    job = c.ReplaceInstanceDisks("disk1", mode="replace_new_secondary", remote_node="nosuch")
    assert submitted(c, job)["remote_node"] == "nosuch"
    assert "nosuch" in failure(c, job)
    job = c.ReplaceInstanceDisks("disk1", mode="replace_new_secondary")
    assert "either an iallocator script must be used or the new node given" in failure(c, job)
    job = c.ReplaceInstanceDisks("disk1", mode="replace_auto", iallocator="hail")
    assert submitted(c, job)["iallocator"] == "hail"
    assert "can only be used when changing the secondary node" in failure(c, job)
    assert api_error(c.ReplaceInstanceDisks, "disk1", disks=["x"]).code == 400

    # The body form, whose disks may still be a "1,2" string.
    job = c._SendRequest("POST", "/2/instances/disk1/replace-disks", None,
                         {"mode": "replace_auto", "disks": "0"})
    assert submitted(c, job)["disks"] == [0]
    failure(c, job)
    no_mode = api_error(c._SendRequest, "POST", "/2/instances/disk1/replace-disks", None,
                        {"disks": [0]})
    assert no_mode.code == 400


def test_read_only_and_anonymous_users_cannot_write(vc, c):
    users = users_file(vc)
    if "viewer " not in users.read_text():
        # Replaced atomically: the daemon must never read a half-written file.
        staged = users.with_name("users.new")
        staged.write_text(users.read_text() + "viewer {CLEARTEXT}look read\n")
        staged.rename(users)
    pool, active = c.GetInfo()["candidate_pool_size"], disks_active(c, "disk1")
    calls = [
        lambda u: u.ModifyCluster(candidate_pool_size=pool + 1),
        lambda u: u.GetNodeStorageUnits("node2", "file", "name"),  # takes locks: write only
        lambda u: u.ModifyNodeStorageUnits("node2", "file", FILE_STORAGE, allocatable=True),
        lambda u: u.RepairNodeStorageUnits("node2", "file", FILE_STORAGE),
        lambda u: u.ActivateInstanceDisks("disk1"),
        lambda u: u.DeactivateInstanceDisks("disk1", force=True),
        lambda u: u.RecreateInstanceDisks("disk1"),
        lambda u: u.ReplaceInstanceDisks("disk1", mode="replace_auto"),
    ]
    viewer, anonymous = client(vc, "viewer", "look"), client(vc, None)
    assert viewer.GetInstances()  # reading is allowed
    jobs = len(c.GetJobs())
    for call in calls:
        assert api_error(call, viewer).code == 403
        assert api_error(call, anonymous).code == 401
        assert api_error(call, client(vc, "admin", "wrong")).code == 401
    assert len(c.GetJobs()) == jobs  # nothing was submitted
    assert c.GetInfo()["candidate_pool_size"] == pool
    assert disks_active(c, "disk1") is active
