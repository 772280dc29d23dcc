"""Herd's hail answers generated iallocator requests as Debian's Ganeti hail does.

The requests are random but seeded: allocate, multi-allocate, relocate,
node-evacuate, change-group and allocate-secondary on clusters of one to three
groups, with the disk templates diskless/file/sharedfile/plain/drbd, nodes
without disk, exclusive storage (dedicated clusters), offline and drained
nodes. Each case is built from its own seed ("SEED-INDEX"), so one case can be
regenerated alone:

    tests/e2e/test_hail_generated.py --seed 20240613 --case 17 > request.json
    tests/e2e/test_hail_generated.py --seed 20240613 --count 400 --out DIR
    tests/e2e/test_hail_generated.py --compare          # print the differences

Environment: HERD_HAIL_SEED and HERD_HAIL_COUNT change the seed and the number
of cases of the pytest test.
"""
import argparse
import json
import os
import pathlib
import random
import sys

from herd_e2e import (BIN, GANETI_HAIL, assert_hails_agree, hail_answer_difference,
                      hail_differences, require)

SEED = int(os.environ.get("HERD_HAIL_SEED", "20240613"))
COUNT = int(os.environ.get("HERD_HAIL_COUNT", "500"))
TIMEOUT = 60

TEMPLATES = ["diskless", "file", "sharedfile", "plain", "drbd"]
ALL_TEMPLATES = ["sharedfile", "diskless", "plain", "blockdev", "drbd", "file", "rbd", "ext"]


def spec(mem, cpu, dsize, dcount, spindles, nics=1):
    return {"memory-size": mem, "cpu-count": cpu, "disk-size": dsize, "disk-count": dcount,
            "spindle-use": spindles, "nic-count": nics}


def gen_ipolicy(rng):
    minmax = [{"min": spec(rng.choice([128] * 4 + [256]), 1, rng.choice([128] * 4 + [1024]),
                           1, 1),
               "max": spec(rng.choice([32768] * 5 + [4096]), rng.choice([8] * 5 + [2]),
                           rng.choice([1048576] * 5 + [20480]), rng.choice([16] * 5 + [2]),
                           rng.choice([12, 12, 8, 8, 2]), 8)}]
    if rng.random() < 0.2:
        # A second, larger range (as the dedicated test cluster has).
        minmax.append({"min": spec(4096, 2, 20480, 1, 2),
                       "max": spec(65536, 16, 2097152, 16, 16, 8)})
    templates = list(ALL_TEMPLATES)
    if rng.random() < 0.15:
        templates = rng.sample(ALL_TEMPLATES, rng.randint(2, len(ALL_TEMPLATES)))
    return {
        "std": spec(128, 1, 1024, 1, 1),
        "minmax": minmax,
        "vcpu-ratio": rng.choice([4.0, 4.0, 4.0, 2.0, 1.0]),
        "spindle-ratio": rng.choice([32.0, 32.0, 4.0, 1.0]),
        "disk-templates": templates,
    }


def gen_request_instance(rng, name, template, exclusive, groups, nets, tags):
    """A new instance of an allocation request (parseBaseInstance's fields)."""
    if template == "diskless":
        disks = [] if rng.random() < 0.8 else [{"size": rng.choice([0, 1024]), "mode": "rw"}]
    else:
        disks = [{"size": rng.choice([128, 512, 1024, 2048, 4096, 10240]), "mode": "rw"}
                 for _ in range(rng.choice([1, 1, 1, 2]))]
        for d in disks:
            if exclusive or rng.random() < 0.5:
                d["spindles"] = rng.choice([1, 1, 2])
    total = sum(d["size"] for d in disks)
    if template == "drbd":
        total += 128 * len(disks)
    if template == "diskless":
        total = 0
    nics = [{"mac": "aa:00:00:00:00:01", "ip": None}]
    if nets and rng.random() < 0.15:
        nics[0]["network"] = rng.choice(nets)
    inst = {
        "name": name,
        "disk_template": template,
        "disks": disks,
        "disk_space_total": total,
        "memory": rng.choice([128, 256, 512, 1024, 2048, 4096]),
        "vcpus": rng.choice([1, 1, 2, 4]),
        "spindle_use": rng.choice([1, 1, 2]),
        "nics": nics,
        "tags": tags,
        "os": "debian-image",
        "hypervisor": "xen-pvm",
        "required_nodes": 2 if template == "drbd" else 1,
    }
    if template != "drbd" and rng.random() < 0.05:
        # (A DRBD instance on one node crashes Ganeti's capacity check.)
        inst["required_nodes"] = 2
    if groups and rng.random() < 0.3:
        g = rng.choice(groups)
        inst["group_name"] = g["name"] if rng.random() < 0.8 else g["uuid"]
    return inst


