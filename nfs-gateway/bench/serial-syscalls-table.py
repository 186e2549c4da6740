#!/usr/bin/env python3
"""Per-operation table from serial-syscalls.sh's output: system calls by kind, context switches, wake-ups given
and page faults, per thread role of `nacre up`, divided by the phase's operation count.

    serial-syscalls-table.py OUT FILES [ROUND]
"""
import collections
import re
import sys

out, files = sys.argv[1], int(sys.argv[2])
rnd = sys.argv[3] if len(sys.argv) > 3 else "0"

names = {}
try:
    for line in open(f"{out}/threads.txt"):
        tid, name = line.rstrip("\n").split(" ", 1)
        names[int(tid)] = name
except FileNotFoundError:
    pass

ROLES = [
    ("SegmentedRaftLogWorker", "raft log worker"),
    ("StateMachineUpdater", "sm updater"),
    ("LeaderStateImpl", "leader events"),
    ("nacre-nfs", "nfs selector"),
    ("nfs-worker", "nfs worker"),
    ("destroyer", "destroyer"),
    ("checkpoint", "ost checkpoint"),
    ("ForkJoinPool", "fj/carriers"),
    ("grpc", "grpc"),
    ("Compiler", "jit"),
    ("GC", "gc"),
    ("G1", "gc"),
    ("VM ", "vm"),
]


def role(tid, comm):
    n = names.get(tid, comm)
    for key, r in ROLES:
        if key in n:
            return r
    return "other:" + re.sub(r"\d+", "#", n)[:28]


def window(phase):
    try:
        a, b = open(f"{out}/{phase}.window").read().split()
        return float(b) - float(a)
    except FileNotFoundError:
        return 0.0


def lines_of(path):
    """The lines of a file the run wrote, none when that phase left none."""
    try:
        return open(path).read().splitlines()
    except FileNotFoundError:
        return []


def trace(phase):
    """perf trace -s: {(role): Counter(syscall -> calls)}"""
    res = collections.defaultdict(collections.Counter)
    cur = None
    for line in lines_of(f"{out}/{phase}.trace"):
        m = re.match(r"^ (.+) \((\d+)\), \d+ events", line)
        if m:
            cur = role(int(m.group(2)), m.group(1))
            continue
        m = re.match(r"^\s+(\w+)\s+(\d+)\s+\d+\s+[\d.]+", line)
        if m and cur:
            res[cur][m.group(1)] += int(m.group(2))
    return res


def stat(phase):
    res = collections.defaultdict(collections.Counter)
    for line in lines_of(f"{out}/{phase}.stat"):
        m = re.match(r"^\s*(.+)-(\d+)\s+([\d,]+)\s+(\S+)", line)
        if m:
            res[role(int(m.group(2)), m.group(1))][m.group(4)] += int(m.group(3).replace(",", ""))
    return res


def proc(phase):
    def load(which):
        d = {}
        for line in open(f"{out}/{rnd}-{phase}.proc-{which}"):
            f = line.split()
            d[int(f[0])] = (f[1], [int(x) for x in f[2:]])
        return d
    b, a = load("before"), load("after")
    res = collections.defaultdict(lambda: [0] * 5)
    for tid, (comm, v) in a.items():
        v0 = b.get(tid, (comm, [0] * 5))[1]
        r = role(tid, comm)
        for i in range(5):
            res[r][i] += v[i] - v0[i]
    return res


def less(a, b, scale):
    """a - b * scale, per role and key, never below 0"""
    res = collections.defaultdict(collections.Counter)
    for r in a:
        for k, v in a[r].items():
            res[r][k] = max(0, v - b[r][k] * scale)
    return res


idle_t, idle_s, idle_w = trace("idle"), stat("idle"), window("idle")
if idle_w:
    print(f"idle server, per second ({idle_w:.1f} s): syscalls "
          + ", ".join(f"{r} {sum(c.values()) / idle_w:.1f}" for r, c in
                      sorted(idle_t.items(), key=lambda x: -sum(x[1].values())) if sum(c.values()) / idle_w >= 0.5)
          + "; wake-ups given " + ", ".join(f"{r} {c['sched:sched_wakeup'] / idle_w:.1f}" for r, c in
                      sorted(idle_s.items(), key=lambda x: -x[1]['sched:sched_wakeup']) if c['sched:sched_wakeup'] / idle_w >= 0.5))
for phase in ("create", "stat", "unlink"):
    w = window(f"{rnd}-{phase}")
    scale = w / idle_w if idle_w else 0.0
    t = less(trace(f"{rnd}-{phase}"), idle_t, scale)
    s = less(stat(f"{rnd}-{phase}"), idle_s, scale)
    p = proc(phase)
    try:
        done = open(f"{out}/{rnd}-{phase}.done").read().strip()
    except FileNotFoundError:
        continue
    print(f"\n== {phase}: {done}; per operation ({files}), less the idle rate over the {w:.1f} s attached"
          " (perf columns; the /proc columns vol.sw, invol, cpu are raw, over the operations only)")
    roles = sorted(set(t) | set(s) | set(p), key=lambda r: -sum(t[r].values()))
    tot = collections.Counter()
    print(f"{'role':34s} {'vol.sw':>7s} {'invol':>6s} {'wakes':>6s} {'minflt':>6s} {'cpu ms':>6s}  syscalls")
    for r in roles:
        sc = t[r]
        if not sc and not p[r][0]:
            continue
        tot.update(sc)
        calls = " ".join(f"{k} {v / files:.2f}" for k, v in sc.most_common() if v / files >= 0.005)
        wak = s[r]["sched:sched_wakeup"] / files
        flt = s[r]["minor-faults"] / files
        pv = p[r]
        print(f"{r:34s} {pv[0] / files:7.2f} {pv[1] / files:6.2f} {wak:6.2f} {flt:6.2f} {(pv[2] + pv[3]) * 10 / files:6.3f}  "
              f"{sum(sc.values()) / files:.2f}: {calls}")
    print(f"{'all':34s} {'':7s} {'':6s} {'':6s} {'':6s} {'':6s}  {sum(tot.values()) / files:.2f}: "
          + " ".join(f"{k} {v / files:.2f}" for k, v in tot.most_common() if v / files >= 0.005))
