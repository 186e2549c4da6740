#!/bin/bash
# pNFS smoke run in the guest (issue 5): Nacre with its data-server role on, the stock kernel client
# mounting vers=4.1, striped and unstriped files written and read back cold through file layouts, a
# truncate and a restripe under an open file, and the proof in /proc/self/mountstats (LAYOUTGET, GETDEVICEINFO, and
# the per-op counts). Needs a Nacre that serves pNFS (NACRE_START_CMD / the server's own switch).
#   pnfs.sh [SERVER]     SERVER = nacre (default: data server in the MDS process) | nacre-pnfs (the MDS
#                        node and OSS_NODES OSS processes, each with its data server; adds the steps
#                        bytes-on-named-osts, unlink-while-open, ds-stopped-mid-write)
# Knobs: MIB (64), STRIPES (4), NFS_DEBUG=1 (the client's pNFS debug messages and every COMPOUND the
# server sees at TRACE, both copied to /mnt/host: dmesg.txt, server.log).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NACRE_UP_ARGS=${NACRE_UP_ARGS:---pnfs}
[[ ${NFS_DEBUG:-0} == 1 ]] && nfs_debug_server
load_server "${1:-nacre}"
MIB=${MIB:-64}
STRIPES=${STRIPES:-4}
LOCAL=/scratch/pnfs-local

# Starts the server again when it exits before listening (on a loaded host, a first start under TCG can
# outlive the metadata client's wait for the file system's format).
start_until_listening() {
    local attempt pid
    if declare -F oss_start >/dev/null; then
        server_start # several processes: the adapter waits for each
        return
    fi
    for attempt in 1 2 3; do
        NACRE_START_SECONDS=5 server_start 2>/dev/null && return 0
        pid=$(cat /run/nacre-under-test.pid)
        while kill -0 "$pid" 2>/dev/null; do
            wait_port 2049 5 && return 0
        done
        log "  the server exited before listening (attempt $attempt): $(tail -n 1 "$NACRE_LOG")"
    done
    return 1
}

s_mount() {
    start_until_listening
    nfs_mount
    modprobe nfs_layout_nfsv41_files 2>/dev/null || true
    [[ ${NFS_DEBUG:-0} == 1 ]] && nfs_debug_client
    grep " $MNT " /proc/mounts | sed 's/^/  /'
}

s_striped_and_unstriped() {
    mkdir -p "$LOCAL" "$MNT/striped"
    # the admin endpoint may still answer 503 right after start on a loaded guest: try a few times
    local try
    for try in 1 2 3 4 5 6; do
        server_setstripe "$MNT/striped" "$STRIPES" && break
        log "  setstripe failed (try $try)"; sleep 10
    done
    head -c "$((MIB << 20))" /dev/urandom >"$LOCAL/src.bin"
    local sum t0
    sum=$(sha256sum <"$LOCAL/src.bin" | cut -d' ' -f1)
    t0=$SECONDS
    dd if="$LOCAL/src.bin" of="$MNT/striped/big.bin" bs=1M conv=fsync status=none
    dd if="$LOCAL/src.bin" of="$MNT/plain.bin" bs=1M conv=fsync status=none
    log "  wrote 2 x $MIB MiB in $((SECONDS - t0)) s"
    nfs_remount_cold
    t0=$SECONDS
    [[ $(sha256sum <"$MNT/striped/big.bin" | cut -d' ' -f1) == "$sum" ]] || { log "striped file differs"; return 1; }
    [[ $(sha256sum <"$MNT/plain.bin" | cut -d' ' -f1) == "$sum" ]] || { log "unstriped file differs"; return 1; }
    log "  read back 2 x $MIB MiB in $((SECONDS - t0)) s"
}

s_truncate_while_open() {
    local f=$MNT/striped/shrink.bin
    head -c $((8 << 20)) "$LOCAL/src.bin" >"$f"
    exec 5<"$f"
    head -c 4096 <&5 >/dev/null
    truncate -s 100000 "$f"
    [[ $(stat -c %s "$f") == 100000 ]] || { log "size after truncate: $(stat -c %s "$f")"; return 1; }
    head -c 100000 "$LOCAL/src.bin" | cmp - "$f"
    dd if=/dev/zero of="$f" bs=1 count=1 seek=$((4 << 20)) conv=notrunc status=none
    # the bytes between the old truncate point and the new end are zeros, not the old data
    cmp <(head -c $((4 << 20)) /dev/zero | tail -c +100001) <(tail -c +100001 "$f" | head -c $(((4 << 20) - 100000)))
    exec 5<&-
}

