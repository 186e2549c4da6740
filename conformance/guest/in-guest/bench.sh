#!/bin/bash
# The kernel-client bench (issue 4), run inside the guest against each SERVER in turn, same boot:
#   bench.sh [SERVER...]      default: knfsd; the first server is the baseline of the ratios
# 1 GiB sequential write (dd bs=1M conv=fsync), cold sequential read (remount + drop caches), and
# 10,000 create / stat (cold) / unlink. Prints one table row per server, then ratios to the first.
# Knobs: BENCH_MIB (1024; 0 skips the sequential part), BENCH_FILES (10000), BENCH_ROUNDS (1: the
# metadata phases are run that many times in a row, each printed, the last in the table: a server
# that compiles its code as it runs, a JVM, is measured warm from round 2 on), BENCH_STREAM_ROUNDS (1: the
# write and cold read of the stream that many times, each printed, the last in the table), BENCH_STRIPES (the
# stream's file striped over that many targets where the server stripes; default: the server's default
# layout). BENCH_FILES=0 skips the metadata phases. Writes the table to
# ./bench.txt when run from a share, the RPCs each phase sent (per operation, from
# /proc/self/mountstats) to ./mountstats-SERVER.txt, and CPU snapshots at each phase's ends to ./cpu.txt
# (per process and thread: conformance/guest/cpu-report.py cpu.txt).
# BENCH_PERF="PHASE..." (write, read, create, stat, unlink; default none) profiles those phases of the last
# round with the guest's perf (every CPU, cpu-clock at BENCH_PERF_HZ, 997, with call chains) into
# perf-SERVER-PHASE.txt of the run directory: samples by thread, by binary and by symbol, kernel and user. With
# BENCH_PERF set, NACRE_JVM_OPTS gets -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit (perf names the JIT's
# code from the map the JVM writes at exit, so the reports are made after the server stopped) and
# -XX:+PreserveFramePointer (without it perf's call stacks stop at the first compiled frame); a
# NACRE_BASELINE_JVM_OPTS of its own needs them given.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BENCH_MIB=${BENCH_MIB:-1024}
BENCH_FILES=${BENCH_FILES:-10000}
BENCH_ROUNDS=${BENCH_ROUNDS:-1}
BENCH_STREAM_ROUNDS=${BENCH_STREAM_ROUNDS:-1}
servers=("$@")
((${#servers[@]})) || servers=(knfsd)

# secs COMMAND...: runs COMMAND and prints the seconds it took.
secs() {
    local t0
    t0=$(date +%s%N)
    "$@" >/dev/null || return 1
    awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

# rate AMOUNT SECONDS: AMOUNT per second; "-" for a phase not run (AMOUNT 0: BENCH_MIB or BENCH_FILES 0).
rate() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == 0) print "-"; else printf "%.1f\n", (b > 0 ? a / b : 0) }'; }

# op_counts: "OP count" for every NFS operation the client sent on $MNT since it was mounted.
op_counts() {
    awk -v mnt="$MNT" '$1 == "device" { on = ($5 == mnt); ops = 0 } on && /per-op statistics/ { ops = 1; next }
        on && ops && NF >= 9 && $1 ~ /:$/ { sub(/:$/, "", $1); print $1, $2 }' /proc/self/mountstats
}

# op_delta BEFORE AFTER N UNIT: the operations sent between two op_counts, and per UNIT (N of them).
op_delta() {
    awk -v n="$3" -v unit="$4" 'NR == FNR { b[$1] = $2; next }
        $2 - b[$1] > 0 { printf "  %-14s %7d %7.2f/%s\n", $1, $2 - b[$1], ($2 - b[$1]) / n, unit }' \
        <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

# log_rpcs SERVER TITLE BEFORE N UNIT: the RPCs sent since op_counts said BEFORE, in all and per UNIT (N of them),
# under TITLE, to the log and to mountstats-SERVER.txt.
log_rpcs() {
    { echo "$2, RPCs:"; op_delta "$3" "$(op_counts)" "$4" "$5"; } | tee -a "${STATS_DIR:-.}/mountstats-$1.txt" >&2
}

# cpu_snap LABEL: where the guest's CPU went so far (in-guest/cpusnap.py), into cpu.txt of the run directory;
# the host's cpu-report.py splits it by phase (from one snapshot to the next) and by process and thread.
cpu_snap() {
    [[ -n ${STATS_DIR:-} ]] || return 0
    python3 "$TOOLS/cpusnap.py" "$1" >>"$STATS_DIR/cpu.txt"
}

BENCH_PERF=${BENCH_PERF:-}
BENCH_PERF_HZ=${BENCH_PERF_HZ:-997}
if [[ -n $BENCH_PERF ]]; then
    export NACRE_JVM_OPTS="${NACRE_JVM_OPTS:-} -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer"
fi
perf_pid=

# perf_start SERVER PHASE LAST: starts perf on every CPU when PHASE is in BENCH_PERF and this is the last round
# (LAST: the number of the last round).
perf_start() {
    [[ -n $BENCH_PERF && " $BENCH_PERF " == *" $2 "* && $round == "$3" ]] || return 0
    command -v perf >/dev/null || { log "BENCH_PERF: no perf in this guest"; return 0; }
    # Started disabled and enabled through a control fifo, which it acknowledges once it records: under TCG perf
    # takes seconds to start (it reads every process's maps first), and a phase of a few seconds ended before it
    # had recorded anything (12 samples of a 10 s phase).
    local ctl=/tmp/perf-ctl.fifo ack=/tmp/perf-ack.fifo
    rm -f "$ctl" "$ack"; mkfifo "$ctl" "$ack"
    perf record -a -g -e cpu-clock -F "$BENCH_PERF_HZ" -D -1 --control "fifo:$ctl,$ack" -o "/tmp/perf-$1-$2.data" \
        >/dev/null 2>&1 &
    perf_pid=$!
    if ! timeout 300 bash -c "echo enable >$ctl && read -r _ <$ack"; then
        log "BENCH_PERF: perf did not start recording in 300 s"; kill -INT "$perf_pid"; wait "$perf_pid"; perf_pid=
    fi
}

perf_stop() {
    [[ -n $perf_pid ]] || return 0
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null
    perf_pid=
}

# perf_reports SERVER: the reports of the phases perf recorded against SERVER (after it stopped).
perf_reports() {
    local f out
    for f in /tmp/perf-"$1"-*.data; do
        [[ -e $f ]] || continue
        out=${STATS_DIR:-.}/$(basename "$f" .data).txt
        {
            echo "== by thread"; perf report -i "$f" --stdio --no-children -g none --sort comm --percent-limit 0.5 2>/dev/null | grep -v '^$'
            echo "== by thread and binary"; perf report -i "$f" --stdio --no-children -g none --sort comm,dso --percent-limit 0.5 2>/dev/null | grep -v '^$'
            echo "== by symbol"; perf report -i "$f" --stdio --no-children -g none --sort comm,dso,sym --percent-limit 0.2 2>/dev/null | grep -v '^$'
            echo "== callers (kernel and user, 2% and up)"; perf report -i "$f" --stdio --no-children -g caller,0.5,callee --sort comm,sym --percent-limit 2 2>/dev/null | grep -v '^$'
        } >"$out"
        # every sample's thread and stack, for folding on the host (conformance/guest/perf-fold.py)
        perf script -i "$f" -F comm,tid,ip,sym,dso 2>/dev/null | gzip -1 >"${out%.txt}.script.gz"
        rm -f "$f"
        log "perf report: $out"
    done
}

# meta_phase SERVER PHASE: runs one metadata phase, prints its seconds; the RPCs it sent go to the log
# and to mountstats-SERVER.txt.
meta_phase() {
    local before t
    before=$(op_counts)
    cpu_snap "$1-$2-$round"
    perf_start "$1" "$2" "$BENCH_ROUNDS"
    t=$(python3 "$TOOLS/nfsops.py" meta "$d/m" "$BENCH_FILES" "$2") || { perf_stop; return 1; }
    perf_stop
    cpu_snap "$1-between"
    log_rpcs "$1" "$1 $2 (round $round): $BENCH_FILES files in $t s" "$before" "$BENCH_FILES" file
    echo "$t"
}

# bench_one SERVER: prints "SERVER write_MBps read_MBps create/s stat/s unlink/s" on stdout and its
# progress on stderr (it runs inside $(...): nothing else may reach stdout).
bench_one() {
    exec 3>&1 1>&2
    local s=$1 w r c st u d mb ops
    mb=$(awk -v m="$BENCH_MIB" 'BEGIN { print m * 1.048576 }')
    load_server "$s"
    server_start && nfs_mount || { log "cannot start/mount $s"; return 1; }
    d=$MNT/bench.$$
    rm -rf "$d"; mkdir -p "$d"; sync
    if [[ -n ${BENCH_STRIPES:-} ]]; then
        server_setstripe "$d" "$BENCH_STRIPES" || { log "cannot stripe $d over $BENCH_STRIPES"; return 1; }
    fi
    local round
    if ((BENCH_MIB > 0)); then
        for ((round = 1; round <= BENCH_STREAM_ROUNDS; round++)); do
            log "  stream round $round/$BENCH_STREAM_ROUNDS: sequential write"
            cpu_snap "$s-write-$round"
            perf_start "$s" write "$BENCH_STREAM_ROUNDS"
            ops=$(op_counts)
            w=$(secs dd if=/dev/zero of="$d/seq" bs=1M count="$BENCH_MIB" conv=fsync status=none) || return 1
            perf_stop
            cpu_snap "$s-between"
            log_rpcs "$s" "$s write (round $round): $BENCH_MIB MiB" "$ops" "$BENCH_MIB" MiB
            nfs_remount_cold || return 1
            log "  cold sequential read"
            cpu_snap "$s-read-$round"
            perf_start "$s" read "$BENCH_STREAM_ROUNDS"
            ops=$(op_counts)
            r=$(secs dd if="$d/seq" of=/dev/null bs=1M status=none) || return 1
            perf_stop
            cpu_snap "$s-between"
            log_rpcs "$s" "$s read (round $round): $BENCH_MIB MiB" "$ops" "$BENCH_MIB" MiB
            rm -f "$d/seq"
            log "  stream round $round: write $(rate "$mb" "$w") MB/s, read $(rate "$mb" "$r") MB/s"
        done
    else
        w=0 r=0 mb=0
    fi
    c=0 st=0 u=0
    for ((round = 1; BENCH_FILES > 0 && round <= BENCH_ROUNDS; round++)); do
        mkdir -p "$d/m"
        log "  round $round/$BENCH_ROUNDS: create, stat, unlink $BENCH_FILES files"
        c=$(meta_phase "$s" create) || return 1
        nfs_remount_cold || return 1
        st=$(meta_phase "$s" stat) || return 1
        u=$(meta_phase "$s" unlink) || return 1
        log "  round $round: create $(rate "$BENCH_FILES" "$c")/s, stat $(rate "$BENCH_FILES" "$st")/s, unlink $(rate "$BENCH_FILES" "$u")/s"
        rmdir "$d/m"
    done
    rm -rf "$d"
    nfs_umount; server_stop
    perf_reports "$s"
    printf '%s %s %s %s %s %s\n' >&3 "$s" "$(rate "$mb" "$w")" "$(rate "$mb" "$r")" \
        "$(rate "$BENCH_FILES" "$c")" "$(rate "$BENCH_FILES" "$st")" "$(rate "$BENCH_FILES" "$u")"
}

[[ -d /mnt/host/.nacre ]] && STATS_DIR=/mnt/host && rm -f /mnt/host/mountstats-*.txt /mnt/host/cpu.txt
cs=/sys/devices/system/clocksource/clocksource0
log "guest: $(nproc) CPUs, clocksource $(cat $cs/current_clocksource 2>/dev/null) (available: $(cat $cs/available_clocksource 2>/dev/null))"
rows=()
for s in "${servers[@]}"; do
    log "bench against $s: ${BENCH_MIB} MiB sequential, ${BENCH_FILES} files"
    row=$(bench_one "$s") || { log "bench against $s failed"; exit 1; }
    rows+=("$row")
done

table=$(
    printf '%-22s %12s %12s %10s %10s %10s\n' server 'write MB/s' 'read MB/s' 'create/s' 'stat/s' 'unlink/s'
    for row in "${rows[@]}"; do printf '%-22s %12s %12s %10s %10s %10s\n' $row; done
    for row in "${rows[@]:1}"; do
        printf '%s\n%s\n' "${rows[0]}" "$row" | awk 'NR == 1 { for (i = 2; i <= 6; i++) b[i] = $i; base = $1; next }
            { printf "%-22s %12s %12s %10s %10s %10s\n", $1 "/" base, r(2), r(3), r(4), r(5), r(6) }
            function r(i) { return b[i] == "-" || $i == "-" ? "-" : sprintf("%.2fx", b[i] > 0 ? $i / b[i] : 0) }'
    done
)
printf 'BENCH (guest kernel %s, %s MiB sequential, %s files, dd bs=1M)\n%s\n' "$(uname -r)" "$BENCH_MIB" "$BENCH_FILES" "$table"
[[ -d /mnt/host/.nacre ]] && printf '%s\n' "$table" >/mnt/host/bench.txt
exit 0
