"""Instances on a 5-node virtual cluster: the fake hypervisor, file and
sharedfile disks, the shipped OSes, Debian's real hail as allocator, and the
instance lifecycle through the gnt-instance and gnt-os CLI."""

import json
import shutil
import time

import pytest

from herd_e2e import BIN, GANETI_HAIL as HAIL, VirtualCluster, luxi_call, master_socket, require



@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=5)
    yield cluster
    cluster.destroy()


def gi(vc, *args, check=True, timeout=120):
    return vc.cmd("node1", "gnt-instance", *args, check=check, timeout=timeout)


def rows(vc, fields, *extra):
    out = gi(vc, "list", "--no-headers", "--separator=|", "-o", fields, *extra).stdout
    return [line.split("|") for line in out.splitlines() if line]


def by_name(vc, fields):
    return {r[0]: r[1:] for r in rows(vc, "name," + fields)}


def fake_hv_record(vc, node, instance):
    return vc.node_root(node) / "var/run/ganeti/fake-hv" / instance


def mfree(vc, node):
    out = vc.cmd("node1", "gnt-node", "list", "--no-headers", "--units=m", "-o", "mfree",
                 node).stdout
    return int(out.strip())


def test_diskless_instance_runs_on_its_node_and_takes_memory(vc):
    before = mfree(vc, "node2")
    gi(vc, "add", "-t", "diskless", "-o", "noop", "-B", "memory=512,vcpus=2", "-n", "node2",
       "web1")
    info = by_name(vc, "pnode,status,oper_ram,be/vcpus")
    assert info["web1"] == ["node2", "running", "512M", "2"]
    assert fake_hv_record(vc, "node2", "web1").exists()
    assert mfree(vc, "node2") == before - 512


def ssconf_instances(vc, node):
    return (vc.node_root(node) / "var/lib/ganeti/ssconf_instance_list").read_text().split()


def wait_for(predicate, seconds=15):
    deadline = time.time() + seconds
    while not predicate() and time.time() < deadline:
        time.sleep(0.1)
    return predicate()


def test_every_node_s_ssconf_instance_list_follows_adds_and_removes(vc):
    gi(vc, "add", "-t", "diskless", "-o", "noop", "-B", "memory=128", "-n", "node2", "listed1")
    # node4 holds none of it: its list comes from the master's ssconf push.
    assert wait_for(lambda: "listed1" in ssconf_instances(vc, "node4")), \
        ssconf_instances(vc, "node4")
    gi(vc, "remove", "-f", "listed1")
    assert wait_for(lambda: "listed1" not in ssconf_instances(vc, "node4")), \
        ssconf_instances(vc, "node4")


def test_file_instance_placed_by_real_hail_with_image_os(vc):
    require(HAIL, "ganeti-htools-3.0")
    result = gi(vc, "add", "-t", "file", "--disk", "0:size=2G", "-o", "image+default",
                "-B", "memory=1G", "-I", "hail", "db1")
    assert "using iallocator hail" in result.stdout + result.stderr
    pnode, status, sizes, template = by_name(vc, "pnode,status,disk.sizes,disk_template")["db1"]
    assert status == "running" and sizes == "2048" and template == "file", (status, sizes)
    disk_dir = vc.node_root(pnode) / "srv/ganeti/file-storage/db1"
    files = list(disk_dir.iterdir())
    assert len(files) == 1
    assert files[0].stat().st_size == 2048 * 1024 * 1024
    assert files[0].read_bytes()[:10] == b"HERD-IMAGE"


def test_sharedfile_instance_and_list_filter(vc):
    gi(vc, "add", "-t", "sharedfile", "--disk", "0:size=1G", "-o", "noop", "-n", "node3", "app1")
    shared = vc.path / "shared-file-storage" / "app1"
    assert len(list(shared.iterdir())) == 1
    listed = rows(vc, "name", "-F", '["=", "pnode", "node2"]')
    assert [r[0] for r in listed] == ["web1"]
    assert [r[0] for r in rows(vc, "name", "-F", 'pnode == "node2"')] == ["web1"]
    both = rows(vc, "name", "-F", 'disk_template == "sharedfile" or be/memory >= 1024')
    assert [r[0] for r in both] == ["app1", "db1"]
    assert [r[0] for r in rows(vc, "name", "name =~ m/^WEB/i")] == ["web1"]
    assert [r[0] for r in rows(vc, "name", "*1")] == ["app1", "db1", "web1"]
    bad = gi(vc, "list", "-F", 'pnode == "node2', check=False)
    assert bad.returncode != 0 and "closing" in bad.stderr
    nodes = vc.cmd("node1", "gnt-node", "list", "--no-headers", "-o", "name", "-F",
                   "pinst_cnt > 0 and not offline").stdout.split()
    holders = {pnode for pnode, in by_name(vc, "pnode").values()}
    assert set(nodes) == holders and "node2" in nodes and "node3" in nodes
    out = gi(vc, "list", "-o", "name,pnode,status,oper_ram,disk.sizes").stdout
    assert out.splitlines()[0].split()[:3] == ["Instance", "Primary_node", "Status"]


