#!/bin/bash
# pNFS bench in the guest (issue 5): sequential write (dd bs=1M conv=fsync of zeros) and cold read of MIB
# MiB with stripe count 1 and 4 against knfsd (ext4), Nacre without pNFS (`nacre up`, the MDS does the
# I/O) and Nacre with pNFS (the nacre-pnfs adapter: the MDS node and OSS_NODES OSS processes, each with
# its data server); then every OST throttled to B bytes/s (OSS nodes restarted with --ost-bandwidth) and
# SCALE_MIB MiB per stripe written and read with stripe count 1, 2, 4, 8: aggregate MB/s against N*B.
# Knobs: MIB (256), B (1M), SCALE_MIB (64), OSS_NODES (2), OSTS_PER_NODE (4), SKIP_PLAIN=1 (no knfsd /
# Nacre-without-pNFS rows), SKIP_SCALE=1 (no throttled scaling), ROUNDS (1: each streaming row's write and read
# that many times in a row, the last in the table: a JVM is measured warm from the second on),
# NFS_READ_AHEAD_KB (16384 here, for every server alike: the kernel's 128 KiB keeps one 1 MiB stripe unit at
# most in flight, so a cold read could never use more than one stripe's server).
# After the OSS nodes restart throttled, one unmeasured pass over every stripe count warms their JVMs (under
# TCG a cold JVM's first requests are many times slower). The tables are printed and left in
# /mnt/host/pnfs-bench.txt; for each throttled phase, how a write's time split between dd and its fsync, the
# operations it sent with their mean queue/round-trip/execution times (pnfs-bench-ops.txt) and CPU snapshots of
# every thread (pnfs-bench-cpu.txt, for cpu-report.py).
set -uo pipefail
export NFS_READ_AHEAD_KB=${NFS_READ_AHEAD_KB:-16384}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MIB=${MIB:-256}
B=${B:-1M}
SCALE_MIB=${SCALE_MIB:-64}
ROUNDS=${ROUNDS:-1}
export OSS_NODES=${OSS_NODES:-2} OSTS_PER_NODE=${OSTS_PER_NODE:-4}
rows=() scale=()

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", n / (b - a) }'; }

# op_times: "OP ops queue_ms rtt_ms execute_ms" (totals since the mount) for the operations the client sent on
# $MNT; the data servers' READ/WRITE/COMMIT count here too (the files layout books them on the MDS mount).
op_times() {
    awk -v m=" $MNT " 'index($0, "device ") == 1 { on = index($0, m) > 0; ops = 0 }
        on && /per-op statistics/ { ops = 1; next }
        on && ops && NF >= 9 && $1 ~ /:$/ && $2 > 0 { sub(/:$/, "", $1); print $1, $2, $7, $8, $9 }' /proc/self/mountstats
}

# op_report LABEL BEFORE AFTER: per operation sent between two op_times, its count and mean queue, round-trip and
# execution times (ms), on stderr and in the run directory's pnfs-bench-ops.txt.
op_report() {
    awk -v l="$1" 'NR == FNR { n[$1] = $2; q[$1] = $3; r[$1] = $4; e[$1] = $5; next }
        $2 - n[$1] > 0 { d = $2 - n[$1]
            printf "  %s %-13s %6d  queue %8.1f  rtt %8.1f  exec %8.1f ms\n", l, $1, d, ($3 - q[$1]) / d, ($4 - r[$1]) / d, ($5 - e[$1]) / d }' \
        <(printf '%s\n' "$2") <(printf '%s\n' "$3") | { if [[ -n ${STATS_DIR:-} ]]; then tee -a "$STATS_DIR/pnfs-bench-ops.txt"; else cat; fi; } >&2
}

# snap LABEL: the guest's CPU per thread now (cpu-report.py reads pnfs-bench-cpu.txt on the host)
snap() {
    [[ -n ${STATS_DIR:-} ]] && python3 "$TOOLS/cpusnap.py" "$1" >>"$STATS_DIR/pnfs-bench-cpu.txt"
    return 0
}

# stream FILE MIB [LABEL]: prints "WRITE_MBPS READ_MBPS" (read after a cold remount); with LABEL, how the write's
# time split between dd's writes and its fsync, the operations each phase sent, and CPU snapshots.
stream() {
    local f=$1 n=$2 l=${3:-} t0 t1 t2 w r o1 o2
    [[ -n $l ]] && o1=$(op_times) && snap "$l-write"
    t0=$(now)
    dd if=/dev/zero of="$f" bs=1M count="$n" status=none || return 1
    t1=$(now)
    sync "$f" || return 1
    t2=$(now)
    w=$(rate "$n" "$t0" "$t2")
    if [[ -n $l ]]; then
        snap "$l-between"
        o2=$(op_times)
        log "  $l write: dd $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, fsync $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s; $(uptime)" >&2
        op_report "$l-write" "$o1" "$o2"
    fi
    nfs_remount_cold || return 1
    [[ -n $l ]] && o1=$(op_times) && snap "$l-read"
    t0=$(now)
    cat "$f" >/dev/null || return 1
    t1=$(now)
    r=$(rate "$n" "$t0" "$t1")
    if [[ -n $l ]]; then
        snap "$l-after"
        o2=$(op_times)
        log "  $l read: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s; $(uptime)" >&2
        op_report "$l-read" "$o1" "$o2"
    fi
    rm -f "$f"
    echo "$w $r"
}