def gen_case(seed, index):
    """One request document and the hail options to run it with."""
    rng = random.Random(f"{seed}-{index}")
    cluster_tags = []
    excl_prefixes = []
    if rng.random() < 0.3:
        excl_prefixes = ["service"]
        cluster_tags.append("htools:iextags:service")
    locations = rng.random() < 0.15
    if locations:
        cluster_tags.append("htools:nlocation:power")
        if rng.random() < 0.5:
            cluster_tags.append("htools:desiredlocation:power")
    dedicated = rng.random() < 0.2

    groups = []
    for g in range(rng.choice([1, 1, 2, 2, 3])):
        policy = rng.choices(["preferred", "last_resort", "unallocable"], [0.75, 0.15, 0.1])[0]
        if g == 0 and rng.random() < 0.7:
            policy = "preferred"
        groups.append({
            "uuid": f"uuid-group-{g + 1}",
            "name": "default" if g == 0 else f"group-{g + 1}",
            "alloc_policy": policy,
            "networks": [f"uuid-net-{g + 1}"] if rng.random() < 0.3 else [],
            "tags": [],
            "ipolicy": gen_ipolicy(rng),
            "exclusive": dedicated or rng.random() < 0.1,
        })
    # Sometimes a network no group is connected to.
    unknown_net = {"uuid-net-9"} if rng.random() < 0.1 else set()
    nets = sorted({n for g in groups for n in g["networks"]} | unknown_net)

    nodes = {}
    node_list = []
    zero_disk = rng.random() < 0.25
    for gi, g in enumerate(groups):
        for k in range(rng.choice([1, 2, 2, 3, 3, 4, 4, 5])):
            name = f"node-{gi + 1}-{k + 1}"
            exclusive = g["exclusive"] if rng.random() < 0.95 else not g["exclusive"]
            t_dsk = 0 if zero_disk and rng.random() < 0.8 else rng.choice([40960, 102400, 409600])
            node = {
                "group": g["uuid"],
                "total_memory": rng.choice([4096, 8192, 16384, 32768]),
                "reserved_memory": rng.choice([0, 512, 1024]),
                "total_disk": t_dsk,
                "total_cpus": rng.choice([2, 4, 8, 16]),
                "reserved_cpus": rng.choice([0, 1]),
                "total_spindles": rng.choice([2, 5, 12, 24]),
                "offline": rng.random() < 0.07,
                "drained": rng.random() < 0.07,
                "vm_capable": True,
                "master_candidate": True,
                "master_capable": True,
                "primary_ip": "192.0.2.1",
                "secondary_ip": "198.51.100.1",
                "tags": [f"power:{rng.choice('ab')}"] if locations and rng.random() < 0.8 else [],
                "ndparams": {"spindle_count": rng.choice([1, 1, 2]), "exclusive_storage": exclusive,
                             "oob_program": None},
                "i_pri_memory": 0,
                "i_pri_up_memory": 0,
            }
            nodes[name] = node
            node_list.append((name, gi))

    instances = {}
    used_mem = {n: 0 for n in nodes}
    used_dsk = {n: 0 for n in nodes}
    used_sp = {n: 0 for n in nodes}
    count = 0
    for name, gi in node_list:
        same_group = [n for n, g in node_list if g == gi and n != name]
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            count += 1
            template = rng.choice(TEMPLATES)
            if template == "drbd" and not same_group:
                template = "plain"
            sizes = [rng.choice([128, 512, 1024, 2048, 5120])
                     for _ in range(rng.choice([1, 1, 2]))]
            if template == "diskless":
                sizes = []
            excl = nodes[name]["ndparams"]["exclusive_storage"]
            disks = []
            for s in sizes:
                d = {"size": s, "mode": "rw"}
                if excl or rng.random() < 0.6:
                    d["spindles"] = rng.choice([1, 1, 2])
                disks.append(d)
            total = sum(sizes) + (128 * len(sizes) if template == "drbd" else 0)
            state = rng.choices(["up", "down", "offline"], [0.8, 0.15, 0.05])[0]
            tags = []
            if excl_prefixes and rng.random() < 0.4:
                tags.append(f"service:{rng.choice(['web', 'db'])}")
            if locations and rng.random() < 0.3:
                tags.append(f"power:{rng.choice('ab')}")
            inodes = [name]
            if template == "drbd":
                inodes.append(rng.choice(same_group))
            inst = {
                "disks": disks,
                "disk_space_total": total,
                "disk_template": template,
                "memory": rng.choice([128, 256, 512, 1024]),
                "vcpus": rng.choice([1, 1, 2]),
                "spindle_use": rng.choice([1, 1, 2]),
                "admin_state": state,
                "admin_state_source": "admin",
                "hypervisor": "xen-pvm",
                "os": "debian-image",
                "tags": tags,
                "nics": [{"mac": f"aa:00:00:00:01:{count:02x}", "ip": None, "mode": "bridged",
                          "link": "br0", "bridge": "br0"}],
                "nodes": inodes,
            }
            if rng.random() < 0.03:
                inst["forthcoming"] = True
            instances[f"inst-{count}"] = inst
            if state == "up":
                used_mem[name] += inst["memory"]
            if template in ("plain", "drbd"):
                for n in inodes:
                    used_dsk[n] += total
                    used_sp[n] += sum(d.get("spindles", 0) for d in disks)

    for name, node in nodes.items():
        free_mem = node["total_memory"] - node["reserved_memory"] - used_mem[name]
        if rng.random() < 0.1:
            free_mem -= rng.choice([256, 1024])  # memory the instances do not explain
        node["free_memory"] = max(0, free_mem)
        node["free_disk"] = max(0, node["total_disk"] - used_dsk[name])
        node["free_spindles"] = max(0, node["total_spindles"] - used_sp[name])
        node["i_pri_memory"] = used_mem[name]
        node["i_pri_up_memory"] = used_mem[name]

    inst_names = list(instances)
    new_tags = []
    if excl_prefixes and rng.random() < 0.5:
        new_tags.append(f"service:{rng.choice(['web', 'db'])}")
    if locations and rng.random() < 0.5:
        new_tags.append(f"power:{rng.choice('ab')}")

    def new_instance(name):
        template = rng.choice(TEMPLATES)
        if zero_disk and rng.random() < 0.7:
            template = rng.choice(["diskless", "file", "sharedfile"])
        excl = any(n["ndparams"]["exclusive_storage"] for n in nodes.values())
        return gen_request_instance(rng, name, template, excl, groups, nets, list(new_tags))

    kinds = ["allocate"] * 6 + ["multi-allocate"] * 3 + ["relocate", "node-evacuate",
                                                          "node-evacuate", "change-group",
                                                          "allocate-secondary"]
    kind = rng.choice(kinds)
    if kind == "change-group" and len(groups) == 1 and rng.random() < 0.8:
        kind = "node-evacuate"
    if kind != "allocate" and kind != "multi-allocate" and not inst_names:
        kind = "allocate"
    if kind == "allocate":
        request = new_instance("instance-new")
        request["type"] = "allocate"
        if rng.random() < 0.1:
            request["restrict-to-nodes"] = rng.sample(sorted(nodes), min(2, len(nodes)))
    elif kind == "multi-allocate":
        entries = [new_instance(f"instance-new-{k + 1}") for k in range(rng.randint(2, 4))]
        if rng.random() < 0.5:
            # One template for all, as Ganeti's bulk creation sends.
            template = entries[0]["disk_template"]
            entries = [gen_request_instance(rng, e["name"], template,
                                            any(n["ndparams"]["exclusive_storage"]
                                                for n in nodes.values()),
                                            groups, nets, list(new_tags)) for e in entries]
        request = {"type": "multi-allocate", "instances": entries}
        if rng.random() < 0.3:
            # Ganeti reads the group of a multi-allocation here, not in its
            # instances (whose group_name it ignores).
            g = rng.choice(groups)
            request["group_name"] = g["name"] if rng.random() < 0.8 else g["uuid"]
    elif kind == "relocate":
        name = rng.choice(inst_names)
        inst = instances[name]
        frm = inst["nodes"][-1]
        if rng.random() < 0.1:
            frm = rng.choice(sorted(nodes))
        request = {"type": "relocate", "name": name, "required_nodes": 1,
                   "relocate_from": [frm], "disk_space_total": inst["disk_space_total"]}
    elif kind == "node-evacuate":
        node = rng.choice(sorted(nodes))
        on = [i for i in inst_names if node in instances[i]["nodes"]] or [rng.choice(inst_names)]
        mode = rng.choice(["all", "primary-only", "secondary-only"])
        request = {"type": "node-evacuate", "evac_mode": mode,
                   "instances": rng.sample(on, rng.randint(1, len(on)))}
    elif kind == "change-group":
        chosen = rng.sample(inst_names, rng.randint(1, min(2, len(inst_names))))
        targets = [g["uuid"] for g in groups if rng.random() < 0.4]
        request = {"type": "change-group", "instances": chosen, "target_groups": targets}
    else:
        plain = [i for i in inst_names if instances[i]["disk_template"] == "plain"]
        request = {"type": "allocate-secondary", "name": rng.choice(plain or inst_names)}

    nodegroups = {}
    for g in groups:
        entry = {k: v for k, v in g.items() if k not in ("uuid", "exclusive")}
        nodegroups[g["uuid"]] = entry
    doc = {
        "cluster_name": "cluster.example.com",
        "cluster_tags": cluster_tags,
        "enabled_hypervisors": ["xen-pvm"],
        "ipolicy": groups[0]["ipolicy"],
        "nodegroups": nodegroups,
        "nodes": nodes,
        "instances": instances,
        "request": request,
        "version": 2,
    }
    options = rng.choices([[], ["--no-capacity-checks"], ["--ignore-soft-errors"], ["-p"]],
                          [0.6, 0.15, 0.1, 0.15])[0]
    return doc, options