def test_info_shows_configuration_and_state(vc):
    out = gi(vc, "info", "db1").stdout
    assert "Instance name: db1" in out
    assert "State: configured to be up, actual state is up" in out
    assert "Disk template: file" in out
    assert "disk/0: file, size 2.0G" in out


def test_shutdown_startup_reboot(vc):
    gi(vc, "shutdown", "web1")
    assert by_name(vc, "status")["web1"] == ["ADMIN_down"]
    assert not fake_hv_record(vc, "node2", "web1").exists()
    gi(vc, "startup", "web1")
    assert by_name(vc, "status")["web1"] == ["running"]
    start = json.loads(fake_hv_record(vc, "node2", "web1").read_text())["start_time"]
    gi(vc, "reboot", "web1")
    assert json.loads(fake_hv_record(vc, "node2", "web1").read_text())["start_time"] > start


def test_migrate_and_failover_shared_instance(vc):
    gi(vc, "migrate", "-f", "-n", "node4", "app1")
    assert by_name(vc, "pnode,status")["app1"] == ["node4", "running"]
    assert fake_hv_record(vc, "node4", "app1").exists()
    assert not fake_hv_record(vc, "node3", "app1").exists()
    gi(vc, "failover", "-f", "-n", "node3", "app1")
    assert by_name(vc, "pnode,status")["app1"] == ["node3", "running"]


def test_migrate_and_failover_without_target_use_the_default_allocator(vc):
    require(HAIL, "ganeti-htools-3.0")
    info = vc.cmd("node1", "gnt-cluster", "info").stdout
    assert "default instance allocator: hail" in info
    gi(vc, "migrate", "-f", "app1")
    first = by_name(vc, "pnode,status")["app1"]
    assert first[0] != "node3" and first[1] == "running"
    gi(vc, "failover", "-f", "app1")
    second = by_name(vc, "pnode,status")["app1"]
    assert second[0] != first[0] and second[1] == "running"
    if second[0] != "node3":
        gi(vc, "migrate", "-f", "-n", "node3", "app1")
    assert by_name(vc, "pnode")["app1"] == ["node3"]


def test_add_without_node_uses_the_default_allocator(vc):
    # "hail" is Herd's own: it heads every node's iallocator search path.
    linked = vc.node_root("node1") / "usr/lib/ganeti/iallocators/hail"
    assert linked.resolve() == (BIN / "hail").resolve()
    result = gi(vc, "add", "-t", "diskless", "-o", "noop", "-B", "memory=128", "auto1")
    assert "using iallocator hail" in result.stdout
    assert by_name(vc, "status")["auto1"] == ["running"]
    gi(vc, "remove", "-f", "auto1")
    # Ganeti's own hail still works, by its path.
    require(HAIL, "ganeti-htools-3.0")
    result = gi(vc, "add", "-t", "diskless", "-o", "noop", "-B", "memory=128", "-I", str(HAIL),
                "auto2")
    assert f"using iallocator {HAIL}" in result.stdout
    gi(vc, "remove", "-f", "auto2")


