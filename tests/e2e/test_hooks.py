"""Hooks: scripts in each node's <root>/etc/ganeti/hooks/<hpath>-<phase>.d,
run by Herd's master around opcodes driven by Debian's Python gnt-* (unchanged):
run-parts naming rules, Ganeti's environment, the nodes Ganeti names, a failed
pre hook aborting the opcode with Ganeti's error, post failures as warnings,
the config-update hook and gnt-cluster verify's hooks."""

import os
import pathlib
import time

import pytest

from herd_e2e import BIN, GANETI_SHARE, ganeti_cli, luxi_ok, require, run, temporary_cluster

NODES = ("node1", "node2", "node3")


@pytest.fixture(scope="module")
def vc():
    require(GANETI_SHARE / "gnt-instance", "ganeti-3.0")
    with temporary_cluster("herd-hooks-", nodes=3) as cluster:
        yield cluster


def hooks_dir(vc, node, hpath, phase):
    path = vc.node_root(node) / "etc/ganeti/hooks" / f"{hpath}-{phase}.d"
    path.mkdir(parents=True, exist_ok=True)
    return path


def add_script(vc, node, hpath, phase, name, body, executable=True):
    script = hooks_dir(vc, node, hpath, phase) / name
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755 if executable else 0o644)
    return script


def recorder(vc, node, hpath, phase, name="10-record"):
    """A script that saves its environment; returns where."""
    out = vc.node_root(node) / f"env-{hpath}-{phase}-{name}"
    add_script(vc, node, hpath, phase, name, f"env > {out}\n")
    return out


def read_env(path):
    env = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    return env


def remove_hooks(vc):
    for node in NODES:
        root = vc.node_root(node) / "etc/ganeti/hooks"
        for script in root.glob("*/*"):
            script.unlink()
        for env in vc.node_root(node).glob("env-*"):
            env.unlink()


@pytest.fixture(autouse=True)
def clean(vc):
    yield
    remove_hooks(vc)


def gnt(vc, program, *args, check=True):
    return ganeti_cli(vc, program, *args, check=check)


def test_instance_add_runs_pre_and_post_hooks_on_master_and_primary(vc):
    records = {(n, p): recorder(vc, n, "instance-add", p) for n in NODES for p in ("pre", "post")}
    gnt(vc, "gnt-instance", "add", "-t", "diskless", "-o", "noop", "--no-name-check",
        "--no-ip-check", "-n", "node2", "--tags", "web", "hooked1")
    ran = {key for key, path in records.items() if path.exists()}
    assert ran == {("node1", "pre"), ("node1", "post"), ("node2", "pre"), ("node2", "post")}
    pre = read_env(records[("node2", "pre")])
    assert pre["GANETI_HOOKS_PHASE"] == "pre"
    assert pre["GANETI_HOOKS_PATH"] == "instance-add"
    assert pre["GANETI_HOOKS_VERSION"] == "2"
    assert pre["GANETI_OP_CODE"] == "OP_INSTANCE_CREATE"
    assert pre["GANETI_OBJECT_TYPE"] == "INSTANCE"
    assert pre["GANETI_MASTER"] == "node1"
    assert pre["GANETI_INSTANCE_NAME"] == "hooked1"
    assert pre["GANETI_INSTANCE_PRIMARY"] == "node2"
    assert pre["GANETI_INSTANCE_TAGS"] == "web"
    assert pre["GANETI_ADD_MODE"] == "create"
    assert pre["PATH"] == "/sbin:/bin:/usr/sbin:/usr/bin"
    assert not any(k.startswith("GANETI_POST_") for k in pre)
    # The environment is exactly Ganeti's: nothing leaks from the daemon.
    assert "HOME" not in pre and "GANETI_ROOTDIR" not in pre
    post = read_env(records[("node1", "post")])
    assert post["GANETI_HOOKS_PHASE"] == "post"
    assert post["GANETI_INSTANCE_NAME"] == "hooked1"  # the pre variables stay
    assert post["GANETI_POST_INSTANCE_STATUS"] == "up"
    assert post["GANETI_POST_INSTANCE_NIC0_MAC"].count(":") == 5
    assert post["GANETI_POST_INSTANCE_DISK_TEMPLATE"] == "diskless"


