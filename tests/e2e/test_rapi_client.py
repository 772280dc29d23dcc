"""Ganeti's own Python RAPI client (Debian's python3-ganeti-rapi, unchanged)
drives a 5-node Herd virtual cluster through ganeti-rapi."""

import re

import pytest

from herd_e2e import VirtualCluster, node_address

try:
    from ganeti.rapi import client as rc
except ImportError as error:
    pytest.fail(f"{error}: install Debian's python3-ganeti-rapi (scripts/install-deps does) "
                "and run with /usr/bin/python3", pytrace=False)


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=5)
    yield cluster
    cluster.destroy()


def users_file(vc):
    return vc.node_root("node1") / "var/lib/ganeti/rapi/users"


def master_address(vc):
    return node_address(vc, "node1")


def client(vc, user="admin", password=None):
    if password is None:
        password = re.search(r"^admin (\S+)", users_file(vc).read_text(), re.M).group(1)
    return rc.GanetiRapiClient(master_address(vc), port=5080, username=user, password=password)


@pytest.fixture(scope="module")
def c(vc):
    return client(vc)


def wait(c, job):
    assert c.WaitForJobCompletion(job, period=0.2, retries=1500), c.GetJobStatus(job)


def test_info_features_nodes(c):
    assert c.GetVersion() == 2
    assert "instance-create-reqv1" in c.GetFeatures()
    info = c.GetInfo()
    assert info["master"] == "node1" and info["name"] == "cluster"
    assert c.GetNodes() == [f"node{i}" for i in range(1, 6)]
    bulk = {n["name"]: n for n in c.GetNodes(bulk=True)}
    assert bulk["node1"]["role"] == "M" and bulk["node3"]["mtotal"] == 4096
    assert c.GetNodeRole("node1") == "master"
    assert "noop" in c.GetOperatingSystems()


def test_create_file_and_diskless_instances(c):
    wait(c, c.CreateInstance("create", "rdb1", "file", [{"size": 1024}], [{}], os="image+default",
                             pnode="node2", beparams={"memory": 256}))
    wait(c, c.CreateInstance("create", "rweb1", "diskless", [], [{}], os="noop", pnode="node3",
                             name_check=False, ip_check=False))
    assert c.GetInstances() == ["rdb1", "rweb1"]
    inst = c.GetInstance("rdb1")
    assert inst["status"] == "running" and inst["pnode"] == "node2"
    assert inst["disk.sizes"] == [1024] and inst["beparams"]["memory"] == 256
    job = c.GetInstanceInfo("rdb1")
    wait(c, job)
    assert c.GetJobStatus(job)["opresult"][0]["rdb1"]["disk_template"] == "file"


def test_shutdown_startup_reboot(c):
    wait(c, c.ShutdownInstance("rweb1"))
    assert c.GetInstance("rweb1")["status"] == "ADMIN_down"
    wait(c, c.StartupInstance("rweb1"))
    wait(c, c.RebootInstance("rweb1", reboot_type="hard"))
    assert c.GetInstance("rweb1")["status"] == "running"


def test_migrate_failover_modify_grow_rename(c):
    wait(c, c.MigrateInstance("rweb1", target_node="node4"))
    assert c.GetInstance("rweb1")["pnode"] == "node4"
    wait(c, c.FailoverInstance("rweb1", target_node="node3"))
    assert c.GetInstance("rweb1")["pnode"] == "node3"
    wait(c, c.ModifyInstance("rdb1", beparams={"maxmem": 512, "minmem": 512}))
    assert c.GetInstance("rdb1")["beparams"]["maxmem"] == 512
    wait(c, c.GrowInstanceDisk("rdb1", 0, 1024))
    assert c.GetInstance("rdb1")["disk.sizes"] == [2048]
    wait(c, c.ShutdownInstance("rweb1"))
    wait(c, c.RenameInstance("rweb1", "rweb2", name_check=False, ip_check=False))
    assert "rweb2" in c.GetInstances()


def test_tags_and_query(c):
    wait(c, c.AddInstanceTags("rdb1", ["db", "prod"]))
    assert sorted(c.GetInstanceTags("rdb1")) == ["db", "prod"]
    wait(c, c.DeleteInstanceTags("rdb1", ["prod"]))
    assert c.GetInstanceTags("rdb1") == ["db"]
    wait(c, c.AddClusterTags(["herd"]))
    assert c.GetClusterTags() == ["herd"]
    wait(c, c.AddNodeTags("node2", ["rack1"]))
    assert c.GetNodeTags("node2") == ["rack1"]
    result = c.Query("instance", ["name", "pnode"], qfilter=["=", "pnode", "node2"])
    assert [[cell[1] for cell in row] for row in result["data"]] == [["rdb1", "node2"]]
    fields = c.QueryFields("instance", ["name", "oper_ram"])["fields"]
    assert [f["name"] for f in fields] == ["name", "oper_ram"]


