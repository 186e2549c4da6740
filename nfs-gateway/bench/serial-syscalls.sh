#!/bin/bash
# Counts what one serial NFS operation costs `nacre up` in system calls, context switches, wake-ups and page
# faults, per thread: starts `nacre up` from a distribution, drives it from another JVM (SerialOpsDriver, the
# kernel bench's compounds, one at a time) and attaches perf to the server's process for each measured phase only.
#
#   nfs-gateway/bench/serial-syscalls.sh DIST OUT [FILES] [WARMUP] [ROUNDS]
#
# DIST: a built distribution (appliance-image/target/nacre-dist); the driver's classes come from
# nfs-gateway/target/test-classes beside this script. OUT gets, per measured
# round and phase: <round>-<phase>.trace (perf trace -s: system calls by thread), .stat (perf stat --per-thread:
# sched_switch, sched_wakeup and page faults by thread), .proc-before/.proc-after (/proc's context switches and
# CPU ticks by thread), .done (the driver's latency), threads.txt (thread id -> Java thread name),
# and idle.* (the same tools over 10 s without operations: the server's timers). .window: when perf was attached.
# Needs perf (Debian's linux-perf) and root or perf_event_paranoid <= 1 for the tracepoints. 127.0.0.1 only.
# Then: nfs-gateway/bench/serial-syscalls-table.py OUT FILES [ROUND] prints the per-operation table by thread role.
# Build first: ./mvnw -B -q -pl appliance-image -am package -DskipTests (the distribution and the test classes).
set -euo pipefail
dist=$(cd "$1" && pwd); out=$2; files=${3:-2000}; warmup=${4:-2}; rounds=${5:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"; out=$(cd "$out" && pwd)
data=$(mktemp -d /tmp/serial-syscalls.XXXXXX); sync=$data/sync; mkdir -p "$sync"
port() { echo $((20000 + RANDOM % 20000)); }
NACRE_JIT=${NACRE_JIT:-c1} "$dist/bin/nacre" up --data "$data/nacre" --nfs-port 0 --s3-port "$(port)" \
    --admin-port "$(port)" >"$out/nacre-up.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 600); do grep -q '^  NFS ' "$out/nacre-up.log" && break; sleep 0.2; done
nfs=$(sed -n 's/^  NFS *\([0-9.]*:[0-9]*\) .*/\1/p' "$out/nacre-up.log")
[ -n "$nfs" ] || { echo "nacre up did not start:"; cat "$out/nacre-up.log"; exit 1; }
pid=$(pgrep -P "$server" java || echo "$server")
echo "nacre up pid $pid, NFS at $nfs"
events=sched:sched_switch,sched:sched_wakeup,minor-faults,major-faults
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
# NfsTestClient checks replies with AssertJ (a test dependency, not in the distribution)
assertj=$(find "${HOME}/.m2/repository/org/assertj/assertj-core" -name 'assertj-core-*.jar' | sort | tail -n 1)
"$java" -XX:TieredStopAtLevel=1 -cp "$here/target/test-classes:$dist/lib/*:$assertj" io.nacre.nfs.v41.SerialOpsDriver \
    "$nfs" "$files" "$warmup" "$rounds" "$sync" >"$out/driver.log" 2>&1 &
driver=$!
proc() { # tid comm voluntary nonvoluntary utime stime minflt
    for t in /proc/"$pid"/task/*; do
        tid=${t##*/}
        { read -r v; read -r n; } < <(sed -n 's/^\(nonvoluntary\|voluntary\)_ctxt_switches:\s*//p' "$t/status" 2>/dev/null) || continue
        # fields after the comm's closing parenthesis: state is 3, minflt 10, utime 14, stime 15
        s=$(sed 's/.*) //' "$t/stat" 2>/dev/null) || continue
        set -- $s
        echo "$tid $(tr ' ' '_' <"$t/comm") $v $n ${12} ${13} ${8}"
    done
}
for r in $(seq 0 $((rounds - 1))); do
    for phase in create stat unlink; do
        name=$r-$phase
        while [ ! -e "$sync/$name.ready" ]; do
            kill -0 "$driver" 2>/dev/null || { echo "driver ended:"; cat "$out/driver.log"; exit 1; }
            sleep 0.1
        done
        if [ "$name" = 0-create ]; then # warmed up: the idle server's timers, to tell them from the operations'
            perf trace -s -p "$pid" -o "$out/idle.trace" >/dev/null 2>&1 & tracer=$!
            perf stat --per-thread -e "$events" -p "$pid" -o "$out/idle.stat" >/dev/null 2>&1 & stat=$!
            t0=$(date +%s.%N); sleep 10; kill -INT "$tracer" "$stat"; wait "$tracer" "$stat" || true
            echo "$t0 $(date +%s.%N)" >"$out/idle.window"
        fi
        t0=$(date +%s.%N)
        perf trace -s -p "$pid" -o "$out/$name.trace" >/dev/null 2>&1 & tracer=$!
        perf stat --per-thread -e "$events" -p "$pid" -o "$out/$name.stat" >/dev/null 2>&1 & stat=$!
        sleep 2 # attached (perf prints nothing when it is)
        proc >"$out/$name.proc-before"
        touch "$sync/$name.go"
        while [ ! -e "$sync/$name.done" ]; do sleep 0.05; done
        proc >"$out/$name.proc-after"
        kill -INT "$tracer" "$stat"; wait "$tracer" "$stat" || true
        echo "$t0 $(date +%s.%N)" >"$out/$name.window"
        cat "$sync/$name.done" | tee "$out/$name.done"
    done
done
wait "$driver"
"${JAVA_HOME:+$JAVA_HOME/bin/}jcmd" "$pid" Thread.print 2>/dev/null | sed -n 's/^"\([^"]*\)".* nid=\(0x[0-9a-f]*\|[0-9]*\).*/\2 \1/p' |
    while read -r nid n; do echo "$((nid)) $n"; done >"$out/threads.txt"
