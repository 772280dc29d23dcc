"""Allocations under load: masterd decides one allocation at a time on a
model it keeps between allocations, with reservations for creations under
way, while creations on other nodes go on. However the jobs interleave
(allocated and named creations, a stop, a failing creation), no node is
given more memory than it has, and the cluster fills evenly."""

import collections
import time

import pytest

from herd_e2e import VirtualCluster, luxi_call, master_socket

NODES = 6
NODE_MEMORY = 1024  # MiB: seven 128 MiB instances per node, with room left


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    cluster = VirtualCluster(tmp_path_factory.mktemp("vc") / "c", nodes=NODES,
                             extra=("--memory", str(NODE_MEMORY)))
    yield cluster
    cluster.destroy()


def create_op(name, memory=128, pnode=None, os_type="noop"):
    op = {"OP_ID": "OP_INSTANCE_CREATE", "instance_name": name, "disk_template": "diskless",
          "os_type": os_type, "beparams": {"memory": memory}, "nics": [{}], "disks": [],
          "name_check": False, "ip_check": False, "mode": "create"}
    if pnode:
        op["pnode"] = pnode
    return op


def submit(vc, ops):
    ok, results = luxi_call(master_socket(vc), "SubmitManyJobs", [[[op] for op in ops]])
    assert ok, results
    assert all(accepted for accepted, _ in results), results
    return [job for _, job in results]


def wait(vc, ids, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        ok, rows = luxi_call(master_socket(vc), "QueryJobs", [ids, ["status", "opresult"]])
        assert ok, rows
        if all(row[0] in ("success", "error", "canceled") for row in rows):
            return rows
        assert time.monotonic() < deadline, rows
        time.sleep(0.1)


def placements(vc):
    out = vc.cmd("node1", "gnt-instance", "list", "--no-headers", "--units", "m", "-o",
                 "name,pnode,be/memory,admin_state")
    return [line.split() for line in out.stdout.splitlines()]


def assert_no_node_overcommitted(placed):
    # Instances meant to run count their memory (a stopped one does not).
    memory = collections.Counter()
    for _, pnode, mem, state in placed:
        if state == "up":
            memory[pnode] += int(mem)
    assert all(used <= NODE_MEMORY for used in memory.values()), memory


def test_interleaved_creations_never_overcommit_a_node(vc):
    # Allocated creations, named ones, one that fails (unknown OS) and a
    # stop of an existing instance, all in flight together.
    first = submit(vc, [create_op("seed")])
    wait(vc, first)
    ops = [create_op(f"a{i}") for i in range(16)]
    ops += [create_op(f"n{i}", pnode=f"node{1 + i % NODES}") for i in range(6)]
    broken = len(ops)
    ops.append(create_op("broken", os_type="no-such-os"))
    ops.append({"OP_ID": "OP_INSTANCE_SHUTDOWN", "instance_name": "seed"})
    ops += [create_op(f"b{i}") for i in range(8)]
    rows = wait(vc, submit(vc, ops))
    assert [i for i, row in enumerate(rows) if row[0] != "success"] == [broken], rows
    assert "no-such-os" in str(rows[broken][1]), rows[broken]

    placed = placements(vc)
    assert len(placed) == 1 + 16 + 6 + 8
    assert_no_node_overcommitted(placed)
    # Evenly filled: the allocator spread the memory it placed. The stopped
    # seed holds none: its node may take one more, if the stop came first.
    counts = collections.Counter(pnode for _, pnode, _, state in placed if state == "up")
    assert max(counts.values()) - min(counts.values()) <= 2, counts


def test_a_full_cluster_refuses_with_the_allocators_reason(vc):
    # Fill what is left, then one more: hail finds no node with the memory.
    free = NODES * (NODE_MEMORY // 128) - len(placements(vc))
    rows = wait(vc, submit(vc, [create_op(f"fill{i}") for i in range(free + 3)]))
    errors = [row[1] for row in rows if row[0] == "error"]
    assert errors, "the cluster never filled up"
    assert all("Can't compute nodes using iallocator 'hail'" in str(e) for e in errors), errors
    assert_no_node_overcommitted(placements(vc))
