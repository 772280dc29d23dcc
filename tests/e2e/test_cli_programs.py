"""gnt-job, gnt-os, gnt-backup, gnt-storage and gnt-node's instance and storage
commands, through Herd's CLI and Debian's Python gnt-* (unchanged) side by side:
same exit codes, same lines."""

import pytest

from herd_e2e import GANETI_SHARE, ganeti_cli, require, temporary_cluster

CLIS = ["ganeti", "herd"]


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-job", "ganeti-3.0")
    with temporary_cluster("herd-cliprog-", nodes=4) as cluster:
        yield cluster


def gnt(vc, cli, program, *args, check=True):
    if cli == "ganeti":
        return ganeti_cli(vc, program, *args, check=check)
    return vc.cmd("node1", program, *args, check=check)


def pnodes(vc, names):
    out = vc.cmd("node1", "gnt-instance", "list", "--no-headers", "-o", "name,pnode",
                 *names).stdout.split()
    return dict(zip(out[0::2], out[1::2]))


@pytest.mark.parametrize("cli", CLIS)
def test_node_migrate_and_evacuate(vc, cli):
    names = [f"mover-{cli}-{i}" for i in range(2)]
    for name in names:
        vc.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "-n", "node2", name)
    try:
        out = gnt(vc, cli, "gnt-node", "migrate", "-f", "node2")
        assert "All instances migrated successfully." in out.stdout
        assert "node2" not in pnodes(vc, names).values()
        empty = gnt(vc, cli, "gnt-node", "migrate", "-f", "node2")
        assert "No primary instances on node node2, exiting." in empty.stdout
        source = pnodes(vc, names)[names[0]]
        out = gnt(vc, cli, "gnt-node", "evacuate", "-f", "-p", source)
        assert "All instances evacuated successfully." in out.stdout
        assert source not in pnodes(vc, names).values()
        both = gnt(vc, cli, "gnt-node", "evacuate", "-f", "-p", "-s", "node2", check=False)
        assert both.returncode != 0
        assert "Only one of the --primary-only and --secondary-only" in both.stdout + both.stderr
    finally:
        for name in names:
            vc.cmd("node1", "gnt-instance", "remove", "-f", name, check=False)


@pytest.mark.parametrize("cli", CLIS)
def test_node_storage_commands(vc, cli):
    volumes = gnt(vc, cli, "gnt-node", "volumes")
    assert volumes.stdout.split() == ["Node", "PhysDev", "VG", "Name", "Size", "Instance"]
    no_change = gnt(vc, cli, "gnt-node", "modify-storage", "node1", "lvm-pv", "/dev/sda")
    assert "No changes to perform, exiting." in no_change.stderr
    refused = gnt(vc, cli, "gnt-node", "modify-storage", "--allocatable", "no", "node1",
                  "lvm-pv", "/dev/sda", check=False)
    assert refused.returncode != 0
    health = gnt(vc, cli, "gnt-node", "health", "node2", check=False)
    assert health.returncode == 1
    assert health.stdout.split() == ["Node", "Status", "node2", "(unavail)"]


@pytest.mark.parametrize("cli", CLIS)
def test_backup_list_and_remove(vc, cli):
    export = vc.node_root("node3") / "srv/ganeti/export" / f"gone-{cli}.example.com"
    export.mkdir(parents=True)
    (export / "config.ini").write_text("[export]\nversion = 0\n")
    listed = gnt(vc, cli, "gnt-backup", "list", "--no-headers").stdout.split()
    assert listed == ["node3", export.name]
    assert gnt(vc, cli, "gnt-backup", "list", "--node", "node2", "--no-headers").stdout == ""
    fields = gnt(vc, cli, "gnt-backup", "list-fields", "--no-headers").stdout.split()
    assert "export" in fields and "node" in fields
    missing = gnt(vc, cli, "gnt-backup", "remove", "never-there")
    assert "Export not found." in missing.stdout + missing.stderr
    gnt(vc, cli, "gnt-backup", "remove", export.name)
    assert not export.exists()
    assert gnt(vc, cli, "gnt-backup", "list", "--no-headers").stdout == ""


@pytest.mark.parametrize("cli", CLIS)
def test_storage_without_providers(vc, cli):
    for command in ("diagnose", "info"):
        out = gnt(vc, cli, "gnt-storage", command, check=False)
        assert out.returncode == 1
        assert "Can't get the" in out.stderr