def test_console_reinstall_and_delete(c):
    assert c.GetInstanceConsole("rdb1")["kind"] == "msg"
    wait(c, c.ReinstallInstance("rdb1", os="image+minimal"))
    assert c.GetInstance("rdb1")["os"] == "image+minimal"
    assert c.GetInstance("rdb1")["status"] == "running"
    wait(c, c.DeleteInstance("rweb2"))
    assert "rweb2" not in c.GetInstances()


def test_jobs_list_and_cancel(c):
    jobs = c.GetJobs()
    assert jobs and all(isinstance(j, int) for j in jobs)
    bulk = c.GetJobs(bulk=True)
    assert {j["status"] for j in bulk} <= {"success", "error", "canceled", "running", "queued",
                                           "waiting"}
    # A job waiting for the instance lock can be canceled.
    blocker = c.ShutdownInstance("rdb1")
    victim = c.StartupInstance("rdb1")
    try:
        c.CancelJob(victim)
    except rc.GanetiApiError:
        pass  # it may have started already
    wait(c, blocker)
    assert c.GetJobStatus(victim)["status"] in ("canceled", "success", "running", "waiting",
                                                "error")
    with pytest.raises(rc.GanetiApiError) as err:
        c.GetJobStatus(999999)
    assert err.value.code == 404


def test_read_only_user_and_wrong_password(vc, c):
    users = users_file(vc)
    # Replaced atomically, as an administrator's editor would: the daemon
    # must never read a half-written file.
    staged = users.with_name("users.new")
    staged.write_text(users.read_text() + "viewer {CLEARTEXT}look read\n")
    staged.rename(users)
    ro = client(vc, "viewer", "look")
    assert ro.GetInstances()  # reading is allowed
    with pytest.raises(rc.GanetiApiError) as err:
        ro.ShutdownInstance("rdb1")
    assert err.value.code == 403
    with pytest.raises(rc.GanetiApiError) as err:
        client(vc, "admin", "wrong").ShutdownInstance("rdb1")
    assert err.value.code == 401
    with pytest.raises(rc.GanetiApiError) as err:
        c.GetInstance("nosuchinstance")
    assert err.value.code == 404


def wait_children(c, job):
    wait(c, job)
    result = c.GetJobStatus(job)["opresult"][0]
    for ok, child in result["jobs"]:
        assert ok, child
        wait(c, child)
    return result


def test_node_migrate_and_evacuate(c):
    wait(c, c.CreateInstance("create", "mig1", "sharedfile", [{"size": 1024}], [{}], os="noop",
                             pnode="node4", name_check=False, ip_check=False))
    wait(c, c.CreateInstance("create", "evac1", "diskless", [], [{}], os="noop", pnode="node5",
                             name_check=False, ip_check=False))
    wait_children(c, c.MigrateNode("node4"))
    assert c.GetInstance("mig1")["pnode"] != "node4"
    assert c.GetInstance("mig1")["status"] == "running"
    wait_children(c, c.EvacuateNode("node5", iallocator="hail", mode="primary-only"))
    assert c.GetInstance("evac1")["pnode"] != "node5"
    job = c.PowercycleNode("node5", force=True)
    assert not c.WaitForJobCompletion(job, period=0.2, retries=300)
    status = c.GetJobStatus(job)
    assert status["status"] == "error"
    assert "Cannot powercycle node node5" in str(status["opresult"])


def test_multi_alloc_wait_for_job_change_and_redistribute(c):
    allocs = [c.InstanceAllocation("create", f"multi{i}", "diskless", [], [{}], os="noop",
                                   pnode="node3", name_check=False, ip_check=False)
              for i in range(2)]
    result = wait_children(c, c.InstancesMultiAlloc(allocs))
    assert sorted(result["allocatable"]) == ["multi0", "multi1"]
    assert c.GetInstance("multi1")["status"] == "running"
    job = c.RedistributeConfig()
    change = c.WaitForJobChange(job, ["status"], None, None)
    assert change is None or "job_info" in change
    wait(c, job)
    done = c.WaitForJobChange(job, ["status"], ["running"], None)
    assert done["job_info"] == ["success"]