def test_scripts_run_in_name_order_and_bad_names_are_skipped(vc):
    log = vc.node_root("node2") / "order.log"
    add_script(vc, "node2", "instance-reboot", "pre", "20-second", f"echo second >> {log}\n")
    add_script(vc, "node2", "instance-reboot", "pre", "10-first", f"echo first >> {log}\n")
    add_script(vc, "node2", "instance-reboot", "pre", "30.sh", f"echo dotted >> {log}\n")
    add_script(vc, "node2", "instance-reboot", "pre", "40-noexec", f"echo noexec >> {log}\n",
               executable=False)
    gnt(vc, "gnt-instance", "reboot", "hooked1")
    assert log.read_text().split() == ["first", "second"]


def test_a_failed_pre_hook_aborts_the_opcode_with_ganetis_error(vc):
    add_script(vc, "node2", "instance-stop", "pre", "50-refuse",
               'echo "not now: $GANETI_INSTANCE_NAME"\nexit 1\n')
    out = gnt(vc, "gnt-instance", "shutdown", "hooked1", check=False)
    assert out.returncode != 0
    assert ("Failure: hooks execution failed:\n"
            "  node: node2, script: instance-stop-pre.d/50-refuse, output: not now: hooked1"
            ) in out.stdout + out.stderr
    listed = gnt(vc, "gnt-instance", "list", "--no-headers", "-o", "name,admin_state").stdout
    assert listed.split() == ["hooked1", "up"]  # nothing was done


def test_a_failed_post_hook_is_a_warning(vc):
    add_script(vc, "node1", "instance-stop", "post", "50-complain", "echo too late\nexit 2\n")
    out = gnt(vc, "gnt-instance", "shutdown", "hooked1")
    assert "WARNING: On node1 script instance-stop-post.d/50-complain failed, output: too late" \
        in out.stdout + out.stderr
    listed = gnt(vc, "gnt-instance", "list", "--no-headers", "-o", "name,admin_state").stdout
    assert listed.split() == ["hooked1", "down"]
    gnt(vc, "gnt-instance", "startup", "hooked1")


def test_config_update_hook_runs_on_the_master_after_a_change(vc):
    records = [recorder(vc, n, "config-update", "post") for n in NODES]
    gnt(vc, "gnt-instance", "add-tags", "hooked1", "db")
    assert [r.exists() for r in records] == [True, False, False]
    env = read_env(records[0])
    assert env["GANETI_HOOKS_PATH"] == "config-update"
    assert env["GANETI_OP_CODE"] == "OP_TAGS_SET"
    records[0].unlink()
    gnt(vc, "gnt-instance", "list")  # a query changes nothing
    assert not records[0].exists()


def test_node_modify_hooks_on_master_and_node(vc):
    records = {n: recorder(vc, n, "node-modify", "pre") for n in NODES}
    gnt(vc, "gnt-node", "modify", "--drained=yes", "node3")
    gnt(vc, "gnt-node", "modify", "--drained=no", "node3")
    assert [records[n].exists() for n in NODES] == [True, False, True]
    env = read_env(records["node3"])
    assert env["GANETI_OBJECT_TYPE"] == "NODE"
    assert env["GANETI_OP_TARGET"] == "node3"
    assert env["GANETI_DRAINED"] == "False"


def test_group_and_cluster_hooks(vc):
    group_add = recorder(vc, "node1", "group-add", "post")
    cluster_modify = recorder(vc, "node1", "cluster-modify", "pre")
    gnt(vc, "gnt-group", "add", "hookgroup")
    gnt(vc, "gnt-cluster", "modify", "--candidate-pool-size", "10")
    assert read_env(group_add)["GANETI_POST_GROUP_NAME"] == "hookgroup"
    env = read_env(cluster_modify)
    assert env["GANETI_OBJECT_TYPE"] == "CLUSTER"
    assert env["GANETI_OP_CODE"] == "OP_CLUSTER_SET_PARAMS"
    gnt(vc, "gnt-group", "remove", "hookgroup")