@pytest.mark.parametrize("cli", CLIS)
def test_os_modify(vc, cli):
    gnt(vc, cli, "gnt-os", "modify", "--hidden", "yes", "-O", "colour=blue", "noop")
    info = gnt(vc, cli, "gnt-os", "info", "noop").stdout
    assert "  - hidden: True" in info
    gnt(vc, cli, "gnt-os", "modify", "--hidden", "no", "noop")
    assert "  - hidden: False" in gnt(vc, cli, "gnt-os", "info", "noop").stdout
    nothing = gnt(vc, cli, "gnt-os", "modify", "noop", check=False)
    assert nothing.returncode == 1
    assert "At least one of OS parameters or hypervisor parameters must be passed" \
        in nothing.stderr


@pytest.mark.parametrize("cli", CLIS)
def test_job_commands(vc, cli):
    ok = vc.cmd("node1", "gnt-debug", "delay", "--submit", "0.01").stdout
    job = ok.split()[-1]
    assert gnt(vc, cli, "gnt-job", "wait", job).returncode == 0
    finished = gnt(vc, cli, "gnt-job", "list", "--finished", "--no-headers", "-o", "id").stdout
    assert job in finished.split()
    running = gnt(vc, cli, "gnt-job", "list", "--running", "--no-headers", "-o", "id").stdout
    assert job not in running.split()
    both = gnt(vc, cli, "gnt-job", "cancel", "--pending", job, check=False)
    assert both.returncode != 0
    assert "Either a status filter or job ID(s) must be specified" in both.stdout + both.stderr
    none = gnt(vc, cli, "gnt-job", "cancel", "--pending", "-f", check=False)
    assert "No jobs with the requested status have been found" in none.stdout + none.stderr
    kill = gnt(vc, cli, "gnt-job", "cancel", "--kill", job, check=False)
    assert "The --kill option must be confirmed with --yes-do-it" in kill.stdout + kill.stderr
    no_priority = gnt(vc, cli, "gnt-job", "change-priority", job, check=False)
    assert no_priority.returncode != 0 and "--priority option must be given." in no_priority.stderr
    done = gnt(vc, cli, "gnt-job", "change-priority", "--priority", "high", job, check=False)
    assert done.returncode == 1  # a finished job's priority cannot change
    assert gnt(vc, cli, "gnt-job", "archive", job).returncode == 0
    assert job not in gnt(vc, cli, "gnt-job", "list", "--no-headers", "-o", "id").stdout.split()
    auto = gnt(vc, cli, "gnt-job", "autoarchive", "1w").stdout
    assert auto.startswith("Archived ") and "unchecked left" in auto


@pytest.mark.parametrize("cli", CLIS)
def test_node_failover_and_modify(vc, cli):
    name = f"shared-{cli}"
    vc.cmd("node1", "gnt-instance", "add", "-t", "sharedfile", "--disk", "0:size=1G", "-o",
           "noop", "-n", "node3", name)
    try:
        out = gnt(vc, cli, "gnt-node", "failover", "-f", "node3")
        assert "All 1 instance(s) failed over successfully." in out.stdout
        assert pnodes(vc, [name])[name] != "node3"
        empty = gnt(vc, cli, "gnt-node", "failover", "-f", "node3")
        assert "No primary instances on node node3, exiting." in empty.stderr
    finally:
        vc.cmd("node1", "gnt-instance", "remove", "-f", name, check=False)
    nothing = gnt(vc, cli, "gnt-node", "modify", "node3", check=False)
    assert nothing.returncode == 1
    assert "Please give at least one of the parameters." in nothing.stderr
    out = gnt(vc, cli, "gnt-node", "modify", "--drained=yes", "node3").stdout
    lines = out.splitlines()
    assert "Modified node node3" in lines and " - drained -> True" in lines
    gnt(vc, cli, "gnt-node", "modify", "--drained=no", "node3")
    gnt(vc, cli, "gnt-node", "modify", "--offline=yes", "node3")
    unconfirmed = gnt(vc, cli, "gnt-node", "modify", "--offline=no", "node3", check=False)
    assert unconfirmed.returncode == 1  # nobody answered Ganeti's split-brain question
    gnt(vc, cli, "gnt-node", "modify", "-f", "--offline=no", "node3")
    roles = vc.cmd("node1", "gnt-node", "list", "--no-headers", "-o", "name,offline",
                   "node3").stdout.split()
    assert roles == ["node3", "N"]