def test_batch_create_places_every_instance(vc, tmp_path):
    spec = [{"instance_name": f"batch{i}", "disk_template": "file",
             "disks": [{"size": 1024}], "os_type": "noop", "beparams": {"memory": 128},
             "nics": [{}], "name_check": False, "ip_check": False, "pnode": f"node{2 + i}"}
            for i in range(3)]
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    out = gi(vc, "batch-create", str(path)).stdout
    assert "All instances created successfully." in out
    placed = by_name(vc, "pnode,status")
    for i in range(3):
        assert placed[f"batch{i}"] == [f"node{2 + i}", "running"]
    require(HAIL, "ganeti-htools-3.0")
    for item in spec:
        item["instance_name"] = item["instance_name"].replace("batch", "hbatch")
        del item["pnode"]
    path.write_text(json.dumps(spec))
    out = gi(vc, "batch-create", "-I", "hail", str(path)).stdout
    assert "All instances created successfully." in out
    assert all(f"hbatch{i}" in by_name(vc, "status") for i in range(3))
    dfree = vc.cmd("node1", "gnt-node", "list", "--no-headers", "--units=m", "-o", "dfree",
                   "node2").stdout.strip()
    assert int(dfree) <= 100 * 1024 - 1024  # the disk file is accounted for
    for i in range(3):
        gi(vc, "remove", "-f", f"batch{i}")
        gi(vc, "remove", "-f", f"hbatch{i}")


def test_migrate_of_file_instance_is_refused(vc):
    result = gi(vc, "migrate", "-f", "-n", "node5", "db1", check=False)
    assert result.returncode != 0
    assert "does not allow migrations" in result.stderr


def test_migrate_to_node_without_room_changes_nothing(vc):
    gi(vc, "add", "-t", "sharedfile", "--disk", "0:size=1G", "-o", "noop",
       "-B", "memory=3G", "-n", "node5", "big1")
    gi(vc, "add", "-t", "sharedfile", "--disk", "0:size=1G", "-o", "noop",
       "-B", "memory=1536M", "-n", "node4", "mig1")
    before = by_name(vc, "pnode,status")
    result = gi(vc, "migrate", "-f", "-n", "node5", "mig1", check=False)
    assert result.returncode != 0
    assert "Not enough memory on node node5" in result.stderr
    assert by_name(vc, "pnode,status") == before
    assert fake_hv_record(vc, "node4", "mig1").exists()
    assert not fake_hv_record(vc, "node5", "mig1").exists()
    gi(vc, "remove", "-f", "big1")
    gi(vc, "remove", "-f", "mig1")


def test_move_copies_file_disk_to_new_node(vc):
    pnode = by_name(vc, "pnode")["db1"][0]
    target = "node5" if pnode != "node5" else "node4"
    gi(vc, "move", "-f", "-n", target, "db1")
    assert by_name(vc, "pnode,status")["db1"] == [target, "running"]
    files = list((vc.node_root(target) / "srv/ganeti/file-storage/db1").iterdir())
    assert files[0].read_bytes()[:10] == b"HERD-IMAGE"
    assert not (vc.node_root(pnode) / "srv/ganeti/file-storage/db1").exists()


def test_modify_grow_rename_reinstall_remove(vc):
    out = gi(vc, "modify", "-B", "memory=2G", "db1").stdout
    assert "be/maxmem -> 2048" in out
    gi(vc, "grow-disk", "db1", "0", "1G")
    assert by_name(vc, "disk.sizes")["db1"] == ["3072"]
    gi(vc, "shutdown", "web1")
    gi(vc, "rename", "web1", "web2")
    assert "web2" in by_name(vc, "status")
    gi(vc, "shutdown", "db1")
    gi(vc, "reinstall", "-f", "db1")
    pnode = by_name(vc, "pnode")["db1"][0]
    gi(vc, "remove", "-f", "db1")
    assert "db1" not in by_name(vc, "status")
    assert not (vc.node_root(pnode) / "srv/ganeti/file-storage/db1").exists()


def test_failing_os_create_script_reports_output_and_leaves_no_disk(vc):
    for i in range(1, 6):
        os_dir = vc.node_root(f"node{i}") / "srv/ganeti/os/broken"
        shutil.copytree(vc.node_root(f"node{i}") / "srv/ganeti/os/noop", os_dir, symlinks=False)
        (os_dir / "create").write_text("#!/bin/sh\necho 'disk image download failed' >&2\nexit 1\n")
        (os_dir / "create").chmod(0o755)
    result = gi(vc, "add", "-t", "file", "--disk", "0:size=1G", "-o", "broken", "-n", "node4",
                "bad1", check=False)
    assert result.returncode != 0
    assert "disk image download failed" in result.stderr
    assert "bad1" not in by_name(vc, "status")
    assert not (vc.node_root("node4") / "srv/ganeti/file-storage/bad1").exists() or not list(
        (vc.node_root("node4") / "srv/ganeti/file-storage/bad1").iterdir())


