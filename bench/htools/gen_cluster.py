#!/usr/bin/env python3
"""Generates an unbalanced but valid one-group DRBD cluster in Ganeti's htools
text format (the `-t FILE` backend of hbal, hspace, hinfo), from a seed.

    bench/htools/gen_cluster.py --nodes 100 [--instances-per-node 10] [--seed 1]
        [--hot-fraction 0.25] [--hot-share 0.8] --out FILE

Nodes have heterogeneous capacity; a share of the instances (--hot-share) get
their primary on a minority of "hot" nodes (--hot-fraction of them), the others
anywhere, secondaries on random other nodes. Every node stays within its
memory, disk and vcpu-ratio limits and N+1 happy (a secondary can absorb the
failover of all instances of any one peer), so Ganeti's loader reports no
missing memory or disk and hbal starts from a sane state with work to do."""

import argparse
import random
import sys
import uuid

MIB_PER_GIB = 1024
MIB_PER_TIB = 1024 * 1024

NODE_MEMORY_GIB = (64, 96, 128, 192, 256)
NODE_DISK_TIB = (2, 3, 4, 6, 8)
NODE_CPUS = (16, 24, 32, 48, 64)
NODE_OS_MEMORY_MIB = (2048, 3072, 4096)  # memory the node itself uses (dom0, host OS)
NODE_SPINDLES = 12
NODE_OS_CPUS = 1

INSTANCE_MEMORY_MIB = (512, 1024, 2048, 3072, 4096, 6144, 8192)
INSTANCE_DISK_GIB = (10, 200)
INSTANCE_VCPUS = (1, 8)

# Ganeti's default instance policy (Ganeti.HTools.Types.defIPolicy), written
# out so the file does not depend on a loader's defaults.
STD_SPEC = "128,1,1024,1,1,1"
MIN_MAX_SPECS = "128,1,1024,1,1,1;32768,8,1048576,16,8,12"
DISK_TEMPLATES = "drbd,plain,file,sharedfile,diskless,blockdev,rbd,ext,gluster"
VCPU_RATIO = 4.0
SPINDLE_RATIO = 32.0

# Random placement attempts before scanning every node in order.
PLACEMENT_TRIES = 32


class Node:
    def __init__(self, name, mem_total, mem_node, disk_total, cpus):
        self.name = name
        self.mem_total = mem_total
        self.mem_node = mem_node
        self.disk_total = disk_total
        self.cpus = cpus
        self.mem_free = mem_total - mem_node
        self.disk_free = disk_total
        self.vcpus_used = 0
        # Memory of the instances each peer (their primary) would fail over here.
        self.peer_mem = {}

    def reserved_mem(self):
        return max(self.peer_mem.values(), default=0)

    def max_vcpus(self):
        # Ganeti counts the node's own CPUs as used (uCpu starts at nCpu).
        return int(VCPU_RATIO * self.cpus) - NODE_OS_CPUS

    def fits_primary(self, mem, disk, vcpus):
        # Ganeti flags a node N+1-failing when unallocated memory <= reserved,
        # hence the strict comparison.
        return (
            self.mem_free - mem > self.reserved_mem()
            and self.disk_free >= disk
            and self.vcpus_used + vcpus <= self.max_vcpus()
        )

    def fits_secondary(self, primary, mem, disk):
        reserved = max(self.reserved_mem(), self.peer_mem.get(primary.name, 0) + mem)
        return self.mem_free > reserved and self.disk_free >= disk


class Instance:
    def __init__(self, name, mem, disk, vcpus):
        self.name = name
        self.mem = mem
        self.disk = disk
        self.vcpus = vcpus
        self.primary = None
        self.secondary = None


def make_nodes(rng, count):
    width = max(4, len(str(count)))
    nodes = []
    for i in range(count):
        nodes.append(
            Node(
                name=f"node{i + 1:0{width}d}",
                mem_total=rng.choice(NODE_MEMORY_GIB) * MIB_PER_GIB,
                mem_node=rng.choice(NODE_OS_MEMORY_MIB),
                disk_total=rng.choice(NODE_DISK_TIB) * MIB_PER_TIB,
                cpus=rng.choice(NODE_CPUS),
            )
        )
    return nodes


def pick(rng, pool, accept):
    """A random node of pool that accept()s, else the first in scan order."""
    if not pool:
        return None
    for _ in range(PLACEMENT_TRIES):
        node = rng.choice(pool)
        if accept(node):
            return node
    start = rng.randrange(len(pool))
    for node in pool[start:] + pool[:start]:
        if accept(node):
            return node
    return None


