"""Herd's hail answers adversarial iallocator requests as Debian's Ganeti hail does.

Unlike test_hail_generated.py (one random cluster shape), every case here is
built by one of a set of scenarios, each aimed at an edge of the allocator:
clusters whose nodes report no disk at all (what masterd sends when the first
enabled disk template is diskless), nodes without free memory, instances of
exactly a node's free memory, reserved and unexplained memory, exclusive
storage with spindles on dedicated clusters (several min/max specs),
multi-allocations that exactly fill the cluster, relocation, evacuation and
group changes of every disk template, exclusion, location and migration
tags, offline/drained/not vm_capable nodes, groups of every allocation
policy with their own policies and networks, nodes whose figures make
scores NaN (exclusive storage without spindles, all CPUs reserved), DRBD
placements on groups of more than 100 nodes (every 40th case), and requests
written the way Herd's masterd writes them (null group_name, hv_state, full
ndparams).

A case is named by its scenario and seed ("SEED-INDEX"), so one can be
regenerated alone:

    tests/e2e/test_hail_adversarial.py --case 17 > request.json
    tests/e2e/test_hail_adversarial.py --count 1000 --out DIR
    tests/e2e/test_hail_adversarial.py --compare --seed 7 --count 2000
    tests/e2e/test_hail_adversarial.py --compare --scenario fill

Environment: HERD_HAIL_ADV_SEED and HERD_HAIL_ADV_COUNT change the seed and
the number of cases of the pytest test.
"""
import argparse
import json
import os
import pathlib
import random
import sys

from herd_e2e import (BIN, GANETI_HAIL, assert_hails_agree, hail_answer_difference,
                      hail_differences, require)

SEED = int(os.environ.get("HERD_HAIL_ADV_SEED", "1312"))
COUNT = int(os.environ.get("HERD_HAIL_ADV_COUNT", "480"))
TIMEOUT = 20

ALL_TEMPLATES = ["diskless", "file", "sharedfile", "plain", "blockdev", "drbd", "rbd", "ext",
                 "gluster"]
LOCAL = {"plain", "drbd"}  # templates whose disks use the nodes' volume groups


def ispec(mem, cpu, dsize, dcount, spindles, nics=1):
    return {"memory-size": mem, "cpu-count": cpu, "disk-size": dsize, "disk-count": dcount,
            "spindle-use": spindles, "nic-count": nics}


def default_ipolicy(templates=None):
    return {
        "std": ispec(128, 1, 1024, 1, 1),
        "minmax": [{"min": ispec(128, 1, 1024, 1, 1), "max": ispec(32768, 8, 1048576, 16, 12, 8)}],
        "vcpu-ratio": 4.0,
        "spindle-ratio": 32.0,
        "disk-templates": list(templates or ALL_TEMPLATES),
    }


