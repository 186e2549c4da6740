#!/bin/bash
# kernel-watch.sh PID OUT: every 30 s while PID runs, appends to OUT the page cache's dirty and writeback
# pages and where PID's threads sleep in the kernel (wchan), so that a stalled run shows whether the
# kernel is what holds the server (e.g. dirty-page throttling).
pid=$1 out=$2
while kill -0 "$pid" 2>/dev/null; do
    {
        printf '%(%H:%M:%S)T ' -1
        grep -E '^(Dirty|Writeback):' /proc/meminfo | tr -s ' ' | tr '\n' ' '
        echo
        # read, a builtin: a `cat` per thread (a JVM has ~150) took 8-20% of the guest's CPU from the server
        # under test in every phase (perf, 2026-11-24); the file has no newline, so read's status is ignored.
        for f in /proc/"$pid"/task/*/wchan; do w=; read -r w <"$f" 2>/dev/null; printf '%s\n' "$w"; done |
            sort | uniq -c | sort -rn | head -n 8 | sed 's/^/   /'
    } >>"$out"
    sleep 30
done