@pytest.mark.parametrize("cli", CLIS)
def test_debug_locks_shows_held_locks(vc, cli):
    import time
    job = vc.cmd("node1", "gnt-debug", "delay", "--submit", "-n", "node2", "3").stdout.split()[-1]
    deadline = time.time() + 10
    rows = []
    while time.time() < deadline:
        rows = gnt(vc, cli, "gnt-debug", "locks", "--no-headers", "-o",
                   "name,mode,owner").stdout.splitlines()
        if any("node2" in r or "node/" in r for r in rows):
            break
        time.sleep(0.2)
    assert any(f"job/{job}" in r or job in r for r in rows), rows
    vc.cmd("node1", "gnt-job", "wait", job)


@pytest.mark.parametrize("cli", CLIS)
def test_group_evacuate(vc, cli):
    group = f"evac-{cli}"
    vc.cmd("node1", "gnt-group", "add", group)
    vc.cmd("node1", "gnt-group", "assign-nodes", group, "node3", "node4")
    name = f"evacuee-{cli}"
    vc.cmd("node1", "gnt-instance", "add", "-t", "diskless", "-o", "noop", "-n", "node3", name)
    try:
        out = gnt(vc, cli, "gnt-group", "evacuate", "--to", "default", group)
        assert "All instances evacuated successfully." in out.stdout
        assert pnodes(vc, [name])[name] in ("node1", "node2")
    finally:
        vc.cmd("node1", "gnt-instance", "remove", "-f", name, check=False)
        vc.cmd("node1", "gnt-group", "assign-nodes", "default", "node3", "node4")
        vc.cmd("node1", "gnt-group", "remove", group)


def test_herd_renew_crypto(vc):
    out = vc.cmd("node1", "gnt-cluster", "renew-crypto", "-f", "--new-node-certificates").stdout
    assert "All requested certificates and keys have been replaced." in out
    import time
    path = vc.node_root("node2") / "var/lib/ganeti/ssconf_master_candidates_certs"
    deadline = time.time() + 10  # ssconf reaches the nodes in the background
    while (not path.exists() or "=" not in path.read_text()) and time.time() < deadline:
        time.sleep(0.1)
    assert path.read_text().count("=") >= 1
    # No hypervisor of Herd's has SPICE.
    refused = vc.cmd("node1", "gnt-cluster", "renew-crypto", "-f", "--new-spice-certificate",
                     check=False)
    assert refused.returncode != 0 and "SPICE is not supported" in refused.stderr


def test_long_option_prefixes_as_optparse(vc):
    # Ganeti's optparse takes unambiguous prefixes of long options.
    full = vc.cmd("node1", "gnt-node", "list", "--no-headers", "--separator=|", "-o", "name")
    short = vc.cmd("node1", "gnt-node", "list", "--no-head", "--sep=|", "-o", "name")
    assert short.stdout == full.stdout and full.stdout.split() == ["node1", "node2", "node3",
                                                                   "node4"]
    out = vc.cmd("node1", "gnt-debug", "allocator", "--dir", "in", "--mode", "allocate",
                 "--mem", "512", "-t", "diskless", "-o", "noop", "new1").stdout
    assert '"memory":512' in out
    unknown = vc.cmd("node1", "gnt-node", "list", "--bogus", check=False)
    assert unknown.returncode == 2


def test_show_ispecs_cmd_as_ganeti_prints_it(vc):
    vc.cmd("node1", "gnt-group", "add", "specs", "--ipolicy-bounds-specs",
           "min:cpu-count=1,disk-count=1,disk-size=512,memory-size=64,nic-count=1,spindle-use=1"
           "/max:cpu-count=4,disk-count=4,disk-size=4096,memory-size=1024,nic-count=2,"
           "spindle-use=4")
    try:
        for program, args in (("gnt-cluster", []), ("gnt-group", []),
                              ("gnt-group", ["--include-defaults", "specs"])):
            ganeti = ganeti_cli(vc, program, "show-ispecs-cmd", *args).stdout
            herd = vc.cmd("node1", program, "show-ispecs-cmd", *args).stdout
            assert herd == ganeti
        assert "gnt-group add --ipolicy-bounds-specs min:cpu-count=1,disk-count=1,disk-size=512" \
            in herd
    finally:
        vc.cmd("node1", "gnt-group", "remove", "specs")


@pytest.mark.parametrize("cli", CLIS)
def test_node_powercycle(vc, cli):
    unconfirmed = gnt(vc, cli, "gnt-node", "powercycle", "node2", check=False)
    assert unconfirmed.returncode == 2
    master = gnt(vc, cli, "gnt-node", "powercycle", "--yes", "node1", check=False)
    assert master.returncode != 0
    assert "The node is the master and the force parameter was not set" in master.stderr
    other = gnt(vc, cli, "gnt-node", "powercycle", "--yes", "node2", check=False)
    assert other.returncode != 0 and "Cannot powercycle node node2" in other.stderr