class Cluster:
    """An iallocator document under construction."""

    def __init__(self, rng, hypervisor="xen-pvm"):
        self.rng = rng
        self.groups = {}  # uuid -> group
        self.nodes = {}  # name -> node
        self.instances = {}
        self.cluster_tags = []
        self.hypervisor = hypervisor
        self.ipolicy = default_ipolicy()
        self.masterd_style = False
        self._macs = 0

    # Groups and nodes.
    def group(self, name, policy="preferred", ipolicy=None, networks=(), tags=()):
        uuid = f"{name}-uuid-{len(self.groups):04d}"
        self.groups[uuid] = {"name": name, "alloc_policy": policy,
                             "networks": list(networks), "tags": list(tags),
                             "ipolicy": ipolicy or default_ipolicy()}
        return uuid

    def node(self, name, group, mem=8192, reserved=512, disk=102400, cpus=8, rcpus=1,
             spindles=12, exclusive=False, spindle_count=1, offline=False, drained=False,
             vm_capable=True, master_capable=True, tags=(), free_mem=None, free_disk=None,
             free_spindles=None):
        node = {
            "group": group,
            "total_memory": mem,
            "reserved_memory": reserved,
            "free_memory": free_mem,
            "total_disk": disk,
            "free_disk": free_disk,
            "total_cpus": cpus,
            "reserved_cpus": rcpus,
            "total_spindles": spindles,
            "free_spindles": free_spindles,
            "offline": offline,
            "drained": drained,
            "vm_capable": vm_capable,
            "master_capable": master_capable,
            "master_candidate": master_capable and not offline,
            "primary_ip": "192.0.2.%d" % (len(self.nodes) + 1),
            "secondary_ip": "198.51.100.%d" % (len(self.nodes) + 1),
            "tags": list(tags),
            "ndparams": {"spindle_count": spindle_count, "exclusive_storage": exclusive,
                         "oob_program": None},
            "i_pri_memory": 0,
            "i_pri_up_memory": 0,
        }
        if self.masterd_style:
            node["ndparams"] = {"cpu_speed": 1.0, "exclusive_storage": exclusive,
                                "oob_program": "", "ovs": False, "ovs_link": "",
                                "ovs_name": "switch1", "spindle_count": spindle_count,
                                "ssh_port": 22}
            node["hv_state"] = {self.hypervisor: {"cpu_node": 1, "cpu_total": cpus, "mem_hv": 0,
                                                  "mem_node": reserved, "mem_total": mem}}
        self.nodes[name] = node
        return name

    # Instances.
    def disks(self, template, sizes, spindles=None):
        out = []
        for k, s in enumerate(sizes):
            d = {"size": s, "mode": "rw"}
            if self.masterd_style:
                d["dev_type"] = template
            if spindles is not None:
                d["spindles"] = spindles[k] if isinstance(spindles, list) else spindles
            out.append(d)
        return out

    def nics(self, network=None):
        self._macs += 1
        nic = {"mac": "aa:00:00:%02x:%02x:%02x" % (self._macs >> 16, (self._macs >> 8) & 255,
                                                   self._macs & 255), "ip": None}
        if network:
            nic["network"] = network
        return [nic]

    def instance(self, name, template, nodes, mem=512, sizes=(1024,), vcpus=1, state="up",
                 spindle_use=1, spindles=None, tags=(), forthcoming=False, total=None):
        sizes = list(sizes)
        if total is None:
            total = disk_total(template, sizes)
        inst = {
            "disks": self.disks(template, sizes, spindles),
            "disk_space_total": total,
            "disk_template": template,
            "memory": mem,
            "vcpus": vcpus,
            "spindle_use": spindle_use,
            "admin_state": state,
            "admin_state_source": "admin",
            "hypervisor": self.hypervisor,
            "os": "debootstrap",
            "tags": list(tags),
            "nics": [dict(n, mode="bridged", link="br0", bridge="br0") for n in self.nics()],
            "nodes": list(nodes),
        }
        if forthcoming:
            inst["forthcoming"] = True
        self.instances[name] = inst
        return name

    def settle(self, unexplained=0.0):
        """Fills in the free figures the instances leave (unless set)."""
        used_mem = {n: 0 for n in self.nodes}
        used_dsk = {n: 0 for n in self.nodes}
        used_sp = {n: 0 for n in self.nodes}
        for inst in self.instances.values():
            p = inst["nodes"][0]
            if inst["admin_state"] == "up" and not inst.get("forthcoming"):
                used_mem[p] += inst["memory"]
            if inst["disk_template"] in LOCAL and not inst.get("forthcoming"):
                for n in inst["nodes"]:
                    used_dsk[n] += inst["disk_space_total"]
                    used_sp[n] += sum(d.get("spindles") or 0 for d in inst["disks"])
        for name, node in self.nodes.items():
            if node["free_memory"] is None:
                extra = self.rng.choice([256, 700, 1500]) if self.rng.random() < unexplained else 0
                node["free_memory"] = max(0, node["total_memory"] - node["reserved_memory"]
                                          - used_mem[name] - extra)
            if node["free_disk"] is None:
                node["free_disk"] = max(0, node["total_disk"] - used_dsk[name])
            if node["free_spindles"] is None:
                node["free_spindles"] = max(0, node["total_spindles"] - used_sp[name])
            node["i_pri_memory"] = used_mem[name]
            node["i_pri_up_memory"] = used_mem[name]

    def new_instance(self, name, template, mem=512, sizes=(1024,), vcpus=1, spindle_use=1,
                     spindles=None, tags=(), group=None, network=None, required=None,
                     total=None):
        sizes = list(sizes)
        if template == "diskless" and total is None:
            total = 0
        req = {
            "name": name,
            "disk_template": template,
            "tags": list(tags),
            "os": "debootstrap",
            "vcpus": vcpus,
            "memory": mem,
            "spindle_use": spindle_use,
            "disks": self.disks(template, sizes, spindles),
            "disk_space_total": disk_total(template, sizes) if total is None else total,
            "nics": self.nics(network),
            "required_nodes": required or (2 if template == "drbd" else 1),
            "hypervisor": self.hypervisor,
        }
        if group is not None or self.masterd_style:
            req["group_name"] = group
        return req

    def document(self, request):
        self.settle()
        return {
            "version": 2,
            "cluster_name": "adversarial.example.com",
            "cluster_tags": self.cluster_tags,
            "enabled_hypervisors": [self.hypervisor],
            "ipolicy": self.ipolicy,
            "nodegroups": self.groups,
            "nodes": self.nodes,
            "instances": self.instances,
            "request": request,
        }


