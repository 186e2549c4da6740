#!/bin/bash
# The kernel-client bench (issue 4), run inside the guest against each SERVER in turn, same boot:
#   bench.sh [SERVER...]      default: knfsd; the first server is the baseline of the ratios
# 1 GiB sequential write (dd bs=1M conv=fsync), cold sequential read (remount + drop caches), and
# 10,000 create / stat (cold) / unlink. Prints one table row per server, then ratios to the first.
# Knobs: BENCH_MIB (1024), BENCH_FILES (10000). Writes the table to ./bench.txt when run from a share.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BENCH_MIB=${BENCH_MIB:-1024}
BENCH_FILES=${BENCH_FILES:-10000}
servers=("$@")
((${#servers[@]})) || servers=(knfsd)

# secs COMMAND...: runs COMMAND and prints the seconds it took.
secs() {
    local t0
    t0=$(date +%s%N)
    "$@" >/dev/null || return 1
    awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

rate() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", a / b }'; }

# bench_one SERVER: prints "SERVER write_MBps read_MBps create/s stat/s unlink/s" on stdout and its
# progress on stderr (it runs inside $(...): nothing else may reach stdout).
bench_one() {
    exec 3>&1 1>&2
    local s=$1 w r c st u d mb
    mb=$(awk -v m="$BENCH_MIB" 'BEGIN { print m * 1.048576 }')
    load_server "$s"
    server_start && nfs_mount || { log "cannot start/mount $s"; return 1; }
    d=$MNT/bench.$$
    rm -rf "$d"; mkdir -p "$d"; sync
    log "  sequential write"
    w=$(secs dd if=/dev/zero of="$d/seq" bs=1M count="$BENCH_MIB" conv=fsync status=none) || return 1
    nfs_remount_cold || return 1
    log "  cold sequential read"
    r=$(secs dd if="$d/seq" of=/dev/null bs=1M status=none) || return 1
    rm -f "$d/seq"; mkdir -p "$d/m"
    log "  create, stat, unlink $BENCH_FILES files"
    c=$(python3 "$TOOLS/nfsops.py" meta "$d/m" "$BENCH_FILES" create) || return 1
    nfs_remount_cold || return 1
    st=$(python3 "$TOOLS/nfsops.py" meta "$d/m" "$BENCH_FILES" stat) || return 1
    u=$(python3 "$TOOLS/nfsops.py" meta "$d/m" "$BENCH_FILES" unlink) || return 1
    rm -rf "$d"
    nfs_umount; server_stop
    printf '%s %s %s %s %s %s\n' >&3 "$s" "$(rate "$mb" "$w")" "$(rate "$mb" "$r")" \
        "$(rate "$BENCH_FILES" "$c")" "$(rate "$BENCH_FILES" "$st")" "$(rate "$BENCH_FILES" "$u")"
}

rows=()
for s in "${servers[@]}"; do
    log "bench against $s: ${BENCH_MIB} MiB sequential, ${BENCH_FILES} files"
    row=$(bench_one "$s") || { log "bench against $s failed"; exit 1; }
    rows+=("$row")
done

table=$(
    printf '%-12s %12s %12s %10s %10s %10s\n' server 'write MB/s' 'read MB/s' 'create/s' 'stat/s' 'unlink/s'
    for row in "${rows[@]}"; do printf '%-12s %12s %12s %10s %10s %10s\n' $row; done
    for row in "${rows[@]:1}"; do
        printf '%s\n%s\n' "${rows[0]}" "$row" | awk 'NR == 1 { for (i = 2; i <= 6; i++) b[i] = $i; base = $1; next }
            { printf "%-12s %11.2fx %11.2fx %9.2fx %9.2fx %9.2fx\n", $1 "/" base, $2 / b[2], $3 / b[3], $4 / b[4], $5 / b[5], $6 / b[6] }'
    done
)
printf 'BENCH (guest kernel %s, %s MiB sequential, %s files, dd bs=1M)\n%s\n' "$(uname -r)" "$BENCH_MIB" "$BENCH_FILES" "$table"
[[ -d /mnt/host/.nacre ]] && printf '%s\n' "$table" >/mnt/host/bench.txt
exit 0
