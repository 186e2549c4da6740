#!/bin/bash
# pNFS bench in the guest (issue 5): sequential write (dd bs=1M conv=fsync of zeros) and cold read of MIB
# MiB with stripe count 1 and 4 against knfsd (ext4), Nacre without pNFS (`nacre up`, the MDS does the
# I/O) and Nacre with pNFS (the nacre-pnfs adapter: the MDS node and OSS_NODES OSS processes, each with
# its data server); then every OST throttled to B bytes/s (OSS nodes restarted with --ost-bandwidth) and
# SCALE_MIB MiB per stripe written and read with stripe count 1, 2, 4, 8: aggregate MB/s against N*B.
# Knobs: MIB (256), B (1M), SCALE_MIB (12), OSS_NODES (2), OSTS_PER_NODE (4), SKIP_PLAIN=1 (no knfsd /
# Nacre-without-pNFS rows), NFS_READ_AHEAD_KB (16384 here, for every server alike: the kernel's 128 KiB keeps
# one 1 MiB stripe unit at most in flight, so a cold read could never use more than one stripe's server).
# After the OSS nodes restart throttled, one unmeasured pass over every stripe count warms their JVMs (under
# TCG a cold JVM's first requests are many times slower). The tables are printed and left in
# /mnt/host/pnfs-bench.txt.
set -uo pipefail
export NFS_READ_AHEAD_KB=${NFS_READ_AHEAD_KB:-16384}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MIB=${MIB:-256}
B=${B:-1M}
SCALE_MIB=${SCALE_MIB:-12}
export OSS_NODES=${OSS_NODES:-2} OSTS_PER_NODE=${OSTS_PER_NODE:-4}
rows=() scale=()

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }

# stream FILE MIB: prints "WRITE_MBPS READ_MBPS" (read after a cold remount)
stream() {
    local f=$1 n=$2 t0 t1 w r
    t0=$(now)
    dd if=/dev/zero of="$f" bs=1M count="$n" conv=fsync status=none || return 1
    t1=$(now)
    w=$(rate "$n" "$t0" "$t1")
    nfs_remount_cold || return 1
    t0=$(now)
    cat "$f" >/dev/null || return 1
    t1=$(now)
    r=$(rate "$n" "$t0" "$t1")
    rm -f "$f"
    echo "$w $r"
}

# run SERVER PNFS: the streaming rows of one server, stripe count 1 and 4
run() {
    local s=$1 pnfs=$2 c res
    load_server "$s"
    server_start && nfs_mount || { log "cannot start/mount $s"; return 1; }
    for c in 1 4; do
        mkdir -p "$MNT/s$c"
        server_setstripe "$MNT/s$c" "$c" || log "setstripe $c failed on $s"
    done
    for c in 1 4; do
        res=$(stream "$MNT/s$c/f" "$MIB") || { log "$s stripes=$c failed"; continue; }
        log "  $s stripes=$c pnfs=$pnfs: write/read MB/s $res"
        rows+=("$(printf '%-12s %7s %5s %12s %12s' "$s" "$c" "$pnfs" $res)")
    done
    if [[ $s == nacre-pnfs ]]; then
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
        res=$(stream "$MNT/scale$n/f" $((n * SCALE_MIB))) || { log "scale $n failed"; continue; }
        log "  throttled B=$B stripes=$n: write/read MB/s $res"
        scale+=("$(awk -v n="$n" -v b="$b" -v w="${res% *}" -v r="${res#* }" 'BEGIN {
            t = n * b / 1048576; printf "%7d %10.1f %12.1f %12.1f %8.2fx %8.2fx", n, t, w, r, w / t, r / t }')")
    done
}

log "pNFS bench; kernel $(uname -r); MIB=$MIB B=$B SCALE_MIB=$SCALE_MIB read_ahead_kb=$NFS_READ_AHEAD_KB; $(uptime)"
if [[ ${SKIP_PLAIN:-0} != 1 ]]; then
    run knfsd n/a
    NACRE_DATA=/scratch/nacre-plain NACRE_LOG=/scratch/nacre-plain.log NACRE_UP_ARGS="" run nacre off
fi
OSS_DATA_PREFIX=/scratch/bench-oss NACRE_DATA=/scratch/bench-mds NACRE_LOG=/scratch/bench-mds.log run nacre-pnfs on
table=$(
    printf '%-12s %7s %5s %12s %12s\n' server stripes pnfs "write MB/s" "read MB/s"
    printf '%s\n' "${rows[@]}"
    echo
    printf 'every OST throttled to %s/s (OSS nodes: %s x %s OSTs)\n' "$B" "$OSS_NODES" "$OSTS_PER_NODE"
    printf '%7s %10s %12s %12s %9s %9s\n' stripes "N*B MB/s" "write MB/s" "read MB/s" "w/(N*B)" "r/(N*B)"
    printf '%s\n' "${scale[@]}"
    echo "load: $(uptime)"
)
printf '%s\n' "$table"
[[ -d /mnt/host/.nacre ]] && printf '%s\n' "$table" >/mnt/host/pnfs-bench.txt