def disk_total(template, sizes):
    if template == "diskless":
        return 0
    if template == "drbd":
        return sum(sizes) + 128 * len(sizes)
    return sum(sizes)


def pick_nodes(rng, c, template, candidates):
    """Nodes for an existing instance of `template` (two in one group for drbd)."""
    p = rng.choice(candidates)
    if template != "drbd":
        return [p]
    peers = [n for n in candidates if n != p and c.nodes[n]["group"] == c.nodes[p]["group"]]
    return [p, rng.choice(peers)] if peers else None


def populate(rng, c, templates, per_node=(0, 1, 2), mems=(128, 256, 512, 1024),
             sizes=(512, 1024, 2048), tags=(), spindles=None):
    """A few instances on the vm_capable, online nodes."""
    live = [n for n, d in c.nodes.items() if d["vm_capable"] and not d["offline"]]
    if not live:
        return []
    names = []
    for _ in range(rng.choice(per_node) * len(live)):
        t = rng.choice(templates)
        nodes = pick_nodes(rng, c, t, live)
        if nodes is None:
            t, nodes = "plain", [rng.choice(live)]
        name = f"inst{len(c.instances) + 1}.example.com"
        disk_sizes = [] if t == "diskless" else [rng.choice(sizes)
                                                 for _ in range(rng.choice([1, 1, 2]))]
        excl = c.nodes[nodes[0]]["ndparams"]["exclusive_storage"]
        sp = spindles
        if sp is None and (excl or rng.random() < 0.3) and disk_sizes:
            sp = rng.choice([1, 1, 2])
        c.instance(name, t, nodes, mem=rng.choice(mems), sizes=disk_sizes,
                   vcpus=rng.choice([1, 1, 2, 4]), spindle_use=rng.choice([1, 1, 2]),
                   state=rng.choices(["up", "down", "offline"], [0.85, 0.1, 0.05])[0],
                   spindles=sp, tags=[rng.choice(tags)] if tags and rng.random() < 0.6 else [],
                   forthcoming=rng.random() < 0.03)
        names.append(name)
    return names