def compare(herd_hail, seed, index):
    """None when both hails answer alike, else a description of the difference."""
    doc, options = gen_case(seed, index)
    where = f"case {index} of seed {seed} (options {options}, request {doc['request']['type']})"
    return hail_answer_difference(herd_hail, json.dumps(doc, indent=1), options, where, TIMEOUT)


def compare_all(herd_hail, seed, count):
    return hail_differences(lambda i: compare(herd_hail, seed, i), count)


def test_generated_requests():
    require(GANETI_HAIL, "ganeti-htools-3.0")
    differences = compare_all(BIN / "hail", SEED, COUNT)
    assert_hails_agree(differences, COUNT, SEED, "generated", "test_hail_generated.py")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--case", type=int, help="print this case's request (options on stderr)")
    parser.add_argument("--out", type=pathlib.Path, help="write the requests to this directory")
    parser.add_argument("--compare", action="store_true",
                        help="compare the hails, print the differences")
    parser.add_argument("--hail", type=pathlib.Path, default=BIN / "hail",
                        help="Herd's hail (default: the build's)")
    args = parser.parse_args()
    if args.case is not None:
        doc, options = gen_case(args.seed, args.case)
        print(" ".join(options), file=sys.stderr)
        print(json.dumps(doc, indent=1))
        return 0
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for i in range(args.count):
            doc, options = gen_case(args.seed, i)
            (args.out / f"case-{i:04d}.json").write_text(json.dumps(doc, indent=1))
            (args.out / f"case-{i:04d}.options").write_text(" ".join(options) + "\n")
    if args.compare:
        differences = compare_all(args.hail, args.seed, args.count)
        print("\n\n".join(differences))
        print(f"{args.count - len(differences)} of {args.count} equal (seed {args.seed})")
        return 1 if differences else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
