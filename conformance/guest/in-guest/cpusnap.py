#!/usr/bin/env python3
"""cpusnap.py LABEL: one snapshot of where the guest's CPU time went, for cpu-report.py on the host.

Prints a line '== LABEL SECONDS user nice system idle iowait irq softirq' (the clock and /proc/stat's
machine-wide ticks), then 'ticks-user ticks-system minor-faults pid tid name' for every thread of every process that
has used CPU (user-space servers, knfsd's kernel threads, the client's processes and kworkers alike),
and the same for each process as a whole with tid 0 (it keeps the time of its threads that have ended).
Thread names keep their digits here; the report groups them.
"""
import os
import sys
import time


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else "snapshot"
    with open("/proc/stat") as f:
        cpu = f.readline().split()[1:8]
    out = [f"== {label} {time.monotonic():.3f} {' '.join(cpu)}"]
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in ["0"] + tids:
            try:
                with open(f"/proc/{pid}/stat" if tid == "0" else f"/proc/{pid}/task/{tid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            # the name is between the first '(' and the last ')': it may hold spaces and parentheses
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            minflt, utime, stime = int(fields[7]), int(fields[11]), int(fields[12])
            if utime + stime:
                out.append(f"{utime} {stime} {minflt} {pid} {tid} {name}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
