#!/bin/bash
# kernel-watch.sh PID OUT: every 30 s while PID runs, appends to OUT the page cache's dirty and writeback
# pages and where PID's threads sleep in the kernel (wchan), so that a stalled run shows whether the
# kernel is what holds the server (e.g. dirty-page throttling).
# Bash builtins only (but the sleep): it runs beside the server under test, which knfsd's runs do not have.
# Its first version forked a cat per thread (a JVM has ~150) and a pipeline of six programs every 30 s:
# perf in the guest (2026-11-24) found those processes taking 8-20% of the guest's CPU in every phase.
pid=$1 out=$2
while kill -0 "$pid" 2>/dev/null; do
    printf -v line '%(%H:%M:%S)T' -1
    while read -r key value unit; do
        [[ $key == Dirty: || $key == Writeback: ]] && line+=" $key $value $unit"
    done </proc/meminfo
    declare -A count=()
    for f in /proc/"$pid"/task/*/wchan; do
        w=
        read -r w <"$f" 2>/dev/null # no newline at its end: read's status is not the point
        count[${w:-?}]=$((${count[${w:-?}]:-0} + 1))
    done
    {
        printf '%s\n' "$line"
        # the eight most frequent, most first (selection: a few dozen distinct values at most)
        for ((i = 0; i < 8 && ${#count[@]} > 0; i++)); do
            best= n=0
            for w in "${!count[@]}"; do ((count[$w] > n)) && best=$w n=${count[$w]}; done
            printf '   %7d %s\n' "$n" "$best"
            unset "count[$best]"
        done
    } >>"$out"
    unset count
    sleep 30
done