def test_cluster_verify_reports_failed_hooks(vc):
    assert gnt(vc, "gnt-cluster", "verify").returncode == 0
    add_script(vc, "node3", "cluster-verify", "post", "check-disks",
               "echo disk sdz is gone\nexit 1\n")
    tags = recorder(vc, "node2", "cluster-verify", "post")
    out = gnt(vc, "gnt-cluster", "verify", check=False)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "* Hooks Results" in text
    assert "ERROR: node node3: Script cluster-verify-post.d/check-disks failed, output:" in text
    assert "      disk sdz is gone" in text
    env = read_env(tags)
    assert "GANETI_POST_CLUSTER_TAGS" in env and "GANETI_POST_NODE_TAGS_node2" in env


def test_instance_remove_pre_on_master_only_post_on_its_nodes(vc):
    pre = {n: recorder(vc, n, "instance-remove", "pre") for n in NODES}
    post = {n: recorder(vc, n, "instance-remove", "post") for n in NODES}
    gnt(vc, "gnt-instance", "remove", "-f", "hooked1")
    assert [pre[n].exists() for n in NODES] == [True, False, False]
    assert [post[n].exists() for n in NODES] == [True, True, False]
    assert read_env(post["node2"])["GANETI_INSTANCE_NAME"] == "hooked1"


def test_concurrent_node_adds_run_every_hook_with_its_own_environment():
    """Node adds run side by side and their hook phases reach each node in
    one call: every existing node still runs each add's pre and post hooks
    once, each with its own node's variables and the common ones."""
    with temporary_cluster("herd-hooks-adds-", nodes=6) as cluster:
        added = ("node4", "node5", "node6")
        for node in added:
            cluster.cmd("node1", "gnt-node", "remove", node)
        for node in added:
            pidfile = cluster.node_root(node) / "var/run/ganeti/ganeti-noded.pid"
            deadline = time.time() + 10
            while pidfile.exists() and time.time() < deadline:
                time.sleep(0.05)
        run([BIN / "herd-vcluster", "start", cluster.path])
        line = ('echo "$GANETI_HOOKS_PHASE $GANETI_NODE_NAME $GANETI_NODE_PIP '
                '$GANETI_OP_CODE $GANETI_CLUSTER $GANETI_HOOKS_PATH" >> {}\n')
        logs = {}
        for node in NODES:
            logs[node] = cluster.node_root(node) / "node-add-hooks.log"
            for phase in ("pre", "post"):
                # A slow pre hook lets the other adds' phases gather meanwhile.
                body = ("sleep 0.3\n" if phase == "pre" else "") + line.format(logs[node])
                add_script(cluster, node, "node-add", phase, "10-log", body)
        ops = [[{"OP_ID": "OP_NODE_ADD", "node_name": n, "readd": False}] for n in added]
        jobs = [job for ok, job in luxi_ok(cluster, "SubmitManyJobs", ops) if ok]
        assert len(jobs) == len(added)
        deadline = time.time() + 60
        while time.time() < deadline:
            statuses = [row[0] for row in luxi_ok(cluster, "QueryJobs", jobs, ["status"])]
            if all(s in ("success", "error", "canceled") for s in statuses):
                break
            time.sleep(0.1)
        assert statuses == ["success"] * len(added)
        hosts = dict(line.split()[:2][::-1] for line in
                     (cluster.path / "hosts").read_text().splitlines() if line.strip()
                     and not line.startswith("#"))
        for node in NODES:
            entries = sorted(logs[node].read_text().splitlines())
            expected = sorted(f"{phase} {n} {hosts[n]} OP_NODE_ADD cluster node-add"
                              for n in added for phase in ("pre", "post"))
            assert entries == expected, node
        # The new nodes ran their own post hooks only (none installed there).
        names = cluster.cmd("node1", "gnt-node", "list", "--no-headers", "-o", "name").stdout
        assert set(added) <= set(names.split())