def test_allocation_that_cannot_fit_fails_with_reason(vc):
    require(HAIL, "ganeti-htools-3.0")
    result = gi(vc, "add", "-t", "diskless", "-o", "noop", "-B", "memory=64G", "-I", "hail",
                "huge1", check=False)
    assert result.returncode != 0
    assert "Can't compute nodes using iallocator 'hail'" in result.stderr
    result = gi(vc, "add", "-t", "diskless", "-o", "noop", "-B", "memory=16G", "-n", "node2",
                "huge2", check=False)
    assert "Not enough memory on node node2" in result.stderr


def test_gnt_os_list_info_diagnose(vc):
    out = vc.cmd("node1", "gnt-os", "list", "--no-headers").stdout.split()
    assert "noop" in out and "image+default" in out and "image+minimal" in out
    info = vc.cmd("node1", "gnt-os", "info", "image").stdout
    assert "- valid: True" in info and "hostname" in info
    diag = vc.cmd("node1", "gnt-os", "diagnose", check=False).stdout
    assert "OS: noop [global status: valid]" in diag
    assert "Node: node5, status: valid (path:" in diag


def test_watcher_restarts_instance_whose_state_vanished(vc):
    record = fake_hv_record(vc, "node3", "app1")
    assert record.exists()
    record.unlink()
    assert by_name(vc, "status")["app1"] == ["ERROR_down"]
    verify = vc.cmd("node1", "gnt-cluster", "verify", check=False)
    assert verify.returncode != 0
    assert "instance app1: instance not running on its primary node node3" in verify.stdout
    vc.cmd("node1", "ganeti-watcher", timeout=120)
    assert by_name(vc, "status")["app1"] == ["running"]
    assert record.exists()
    assert "instance app1" not in vc.cmd("node1", "gnt-cluster", "verify", check=False).stdout


def test_many_submitted_creations_never_overcommit(vc):
    ids = []
    for i in range(100):
        out = gi(vc, "add", "--submit", "-t", "diskless", "-o", "noop", "-B", "memory=256",
                 "--no-name-check", "--no-ip-check", "-n", f"node{1 + i % 5}",
                 f"par{i}").stdout
        ids.append(int(out.split()[-1]))
    ok, result = luxi_call(master_socket(vc), "Query",
                           ["job", ["id", "status"], ["|"] + [["=", "id", j] for j in ids]])
    deadline = 300
    import time
    start = time.time()
    while True:
        ok, result = luxi_call(master_socket(vc), "Query",
                               ["job", ["id", "status"],
                                ["|"] + [["=", "id", j] for j in ids]])
        statuses = [row[1][1] for row in result["data"]]
        if all(s in ("success", "error", "canceled") for s in statuses):
            break
        assert time.time() - start < deadline
        time.sleep(0.5)
    assert len(statuses) == 100
    running = by_name(vc, "pnode,status")
    for i in range(1, 6):
        node = f"node{i}"
        used = sum(json.loads(p.read_text())["memory"]
                   for p in (vc.node_root(node) / "var/run/ganeti/fake-hv").glob("*"))
        assert used <= 4096, (node, used)
    created = [n for n in running if n.startswith("par")]
    assert statuses.count("success") == len(created)
    assert len(created) >= 40
    failures = [row for row in luxi_call(master_socket(vc), "Query",
                                         ["job", ["id", "status", "opresult"],
                                          ["|"] + [["=", "id", j] for j in ids]])[1]["data"]
                if row[1][1] == "error"]
    for row in failures:
        assert "Not enough memory" in json.dumps(row[2][1]), row


def test_instance_policy_is_enforced_unless_ignored(vc):
    result = gi(vc, "add", "-t", "file", "--disk", "0:size=128M", "-o", "noop", "-n", "node2",
                "tiny1", check=False)
    assert result.returncode != 0
    assert "violates policy: disk-size/0 value 128 is not in range [1024, 1048576]" in result.stderr
    gi(vc, "add", "-t", "file", "--disk", "0:size=128M", "-o", "noop", "-n", "node2",
       "--ignore-ipolicy", "--no-start", "tiny1")
    gi(vc, "remove", "-f", "tiny1")
