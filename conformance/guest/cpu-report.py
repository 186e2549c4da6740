#!/usr/bin/env python3
"""cpu-report.py CPU-FILE [TOP]: where the guest's CPU went in each phase of a bench run.

CPU-FILE is what in-guest/cpusnap.py appended at the phase boundaries (bench.sh writes cpu-SERVER.txt
into the run directory). For each phase (from one snapshot to the next, named by the first) it prints
the machine's CPU split from /proc/stat, then the processes and the thread groups (digits in names
collapsed, so nfs-worker-12 and nfs-worker-40 count together) that used the most, in per cent of one
vCPU over the phase's wall time, user + system, each with its minor page faults per second (under TCG a
fault costs tens of microseconds of system time: a thread that faults much pays for it there).
"""
import collections
import re
import sys

HZ = 100  # USER_HZ of the guest's kernel (Debian: 100)


def snapshots(path):
    snap = None
    for line in open(path):
        if line.startswith("== "):
            if snap:
                yield snap
            parts = line.split()
            snap = {"label": parts[1], "t": float(parts[2]), "cpu": [int(x) for x in parts[3:10]], "tasks": {}}
        elif snap and line.strip():
            u, s, flt, pid, tid, name = line.rstrip("\n").split(" ", 5)
            snap["tasks"][(pid, tid)] = (int(u), int(s), int(flt), name)
    if snap:
        yield snap


def group(name):
    return re.sub(r"\d+", "N", name)


def report(path, top):
    snaps = list(snapshots(path))
    for a, b in zip(snaps, snaps[1:]):
        wall = b["t"] - a["t"]
        if wall <= 0:
            continue
        d = [y - x for x, y in zip(a["cpu"], b["cpu"])]
        total = sum(d) or 1
        names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq"]
        print(f"== {a['label']}: {wall:.1f} s; machine " + ", ".join(f"{n} {100 * v / total:.0f}%" for n, v in zip(names, d) if v))
        procs, threads, faults = collections.Counter(), collections.Counter(), collections.Counter()
        for key, (u, s, flt, name) in b["tasks"].items():
            u0, s0, flt0, _ = a["tasks"].get(key, (0, 0, 0, name))
            du, ds = u - u0, s - s0
            if du + ds <= 0:
                continue
            if key[1] == "0":
                procs[f"{name} [{key[0]}]"] += (du + ds)
            else:
                threads[group(name) + " user"] += du
                threads[group(name) + " sys"] += ds
                faults[group(name) + " sys"] += flt - flt0
        scale = 100.0 / (HZ * wall)
        print("   processes (% of one vCPU): " + ", ".join(f"{n} {v * scale:.0f}" for n, v in procs.most_common(top)))
        for n, v in threads.most_common(top):
            if v:
                flt = f"  ({faults[n] / wall:.0f} faults/s)" if n in faults else ""
                print(f"   {v * scale:6.1f}  {n}{flt}")


if __name__ == "__main__":
    report(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15)