def place(rng, inst, nodes, hot, prefer_hot):
    """Places inst (primary and DRBD secondary); False when no pair fits."""
    pools = [hot, nodes] if prefer_hot else [nodes]
    for pool in pools:
        for _ in range(PLACEMENT_TRIES):
            primary = pick(rng, pool, lambda n: n.fits_primary(inst.mem, inst.disk, inst.vcpus))
            if primary is None:
                break
            secondary = pick(
                rng,
                nodes,
                lambda n: n is not primary and n.fits_secondary(primary, inst.mem, inst.disk),
            )
            if secondary is not None:
                assign(inst, primary, secondary)
                return True
    return False


def assign(inst, primary, secondary):
    inst.primary, inst.secondary = primary, secondary
    primary.mem_free -= inst.mem
    primary.disk_free -= inst.disk
    primary.vcpus_used += inst.vcpus
    secondary.disk_free -= inst.disk
    secondary.peer_mem[primary.name] = secondary.peer_mem.get(primary.name, 0) + inst.mem


def generate(nodes_count, instances_per_node, seed, hot_fraction, hot_share):
    rng = random.Random(seed)
    nodes = make_nodes(rng, nodes_count)
    hot_count = min(nodes_count, max(1, round(nodes_count * hot_fraction)))
    hot = rng.sample(nodes, hot_count)
    total = nodes_count * instances_per_node
    width = max(5, len(str(total)))
    instances = []
    for i in range(total):
        inst = Instance(
            name=f"inst{i + 1:0{width}d}",
            mem=rng.choice(INSTANCE_MEMORY_MIB),
            disk=rng.randint(*INSTANCE_DISK_GIB) * MIB_PER_GIB,
            vcpus=rng.randint(*INSTANCE_VCPUS),
        )
        if not place(rng, inst, nodes, hot, rng.random() < hot_share):
            raise SystemExit(
                f"gen_cluster: instance {i + 1} of {total} does not fit on {nodes_count} nodes; "
                "lower --instances-per-node"
            )
        instances.append(inst)
    group_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return nodes, instances, group_uuid


def render(nodes, instances, group_uuid, group_name="default"):
    lines = [f"{group_name}|{group_uuid}|preferred||", ""]
    for i, n in enumerate(nodes):
        # name|mem total|mem node|mem free|disk total|disk free|cpus|role|group|
        # spindles|tags|exclusive storage|free spindles|node cpus|cpu speed
        role = "M" if i == 0 else "N"
        lines.append(
            f"{n.name}|{n.mem_total}|{n.mem_node}|{n.mem_free}|{n.disk_total}|{n.disk_free}"
            f"|{n.cpus}|{role}|{group_uuid}|{NODE_SPINDLES}||N|{NODE_SPINDLES}"
            f"|{NODE_OS_CPUS}|1.0"
        )
    lines.append("")
    for inst in instances:
        # name|mem|disk|vcpus|status|auto balance|primary|secondary|template|
        # tags|spindle use|spindles|forthcoming
        lines.append(
            f"{inst.name}|{inst.mem}|{inst.disk}|{inst.vcpus}|running|Y"
            f"|{inst.primary.name}|{inst.secondary.name}|drbd||1|-|N"
        )
    lines.append("")  # cluster tags: none
    lines.append("")
    policy = f"{STD_SPEC}|{MIN_MAX_SPECS}|{DISK_TEMPLATES}|{VCPU_RATIO}|{SPINDLE_RATIO}"
    lines.append(f"|{policy}")
    lines.append(f"{group_name}|{policy}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--instances-per-node", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--hot-fraction",
        type=float,
        default=0.25,
        help="fraction of the nodes that are preferred primaries (default 0.25)",
    )
    ap.add_argument(
        "--hot-share",
        type=float,
        default=0.8,
        help="fraction of the instances whose primary goes to a hot node if it fits "
        "(default 0.8)",
    )
    ap.add_argument("--out", required=True, help="output file, '-' for stdout")
    args = ap.parse_args(argv)
    if args.nodes < 2:
        ap.error("DRBD instances need at least 2 nodes")
    nodes, instances, group_uuid = generate(
        args.nodes, args.instances_per_node, args.seed, args.hot_fraction, args.hot_share
    )
    text = render(nodes, instances, group_uuid)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