s_mountstats() {
    awk -v m=" $MNT " 'index($0, "device ") == 1 { on = index($0, m) > 0 } on' /proc/self/mountstats >"$LOCAL/mountstats"
    sed -n '/per-op statistics/,$p' "$LOCAL/mountstats" | grep -E '^\s+(LAYOUT[A-Z]*|GETDEVICE[A-Z]*|READ|WRITE|COMMIT|OPEN|CLOSE):' | sed 's/^/  /'
    # the per-op counts include the I/O sent to data servers; the xprt line counts only what went to the MDS
    grep -E '^\s+xprt:' "$LOCAL/mountstats" | sed 's/^/  /'
    # one nfs_client per server (PORT in hex): the MDS on 801 (2049) and each data server the layouts named
    sed 's/^/  /' /proc/fs/nfsfs/servers 2>/dev/null || true
    local lg i
    if declare -F oss_start >/dev/null; then
        # the client opened a connection to the data server of every OSS process (PORT in hex)
        for ((i = 0; i < OSS_NODES; i++)); do
            awk -v p="$(printf '%x' $((2050 + i)))" '$3 == p { found = 1 } END { exit !found }' /proc/fs/nfsfs/servers \
                || { log "  no client connection to the data server on port $((2050 + i))"; return 1; }
        done
    fi
    lg=$(awk '$1 == "LAYOUTGET:" { print $2 }' "$LOCAL/mountstats")
    log "  LAYOUTGET calls: ${lg:-none}"
    ((${lg:-0} > 0)) && return 0
    # Linux 6.12 may ask for the layout inside the OPEN compound (layoutget on open): then no LAYOUTGET is
    # counted, but a device was looked up and the READs did not go over the MDS transport
    local gdi reads sends
    gdi=$(awk '$1 == "GETDEVICEINFO:" { print $2 }' "$LOCAL/mountstats")
    reads=$(awk '$1 == "READ:" { print $2 }' "$LOCAL/mountstats")
    sends=$(awk '$1 == "xprt:" && $2 == "tcp" { print $8; exit }' "$LOCAL/mountstats")
    log "  layout with OPEN: GETDEVICEINFO ${gdi:-none}, READ ${reads:-none}, sends on the MDS transport ${sends:-none}"
    ((${gdi:-0} > 0 && ${reads:-0} > ${sends:-0}))
}

# A file restriped (nacre setstripe on a file with data: lfs migrate) while another process has it open and
# rewrites it block by block, fsync'ing each and reading it back: the restripe recalls the client's layout,
# copies and swaps; every block the writer wrote is in the file afterwards, under the new stripe count.
s_restripe_while_open() {
    local f=$MNT/striped/moving.bin blocks=64 count=2 pid rc=0 t0
    head -c $((blocks << 16)) "$LOCAL/src.bin" >"$f"
    head -c $((blocks << 16)) /dev/urandom >"$LOCAL/moving.new"
    python3 - "$f" "$LOCAL/moving.new" "$blocks" >"$LOCAL/moving.log" 2>&1 <<'PY' &
import os, sys, time
path, new, blocks = sys.argv[1], sys.argv[2], int(sys.argv[3])
src = open(new, "rb").read()
fd = os.open(path, os.O_RDWR)
for k in range(blocks):
    b = src[k << 16:(k + 1) << 16]
    os.pwrite(fd, b, k << 16)
    os.fsync(fd)
    if os.pread(fd, len(b), k << 16) != b:
        sys.exit("block %d reads back wrong" % k)
    time.sleep(0.05)
os.close(fd)
print("rewrote", blocks, "blocks")
PY
    pid=$!
    sleep 2
    t0=$SECONDS
    server_setstripe "$f" "$count" || rc=$?
    log "  setstripe -c $count on the open file: status $rc after $((SECONDS - t0)) s"
    wait "$pid" || { log "  the writer failed: $(cat "$LOCAL/moving.log")"; return 1; }
    log "  writer: $(cat "$LOCAL/moving.log")"
    ((rc == 0)) || return 1
    local layout
    layout=$(bash -c "$NACRE_JAVA getstripe ${f#"$MNT"}")
    grep -q "stripe_count: $count" <<<"$layout" || { log "  layout after: $layout"; return 1; }
    log "  layout after: $(awk '$2 ~ /^OST/ { print $2 }' <<<"$layout" | xargs)"
    nfs_remount_cold
    [[ $(sha256sum <"$f" | cut -d' ' -f1) == $(sha256sum <"$LOCAL/moving.new" | cut -d' ' -f1) ]] \
        || { log "  the restriped file differs from what the writer wrote"; return 1; }
}