# run SERVER PNFS: the streaming rows of one server, stripe count 1 and 4
run() {
    local s=$1 pnfs=$2 c r res
    load_server "$s"
    server_start && nfs_mount || { log "cannot start/mount $s"; return 1; }
    for c in 1 4; do
        mkdir -p "$MNT/s$c"
        server_setstripe "$MNT/s$c" "$c" || log "setstripe $c failed on $s"
    done
    for c in 1 4; do
        for ((r = 1; r <= ROUNDS; r++)); do
            res=$(stream "$MNT/s$c/f" "$MIB") || { log "$s stripes=$c failed"; res=; break; }
            log "  $s stripes=$c pnfs=$pnfs round $r/$ROUNDS: write/read MB/s $res"
        done
        [[ -n $res ]] && rows+=("$(printf '%-12s %7s %5s %12s %12s' "$s" "$c" "$pnfs" $res)")
    done
    if [[ $s == nacre-pnfs && ${SKIP_SCALE:-0} != 1 ]]; then
        scaling
    fi
    nfs_umount
    server_stop
}

scaling() {
    local i n res b
    b=$(numfmt --from=iec "$B")
    for n in 1 2 4 8; do
        mkdir -p "$MNT/scale$n"
        server_setstripe "$MNT/scale$n" "$n" || log "setstripe $n failed"
    done
    nfs_umount
    for ((i = 0; i < OSS_NODES; i++)); do oss_stop "$i"; done
    OSS_BANDWIDTH=$B
    for ((i = 0; i < OSS_NODES; i++)); do oss_start "$i"; done
    for ((i = 0; i < OSS_NODES; i++)); do oss_wait "$i" "$NACRE_START_SECONDS" || return 1; done
    nfs_mount || return 1
    for n in 1 2 4 8; do
        stream "$MNT/scale$n/warm" "$n" >/dev/null || log "warm-up of $n stripes failed"
    done
    for n in 1 2 4 8; do
        res=$(stream "$MNT/scale$n/f" $((n * SCALE_MIB)) "scale$n") || { log "scale $n failed"; continue; }
        log "  throttled B=$B stripes=$n: write/read MB/s $res"
        scale+=("$(awk -v n="$n" -v b="$b" -v w="${res% *}" -v r="${res#* }" 'BEGIN {
            t = n * b / 1048576; printf "%7d %10.1f %12.2f %12.2f %8.2fx %8.2fx", n, t, w, r, w / t, r / t }')")
    done
}

[[ -d /mnt/host/.nacre ]] && STATS_DIR=/mnt/host && rm -f /mnt/host/pnfs-bench-ops.txt /mnt/host/pnfs-bench-cpu.txt
log "pNFS bench; kernel $(uname -r); MIB=$MIB ROUNDS=$ROUNDS B=$B SCALE_MIB=$SCALE_MIB read_ahead_kb=$NFS_READ_AHEAD_KB; $(uptime)"
if [[ ${SKIP_PLAIN:-0} != 1 ]]; then
    run knfsd n/a
    NACRE_DATA=/scratch/nacre-plain NACRE_LOG=/scratch/nacre-plain.log NACRE_UP_ARGS="" run nacre off
fi
OSS_DATA_PREFIX=/scratch/bench-oss NACRE_DATA=/scratch/bench-mds NACRE_LOG=/scratch/bench-mds.log run nacre-pnfs on
table=$(
    printf '%-12s %7s %5s %12s %12s\n' server stripes pnfs "write MB/s" "read MB/s"
    printf '%s\n' "${rows[@]}"
    if ((${#scale[@]})); then
        echo
        printf 'every OST throttled to %s/s (OSS nodes: %s x %s OSTs)\n' "$B" "$OSS_NODES" "$OSTS_PER_NODE"
        printf '%7s %10s %12s %12s %9s %9s\n' stripes "N*B MB/s" "write MB/s" "read MB/s" "w/(N*B)" "r/(N*B)"
        printf '%s\n' "${scale[@]}"
    fi
    echo "load: $(uptime)"
)
printf '%s\n' "$table"
[[ -d /mnt/host/.nacre ]] && printf '%s\n' "$table" >/mnt/host/pnfs-bench.txt