def request_for(rng, c, kind, make_new, existing):
    """A request of `kind`; make_new(name) builds a new instance's description."""
    if kind in ("relocate", "node-evacuate", "change-group", "allocate-secondary") \
            and not existing:
        kind = "allocate"
    if kind == "allocate":
        req = make_new("new1.example.com")
        req["type"] = "allocate"
        if rng.random() < 0.07:
            req["restrict-to-nodes"] = rng.sample(sorted(c.nodes), max(1, len(c.nodes) // 2))
        return req
    if kind == "multi-allocate":
        n = rng.choice([2, 3, 5, 8, 12])
        req = {"type": "multi-allocate",
               "instances": [make_new(f"new{k + 1}.example.com") for k in range(n)]}
        if rng.random() < 0.25:
            g = rng.choice(sorted(c.groups))
            req["group_name"] = rng.choice([g, c.groups[g]["name"]])
        return req
    if kind == "relocate":
        name = rng.choice(existing)
        inst = c.instances[name]
        frm = inst["nodes"][-1] if rng.random() < 0.6 else inst["nodes"][0]
        if rng.random() < 0.05:
            frm = rng.choice(sorted(c.nodes))
        return {"type": "relocate", "name": name, "required_nodes": 1,
                "relocate_from": [frm], "disk_space_total": inst["disk_space_total"]}
    if kind == "node-evacuate":
        node = rng.choice(sorted({n for i in existing for n in c.instances[i]["nodes"]}))
        on = [i for i in existing if node in c.instances[i]["nodes"]]
        return {"type": "node-evacuate",
                "evac_mode": rng.choice(["all", "primary-only", "secondary-only"]),
                "instances": rng.sample(on, rng.randint(1, len(on)))}
    if kind == "change-group":
        chosen = rng.sample(existing, rng.randint(1, min(3, len(existing))))
        targets = [g for g in sorted(c.groups) if rng.random() < 0.5]
        return {"type": "change-group", "instances": chosen, "target_groups": targets}
    return {"type": "allocate-secondary", "name": rng.choice(existing)}


KINDS = ["allocate"] * 5 + ["multi-allocate"] * 3 + ["relocate", "node-evacuate",
                                                      "change-group", "allocate-secondary"]


# Scenarios: each returns (document, hail options).

def sc_zero_disk(rng):
    """Every node reports no disk (masterd with diskless first); allocations of any template."""
    c = Cluster(rng, hypervisor=rng.choice(["xen-pvm", "kvm", "fake"]))
    c.masterd_style = rng.random() < 0.6
    templates = rng.choice([["diskless", "file", "sharedfile"], ["diskless"],
                            ["diskless", "plain", "drbd"], ALL_TEMPLATES])
    ipol = default_ipolicy(templates)
    c.ipolicy = ipol
    g = c.group("default", ipolicy=ipol)
    for k in range(rng.choice([1, 2, 3, 5])):
        c.node(f"node{k + 1}.example.com", g, mem=rng.choice([4096, 8192]),
               reserved=rng.choice([0, 0, 512]), disk=0, free_disk=0,
               spindles=rng.choice([0, 0, 1]), free_spindles=0, cpus=rng.choice([1, 4, 8]),
               rcpus=rng.choice([0, 1]), drained=rng.random() < 0.05)
    existing = populate(rng, c, [t for t in templates if t not in LOCAL] or ["diskless"],
                        per_node=(0, 0, 1))

    def make_new(name):
        t = rng.choice(templates + ["diskless"] * 3)
        sizes = rng.choice([[], [], [1024], [4096, 4096], [0]]) if t == "diskless" else \
            rng.choice([[1024], [1024], [2048, 1024], [0]])
        return c.new_instance(name, t, mem=rng.choice([128, 512, 1024, 4096]), sizes=sizes,
                              vcpus=rng.choice([1, 2]), spindle_use=rng.choice([1, 1, 2, 0]),
                              total=rng.choice([None, None, None, 0]))

    kind = rng.choice(KINDS)
    return c.document(request_for(rng, c, kind, make_new, existing)), options(rng)


def sc_tight_memory(rng):
    """Memory exactly at, or one MiB around, the nodes' free memory; nodes with none free."""
    c = Cluster(rng)
    g = c.group("default")
    for k in range(rng.choice([2, 3, 4])):
        total = rng.choice([2048, 4096, 8192])
        reserved = rng.choice([0, 256, 1024])
        fm = rng.choice([0, 1, 128, 1024, total - reserved, None])
        c.node(f"node{k + 1}", g, mem=total, reserved=reserved, free_mem=fm,
               disk=rng.choice([0, 20480, 102400]), cpus=rng.choice([2, 8]))
    existing = populate(rng, c, ["plain", "drbd", "diskless", "file"], per_node=(0, 1))
    c.settle(unexplained=0.3)
    frees = [n["free_memory"] for n in c.nodes.values()]
    # A node's i_pri memory not matching its instances (Ganeti ignores it).
    for n in c.nodes.values():
        if rng.random() < 0.2:
            n["i_pri_memory"] += rng.choice([64, 4096])

    def make_new(name):
        t = rng.choice(["diskless", "plain", "file", "drbd", "sharedfile"])
        target = rng.choice(frees)
        mem = max(1, target + rng.choice([-1, 0, 0, 1, -128]))
        return c.new_instance(name, t, mem=mem, sizes=[] if t == "diskless" else [1024],
                              vcpus=1)

    kind = rng.choice(KINDS)
    return c.document(request_for(rng, c, kind, make_new, existing)), options(rng, capacity=0.5)


def dedicated_ipolicy(rng):
    minmax = [{"min": ispec(128, 1, 1024, 1, 1), "max": ispec(4096, 2, 102400, 4, 2, 8)},
              {"min": ispec(4096, 2, 102400, 1, 2), "max": ispec(32768, 8, 1048576, 16, 8, 8)}]
    if rng.random() < 0.3:
        minmax.append({"min": ispec(64, 1, 0, 0, 0), "max": ispec(512, 1, 1024, 1, 1, 1)})
    rng.shuffle(minmax)
    return {"std": ispec(1024, 1, 10240, 1, 1), "minmax": minmax,
            "vcpu-ratio": rng.choice([1.0, 4.0]), "spindle-ratio": rng.choice([1.0, 32.0]),
            "disk-templates": rng.choice([["plain", "drbd"], ["drbd", "plain", "diskless"],
                                          ALL_TEMPLATES])}


def sc_exclusive(rng):
    """Exclusive storage with spindles: dedicated clusters, or mixed ones."""
    c = Cluster(rng)
    c.masterd_style = rng.random() < 0.5
    mixed = rng.random() < 0.25
    gs = [c.group(f"g{k + 1}", policy=rng.choice(["preferred", "preferred", "last_resort"]),
                  ipolicy=dedicated_ipolicy(rng)) for k in range(rng.choice([1, 1, 2]))]
    c.ipolicy = c.groups[gs[0]]["ipolicy"]
    for k in range(rng.choice([2, 3, 4, 6])):
        g = rng.choice(gs)
        sp = rng.choice([1, 2, 4, 12])
        c.node(f"node{k + 1}", g, mem=rng.choice([8192, 16384, 32768]), reserved=1024,
               disk=rng.choice([102400, 409600, 2048000]), spindles=sp,
               free_spindles=rng.choice([None, None, 0, sp]),
               exclusive=not (mixed and rng.random() < 0.4), cpus=rng.choice([4, 16]),
               offline=rng.random() < 0.05)
    existing = populate(rng, c, ["plain", "drbd"], per_node=(0, 1, 1),
                        mems=(1024, 2048, 4096), sizes=(10240, 102400, 204800))

    def make_new(name):
        t = rng.choice(["plain", "drbd", "plain", "diskless"])
        nd = rng.choice([1, 1, 2])
        sizes = [] if t == "diskless" else [rng.choice([1024, 10240, 102400, 204800])] * nd
        sp = rng.choice([None, 1, 2, [1, 3]]) if sizes else None
        if isinstance(sp, list):
            sp = sp[:nd] + [1] * (nd - len(sp[:nd]))
        return c.new_instance(name, t, mem=rng.choice([512, 1024, 4096, 8192]), sizes=sizes,
                              vcpus=rng.choice([1, 2, 4]), spindles=sp,
                              spindle_use=rng.choice([1, 2]))

    kind = rng.choice(KINDS + ["multi-allocate"] * 3)
    return c.document(request_for(rng, c, kind, make_new, existing)), options(rng)


def sc_fill(rng):
    """A multi-allocation of identical instances that exactly fill (or overflow) the cluster."""
    c = Cluster(rng)
    excl = rng.random() < 0.35
    ipol = dedicated_ipolicy(rng) if excl and rng.random() < 0.5 else default_ipolicy()
    g = c.group("default", ipolicy=ipol)
    c.ipolicy = ipol
    n_nodes = rng.choice([2, 3, 4, 5])
    mem = rng.choice([1024, 2048])
    per = rng.choice([1, 2, 3, 4])
    t = rng.choice(["plain", "diskless", "drbd", "file"] + (["plain"] * 3 if excl else []))
    for k in range(n_nodes):
        c.node(f"node{k + 1}", g, mem=1024 + mem * per + rng.choice([0, 0, 1, 512]),
               reserved=1024, disk=rng.choice([0, 102400]) if t != "plain" else 102400,
               spindles=per * rng.choice([1, 2]), exclusive=excl, cpus=16)
    count = n_nodes * per + rng.choice([-1, 0, 0, 1])
    sp = rng.choice([1, 2]) if excl else rng.choice([None, 1])
    entries = [c.new_instance(f"new{k + 1}", t, mem=mem,
                              sizes=[] if t == "diskless" else [rng.choice([1024, 10240])],
                              spindles=sp if t != "diskless" else None,
                              spindle_use=rng.choice([1, 2]))
               for k in range(max(1, count))]
    req = {"type": "multi-allocate", "instances": entries}
    if rng.random() < 0.2:
        req["group_name"] = "default"
    return c.document(req), options(rng, capacity=0.3)


def sc_moves(rng):
    """Relocation, evacuation and group changes of instances of every template."""
    c = Cluster(rng)
    n_groups = rng.choice([1, 2, 3])
    gs = [c.group(f"group{k + 1}",
                  policy=rng.choice(["preferred", "preferred", "last_resort", "unallocable"]),
                  ipolicy=default_ipolicy(rng.sample(ALL_TEMPLATES, rng.randint(6, 9))))
          for k in range(n_groups)]
    for k in range(rng.choice([3, 4, 6])):
        c.node(f"node{k + 1}", gs[k % n_groups], mem=rng.choice([4096, 8192, 16384]),
               disk=rng.choice([40960, 102400, 0]), offline=rng.random() < 0.08,
               drained=rng.random() < 0.08, vm_capable=rng.random() > 0.05,
               cpus=rng.choice([2, 8]))
    existing = populate(rng, c, ALL_TEMPLATES, per_node=(1, 2))
    kind = rng.choice(["relocate", "node-evacuate", "change-group", "node-evacuate",
                       "allocate-secondary"])

    def make_new(name):
        return c.new_instance(name, "drbd")

    return c.document(request_for(rng, c, kind, make_new, existing)), options(rng)


def sc_tags(rng):
    """Exclusion tags, location tags, desired locations and migration tags."""
    c = Cluster(rng)
    c.cluster_tags = ["htools:iextags:service", "htools:nlocation:power"]
    if rng.random() < 0.5:
        c.cluster_tags.append("htools:desiredlocation:power")
    if rng.random() < 0.3:
        c.cluster_tags += ["htools:migration:hv", "htools:allowmigration:hv:a::hv:b"]
    if rng.random() < 0.2:
        c.cluster_tags.append("htools:nlocation:rack")
    g = c.group("default")
    g2 = c.group("other") if rng.random() < 0.3 else g
    for k in range(rng.choice([2, 3, 4, 5])):
        tags = [f"power:{rng.choice('ab')}"] if rng.random() < 0.8 else []
        if rng.random() < 0.3:
            tags.append(f"hv:{rng.choice('ab')}")
        if rng.random() < 0.3:
            tags.append(f"rack:{rng.choice('xy')}")
        c.node(f"node{k + 1}", rng.choice([g, g2]), mem=8192, disk=102400, tags=tags)
    svc = ["service:web", "service:db", "power:a", "power:b"]
    existing = populate(rng, c, ["drbd", "plain", "diskless", "sharedfile"], per_node=(1, 1, 2),
                        tags=svc)

    def make_new(name):
        t = rng.choice(["drbd", "plain", "diskless"])
        tags = rng.sample(svc, rng.randint(0, 2))
        return c.new_instance(name, t, mem=rng.choice([256, 1024]),
                              sizes=[] if t == "diskless" else [1024], tags=tags)

    kind = rng.choice(KINDS)
    return c.document(request_for(rng, c, kind, make_new, existing)), options(rng)


def sc_node_flags(rng):
    """Offline, drained, not vm_capable and not master_capable nodes, all templates."""
    c = Cluster(rng)
    g = c.group("default")
    for k in range(rng.choice([2, 3, 4, 5])):
        c.node(f"node{k + 1}", g, mem=rng.choice([4096, 8192]), disk=rng.choice([0, 102400]),
               offline=rng.random() < 0.25, drained=rng.random() < 0.25,
               vm_capable=rng.random() > 0.25, master_capable=rng.random() > 0.3)
    existing = populate(rng, c, ["drbd", "plain", "diskless", "file", "sharedfile", "rbd"],
                        per_node=(0, 1, 2))
    # Instances on nodes turned offline or not vm_capable afterwards.
    for name in list(c.nodes):
        if rng.random() < 0.2:
            c.nodes[name]["offline"] = True

    def make_new(name):
        t = rng.choice(["drbd", "plain", "diskless", "file", "rbd"])
        return c.new_instance(name, t, mem=rng.choice([256, 1024]),
                              sizes=[] if t == "diskless" else [1024])

    kind = rng.choice(KINDS)
    return c.document(request_for(rng, c, kind, make_new, existing)), options(rng)


def sc_groups(rng):
    """Several groups: allocation policies, their own policies, networks, named requests."""
    c = Cluster(rng)
    gs = []
    for k in range(rng.choice([2, 3, 4])):
        ipol = default_ipolicy(rng.sample(ALL_TEMPLATES, rng.randint(2, 9)))
        if rng.random() < 0.4:
            ipol["minmax"][0]["max"]["memory-size"] = rng.choice([1024, 2048])
        if rng.random() < 0.2:
            ipol["vcpu-ratio"] = 1.0
        gs.append(c.group(f"grp{k + 1}",
                          policy=rng.choice(["preferred", "last_resort", "unallocable"]),
                          ipolicy=ipol, networks=["net-a"] if rng.random() < 0.4 else []))
    for k in range(rng.choice([2, 4, 6, 8])):
        c.node(f"node{k + 1}", rng.choice(gs), mem=rng.choice([4096, 8192, 16384]),
               disk=rng.choice([51200, 102400, 409600]), cpus=rng.choice([2, 4, 8]))
    existing = populate(rng, c, ["drbd", "plain", "diskless", "file"], per_node=(0, 1, 2))

    def make_new(name):
        t = rng.choice(["drbd", "plain", "diskless", "file", "sharedfile"])
        group = None
        if rng.random() < 0.3:
            gu = rng.choice(gs)
            group = rng.choice([gu, c.groups[gu]["name"]])
        return c.new_instance(name, t, mem=rng.choice([256, 1024, 4096]),
                              sizes=[] if t == "diskless" else [rng.choice([1024, 4096])],
                              vcpus=rng.choice([1, 2, 4]), group=group,
                              network="net-a" if rng.random() < 0.2 else None)

    kind = rng.choice(KINDS + ["change-group"] * 2)
    return c.document(request_for(rng, c, kind, make_new, existing)), options(rng)


def sc_odd_instances(rng):
    """Odd new instances: disks of size 0, spindle_use 0, many disks, totals not matching."""
    c = Cluster(rng)
    g = c.group("default", ipolicy=default_ipolicy() if rng.random() < 0.5 else
                {**default_ipolicy(), "minmax": [{"min": ispec(16, 0, 0, 1, 0),
                                                  "max": ispec(65536, 32, 2097152, 32, 32, 8)}]})
    for k in range(rng.choice([2, 3, 4])):
        c.node(f"node{k + 1}", g, mem=8192, disk=rng.choice([0, 10240, 102400]),
               spindles=rng.choice([0, 2, 12]), exclusive=rng.random() < 0.2,
               cpus=rng.choice([1, 4]), rcpus=rng.choice([0, 1]))
    existing = populate(rng, c, ["drbd", "plain", "diskless"], per_node=(0, 1))

    def make_new(name):
        t = rng.choice(ALL_TEMPLATES)
        n = rng.choice([0, 1, 1, 2, 17])
        sizes = [rng.choice([0, 0, 1024, 10240]) for _ in range(n)]
        return c.new_instance(name, t, mem=rng.choice([0, 64, 128, 512]), sizes=sizes,
                              vcpus=rng.choice([0, 1, 9]), spindle_use=rng.choice([0, 1, 13]),
                              spindles=rng.choice([None, 0, 1]) if sizes else None,
                              total=rng.choice([None, None, 0, 999999]))

    kind = rng.choice(KINDS)
    return c.document(request_for(rng, c, kind, make_new, existing)), options(rng)


def sc_large_group(rng):
    """DRBD placements on a group of more than 100 nodes (over 10,000 pairs), often equal ones."""
    c = Cluster(rng)
    g = c.group("default")
    if rng.random() < 0.3:
        small = c.group("small", policy=rng.choice(["preferred", "last_resort"]))
        for k in range(rng.choice([2, 3])):
            c.node(f"small{k + 1}", small, mem=16384, disk=409600)
    equal = rng.random() < 0.4
    for k in range(rng.randint(101, 130)):
        c.node(f"node{k + 1:03d}", g, mem=16384 if equal else rng.choice([8192, 16384, 32768]),
               reserved=1024, disk=409600 if equal else rng.choice([204800, 409600]),
               cpus=8, drained=not equal and rng.random() < 0.02)
    existing = populate(rng, c, ["drbd", "drbd", "plain", "diskless"],
                        per_node=(0,) if equal and rng.random() < 0.5 else (0, 1, 2),
                        mems=(1024, 2048), sizes=(10240, 20480))

    def make_new(name):
        return c.new_instance(name, "drbd", mem=rng.choice([1024, 4096]),
                              sizes=[rng.choice([10240, 51200])])

    kind = rng.choice(["allocate", "allocate", "multi-allocate"])
    req = request_for(rng, c, kind, make_new, existing)
    if kind == "multi-allocate":
        req["instances"] = req["instances"][:2]
    # With the capacity check Ganeti's hail takes minutes on such groups.
    return c.document(req), ["--no-capacity-checks"]


SCENARIOS = {
    "zero_disk": sc_zero_disk,
    "tight_memory": sc_tight_memory,
    "exclusive": sc_exclusive,
    "fill": sc_fill,
    "moves": sc_moves,
    "tags": sc_tags,
    "node_flags": sc_node_flags,
    "groups": sc_groups,
    "odd_instances": sc_odd_instances,
}
# Rarer (Ganeti's hail takes about half a second on each): every 40th case.
LARGE = {"large_group": sc_large_group}
ALL_SCENARIOS = {**SCENARIOS, **LARGE}


def options(rng, capacity=0.7):
    """hail's options: by default (with capacity checks) in `capacity` of the cases."""
    return rng.choices([[], ["--no-capacity-checks"], ["--ignore-soft-errors"]],
                       [capacity, 0.85 - capacity, 0.15])[0]


def gen_case(seed, index, scenario=None):
    rng = random.Random(f"adversarial-{seed}-{index}")
    name = scenario or ("large_group" if index % 40 == 39
                        else list(SCENARIOS)[index % len(SCENARIOS)])
    doc, opts = ALL_SCENARIOS[name](rng)
    return name, doc, opts


def compare_text(herd_hail, text, opts, where):
    """None when both hails answer `text` alike, else the difference. Ganeti's
    hail loops on some degenerate policies (a minimal spec taking no
    resources): such a request has no answer to compare with."""
    return hail_answer_difference(herd_hail, text, opts, where, TIMEOUT, ganeti_may_loop=True)


def compare(herd_hail, seed, index, scenario=None):
    name, doc, opts = gen_case(seed, index, scenario)
    where = (f"case {index} of seed {seed} ({name}, options {opts}, "
             f"request {doc['request']['type']})")
    return compare_text(herd_hail, json.dumps(doc, indent=1), opts, where)


def compare_all(herd_hail, seed, count, scenario=None):
    return hail_differences(lambda i: compare(herd_hail, seed, i, scenario), count)


def test_adversarial_requests():
    require(GANETI_HAIL, "ganeti-htools-3.0")
    differences = compare_all(BIN / "hail", SEED, COUNT)
    assert_hails_agree(differences, COUNT, SEED, "adversarial", "test_hail_adversarial.py")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--scenario", choices=sorted(ALL_SCENARIOS),
                        help="only this scenario (default: all in turn)")
    parser.add_argument("--case", type=int, help="print this case's request (options on stderr)")
    parser.add_argument("--out", type=pathlib.Path, help="write the requests to this directory")
    parser.add_argument("--compare", action="store_true",
                        help="compare the hails, print the differences")
    parser.add_argument("--hail", type=pathlib.Path, default=BIN / "hail",
                        help="Herd's hail (default: the build's)")
    parser.add_argument("--files", type=pathlib.Path, nargs="*",
                        help="compare the hails on these request files instead")
    args = parser.parse_args()
    if args.files:
        differences = [d for d in (compare_text(args.hail, f.read_text(), [], str(f))
                                   for f in args.files) if d]
        print("\n\n".join(differences))
        print(f"{len(args.files) - len(differences)} of {len(args.files)} equal")
        return 1 if differences else 0
    if args.case is not None:
        name, doc, opts = gen_case(args.seed, args.case, args.scenario)
        print(name, " ".join(opts), file=sys.stderr)
        print(json.dumps(doc, indent=1))
        return 0
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for i in range(args.count):
            name, doc, opts = gen_case(args.seed, i, args.scenario)
            (args.out / f"case-{i:04d}-{name}.json").write_text(json.dumps(doc, indent=1))
            (args.out / f"case-{i:04d}-{name}.options").write_text(" ".join(opts) + "\n")
    if args.compare:
        differences = compare_all(args.hail, args.seed, args.count, args.scenario)
        print("\n\n".join(differences))
        print(f"{args.count - len(differences)} of {args.count} equal (seed {args.seed})")
        return 1 if differences else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