# The OSTs the layout of a new striped file names hold its bytes: the pages in use of each OST the file's
# layout (nacre getstripe) names, as its OSS process reports them (nacre df), grow by its share. Runs before
# anything is truncated or removed, so no freed space is reused meanwhile.
s_bytes_on_named_osts() {
    local f=$MNT/striped/placed.bin n=32 ost grown
    declare -A before after
    ost_used() { bash -c "$NACRE_JAVA df" | awk '$1 ~ /^nacre-OST/ { sub(/^nacre-/, "", $1); sub(/_UUID$/, "", $1); print $1, $3 }'; }
    while read -r ost used; do before[$ost]=$used; done < <(ost_used)
    head -c $((n << 20)) "$LOCAL/src.bin" >"$f"
    sync "$f"
    while read -r ost used; do after[$ost]=$used; done < <(ost_used)
    local osts
    osts=$(bash -c "$NACRE_JAVA getstripe ${f#"$MNT"}" | awk '$2 ~ /^OST/ { print $2 }')
    log "  layout of ${f#"$MNT"}: $(echo $osts)"
    [[ $(echo $osts | wc -w) == "$STRIPES" ]]
    for ost in $osts; do
        grown=$(((${after[$ost]} - ${before[$ost]}) >> 10))
        log "  $ost ($(ls -d "$OSS_DATA_PREFIX"*/ost/"$ost")) grew by $grown KiB"
        ((grown >= n * 1024 / STRIPES * 9 / 10))
    done
    cmp <(head -c $((n << 20)) "$LOCAL/src.bin") "$f"
}

# A file removed while another process has it open is still read whole through that descriptor.
s_unlink_while_open() {
    local f=$MNT/striped/doomed.bin
    head -c $((8 << 20)) "$LOCAL/src.bin" >"$f"
    exec 7<"$f"
    rm "$f"
    [[ ! -e $f ]]
    cmp <(head -c $((8 << 20)) "$LOCAL/src.bin") <(cat <&7)
    exec 7<&-
}

# An OSS process killed (SIGKILL) in the middle of a write: the first half, fsync'ed before, survives; the
# client goes on through the MDS (which answers "try later" for the dead node's stripes) until the node is
# back, and the whole file is right after a cold remount.
s_ds_stopped_mid_write() {
    local f=$MNT/striped/survivor.bin half=$((MIB / 2)) pid rc=0 t0
    dd if="$LOCAL/src.bin" of="$f" bs=1M count=$half conv=fsync status=none
    dd if="$LOCAL/src.bin" of="$f" bs=1M skip=$half seek=$half count=$half conv=notrunc,fsync status=none &
    pid=$!
    sleep 3
    oss_kill 0
    log "  OSS node 0 killed (SIGKILL) while dd wrote the second half"
    sleep 10
    t0=$SECONDS
    oss_start 0
    oss_wait 0 "$NACRE_START_SECONDS"
    log "  OSS node 0 back after $((SECONDS - t0)) s"
    wait "$pid" || rc=$?
    log "  dd finished with status $rc"
    ((rc == 0))
    nfs_remount_cold
    cmp <(head -c $((MIB << 20)) "$LOCAL/src.bin") "$f"
}

log "pNFS run against $SERVER; kernel $(uname -r)"
step mount s_mount
step striped-and-unstriped s_striped_and_unstriped
if declare -F oss_start >/dev/null; then
    step bytes-on-named-osts s_bytes_on_named_osts
fi
step truncate-while-open s_truncate_while_open
step restripe-while-open s_restripe_while_open
if declare -F oss_start >/dev/null; then
    step unlink-while-open s_unlink_while_open
    step ds-stopped-mid-write s_ds_stopped_mid_write
fi
step mountstats s_mountstats
cp "$LOCAL/mountstats" /mnt/host/mountstats 2>/dev/null || true
cp /proc/self/mountstats /mnt/host/mountstats-all 2>/dev/null || true
nfs_umount
server_stop
# what the data server itself counted (logged when it stops)
logs=("$NACRE_LOG")
if declare -F oss_log >/dev/null; then
    for ((i = 0; i < OSS_NODES; i++)); do logs+=("$(oss_log "$i")"); done
fi
grep -h 'pNFS data server .* stops after' "${logs[@]}" 2>/dev/null | sed 's/^.* - /  /'
if [[ ${NFS_DEBUG:-0} == 1 ]]; then
    dmesg >/mnt/host/dmesg.txt 2>&1 || true
    cp "$NACRE_LOG" /mnt/host/server.log 2>/dev/null || true
fi
steps_summary
