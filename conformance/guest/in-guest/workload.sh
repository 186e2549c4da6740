#!/bin/bash
# The kernel NFS client conformance workload (issue 4), run inside the guest against one server:
#   workload.sh [SERVER]      SERVER = knfsd (default) | nacre | nacre-pnfs (pNFS: the MDS node and separate
#                             OSS processes serving the data-server role); see lib.sh for the adapter hooks
# Every step prints "PASS name" or "FAIL name"; the script exits non-zero if any step failed.
# Knobs: BIG_MIB (1024), TREE (/usr/lib/python3.N), DIR_ENTRIES (10000), FIO_MIB (128), STRIPES (4), NFS_DEBUG=1
# (Nacre's COMPOUNDs at TRACE in its logs, the client's pNFS messages in /mnt/host/dmesg.txt).
# STEPS: the steps to run, space- or comma-separated (default: all); mount always runs, and a step that
# checks what an earlier one left (server-restart: the 1 GiB file, the tree) checks only what is there.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ ${NFS_DEBUG:-0} == 1 ]] && nfs_debug_server
load_server "${1:-${SERVER:-knfsd}}"

BIG_MIB=${BIG_MIB:-1024}
TREE=${TREE:-$(ls -d /usr/lib/python3.[0-9]* | sort -V | tail -n1)}   # the stdlib: a real source tree
DIR_ENTRIES=${DIR_ENTRIES:-10000}
FIO_MIB=${FIO_MIB:-128}
STRIPES=${STRIPES:-4}
LOCAL=/scratch/workload-local       # client-side reference data (not under the export)
PY="python3 $TOOLS/nfsops.py"
export PYTHONDONTWRITEBYTECODE=1       # python must not add __pycache__ files to TREE while we compare it

big_source() {
    mkdir -p "$LOCAL"
    if [[ ! -s $LOCAL/big.sha256 ]]; then
        head -c "$((BIG_MIB << 20))" /dev/urandom >"$LOCAL/big.bin"
        (cd "$LOCAL" && sha256sum big.bin | cut -d' ' -f1 >big.sha256)
    fi
}

# big_file DIR: writes the 1 GiB file into DIR, reads it back cold, compares checksums.
big_file() {
    local dir=$1 t0 sum
    big_source
    mkdir -p "$dir"
    t0=$SECONDS
    dd if="$LOCAL/big.bin" of="$dir/big.bin" bs=1M conv=fsync status=none
    echo "  wrote $BIG_MIB MiB in $((SECONDS - t0)) s"
    expect_eq "size on the server" "$((BIG_MIB << 20))" "$(stat -c %s "$dir/big.bin")"
    mountstats_report "$(basename "$dir")-write"
    nfs_remount_cold
    t0=$SECONDS
    sum=$(sha256sum "$dir/big.bin" | cut -d' ' -f1)
    echo "  read back and hashed in $((SECONDS - t0)) s"
    mountstats_report "$(basename "$dir")-read"
    expect_eq "sha256 of $dir/big.bin" "$(cat "$LOCAL/big.sha256")" "$sum"
}

s_mount() {
    server_start
    nfs_mount
    [[ ${NFS_DEBUG:-0} == 1 ]] && nfs_debug_client
    rm -rf "${MNT:?}"/*
    grep " $MNT " /proc/mounts | sed 's/^/  /'
}

s_big_unstriped() { big_file "$MNT/plain"; }

s_big_striped() {
    mkdir -p "$MNT/striped"
    server_setstripe "$MNT/striped" "$STRIPES"
    big_file "$MNT/striped"
}

# What `cp -a` must preserve of each entry: type, mode, owner, size (not of directories: that is the
# server's business), mtime to the nanosecond, symlink target.
tree_manifest() {
    (cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | awk '$2 == "d" { $6 = "-" } { print }' | LC_ALL=C sort)
}

s_tree_copy() {
    local src=$TREE dst=$MNT/tree
    [[ -d $src ]] || { echo "  no $src in the guest" >&2; return 1; }
    echo "  $(find "$src" | wc -l) entries, $(du -sm "$src" | cut -f1) MiB from $src"
    cp -a "$src" "$dst"
    diff -r --no-dereference "$src" "$dst"
    nfs_remount_cold
    diff -r --no-dereference "$src" "$dst"
    diff <(tree_manifest "$src") <(tree_manifest "$dst")
}

s_namespace() {
    local d=$MNT/ns
    mkdir -p "$d/sub"
    # rename: file, over an existing file, directory, across directories
    echo one >"$d/a"; mv "$d/a" "$d/b"
    check "rename removes the old name" test ! -e "$d/a"
    expect_eq "renamed content" one "$(cat "$d/b")"
    echo two >"$d/c"; mv -f "$d/c" "$d/b"
    expect_eq "rename over an existing file" two "$(cat "$d/b")"
    mkdir "$d/dir1"; echo x >"$d/dir1/f"; mv "$d/dir1" "$d/sub/dir2"
    expect_eq "renamed directory content" x "$(cat "$d/sub/dir2/f")"
    # hard link
    ln "$d/b" "$d/b.link"
    expect_eq "link count" 2 "$(stat -c %h "$d/b")"
    expect_eq "same inode" "$(stat -c %i "$d/b")" "$(stat -c %i "$d/b.link")"
    rm "$d/b"
    expect_eq "content through the remaining link" two "$(cat "$d/b.link")"
    expect_eq "link count after unlink" 1 "$(stat -c %h "$d/b.link")"
    # symlink
    ln -s b.link "$d/sym"; ln -s /nonexistent/target "$d/dangling"
    expect_eq "readlink" b.link "$(readlink "$d/sym")"
    expect_eq "read through symlink" two "$(cat "$d/sym")"
    expect_eq "dangling symlink target" /nonexistent/target "$(readlink "$d/dangling")"
    # chmod, chown
    chmod 4755 "$d/b.link"; expect_eq "setuid mode" 4755 "$(stat -c %a "$d/b.link")"
    chown 1234:5678 "$d/b.link"; expect_eq "owner" 1234:5678 "$(stat -c %u:%g "$d/b.link")"
    expect_eq "chown clears setuid" 755 "$(stat -c %a "$d/b.link")"
    chmod 4750 "$d/b.link"; expect_eq "mode" 4750 "$(stat -c %a "$d/b.link")"
    # truncate: shrink, grow (zero-filled)
    printf 'hello world' >"$d/t"
    truncate -s 5 "$d/t"; expect_eq "shrunk content" hello "$(cat "$d/t")"
    truncate -s 4096 "$d/t"; expect_eq "grown size" 4096 "$(stat -c %s "$d/t")"
    check "grown part reads as zeros" cmp -s <(tail -c 4091 "$d/t") <(head -c 4091 /dev/zero)
    # append, also from two opens
    printf 'a\n' >"$d/ap"; printf 'b\n' >>"$d/ap"
    exec 5>>"$d/ap"; printf 'c\n' >&5; printf 'd\n' >>"$d/ap"; printf 'e\n' >&5; exec 5>&-
    expect_eq "appended content" "a b c d e" "$(xargs <"$d/ap")"
    # everything above as the server has it, after a cold remount
    nfs_remount_cold
    expect_eq "owner after remount" 1234:5678 "$(stat -c %u:%g "$d/b.link")"
    expect_eq "mode after remount" 4750 "$(stat -c %a "$d/b.link")"
    expect_eq "symlink after remount" b.link "$(readlink "$d/sym")"
    expect_eq "append after remount" "a b c d e" "$(xargs <"$d/ap")"
    expect_eq "truncate after remount" 4096 "$(stat -c %s "$d/t")"
    # rmdir of a non-empty directory fails, of an empty one works
    check "rmdir of a non-empty directory fails" bash -c "! rmdir '$d/sub/dir2' 2>/dev/null"
    rm "$d/sub/dir2/f"; rmdir "$d/sub/dir2"
}

s_sparse() {
    local f=$MNT/sparse size=$((1 << 30)) off=$((512 << 20)) blocks
    truncate -s "$size" "$f"
    printf 'island' | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
    printf 'tail' | dd of="$f" bs=1 seek=$((size - 4)) conv=notrunc status=none
    nfs_remount_cold
    expect_eq "size" "$size" "$(stat -c %s "$f")"
    blocks=$(stat -c %b "$f")
    echo "  $size-byte file with 10 bytes of data uses $((blocks / 2)) KiB"
    check "holes are not allocated (space used $((blocks * 512)) bytes)" test "$((blocks * 512))" -lt $((16 << 20))
    expect_eq "data in the middle" island "$(dd if="$f" bs=1 skip="$off" count=6 status=none)"
    expect_eq "data at the end" tail "$(tail -c 4 "$f")"
    check "hole before the data reads as zeros" cmp -s <(dd if="$f" bs=1M skip=100 count=8 status=none) <(head -c 8M /dev/zero)
    check "hole after the data reads as zeros" cmp -s <(dd if="$f" bs=1M skip=600 count=8 status=none) <(head -c 8M /dev/zero)
}

s_mmap() {
    $PY mmap-write "$MNT/mmap.bin" $((4 << 20))
    $PY mmap-verify "$MNT/mmap.bin" $((4 << 20))
    nfs_remount_cold
    $PY mmap-verify "$MNT/mmap.bin" $((4 << 20))
}

s_locks() { $PY locks "$MNT/lockfile"; }

s_big_dir() {
    local d=$MNT/bigdir n
    mkdir -p "$d"
    $PY mkfiles "$d" "$DIR_ENTRIES"
    nfs_remount_cold
    n=$(ls -f "$d" | grep -c '^f')
    expect_eq "entries in an unsorted full listing" "$DIR_ENTRIES" "$n"
    check "listing has every name exactly once" diff <(ls "$d") <(seq -f 'f%05g' 0 $((DIR_ENTRIES - 1)))
    nfs_remount_cold
    n=$(ls -l "$d" | grep -c '^-rw-r--r-- 1 root root 0 ')
    expect_eq "entries in ls -l with the right attributes" "$DIR_ENTRIES" "$n"
    rm -rf "$d"
    check "directory removed" test ! -e "$d"
}

s_unlink_open() {
    local deadline
    mkdir -p "$MNT/uo"
    $PY open-unlinked "$MNT/uo/file"
    # The client renamed the open file to .nfsXXXX; it must go once the last descriptor closed.
    deadline=$((SECONDS + 30))
    while [[ -n $(ls -A "$MNT/uo") ]]; do
        ((SECONDS < deadline)) || { echo "  left behind: $(ls -A "$MNT/uo")" >&2; return 1; }
        sleep 0.5
    done
}

s_restart() {
    local sum
    echo restart-data >"$MNT/restart.txt"; sync
    sum=$(sha256sum "$MNT/restart.txt" | cut -d' ' -f1)
    # 1: unmount, restart the server, mount again
    nfs_umount; server_stop; server_start; nfs_mount
    expect_eq "small file after restart" "$sum" "$(sha256sum "$MNT/restart.txt" | cut -d' ' -f1)"
    if [[ -e $MNT/plain/big.bin ]]; then
        expect_eq "1 GiB file after restart" "$(cat "$LOCAL/big.sha256")" "$(sha256sum "$MNT/plain/big.bin" | cut -d' ' -f1)"
    fi
    if [[ -d $MNT/tree ]]; then
        check "tree after restart" diff -r --no-dereference "$TREE" "$MNT/tree"
    fi
    # 2: restart under a live mount with a file open: the client recovers its state
    exec 6<"$MNT/restart.txt"
    server_stop; server_start
    echo after-restart >"$MNT/after.txt"
    expect_eq "read through a descriptor opened before the restart" restart-data "$(cat <&6)"
    exec 6<&-
    expect_eq "file created after the restart" after-restart "$(cat "$MNT/after.txt")"
}

s_fio() {
    local d=$MNT/striped common
    mkdir -p "$d"
    server_setstripe "$d" "$STRIPES"
    common="--ioengine=psync --size=${FIO_MIB}M --bsrange=4k-256k --verify=crc32c --verify_fatal=1 --output-format=terse --terse-version=3"
    # Mixed random reads and writes, each written block verified while the job runs.
    fio --name=randrw --filename="$d/fio-rw.dat" $common --rw=randrw --verify_backlog=64 --end_fsync=1 | fio_summary
    # Random writes, then everything read back and verified; after a cold remount, verified again
    # (same seed: fio replays the write sequence to know what each block must hold).
    fio --name=randwrite --filename="$d/fio-w.dat" $common --rw=randwrite --randseed=4242 --do_verify=1 --end_fsync=1 | fio_summary
    nfs_remount_cold
    fio --name=randwrite --filename="$d/fio-w.dat" $common --rw=randwrite --randseed=4242 --verify_only | fio_summary
}

# Terse v3: field 5 is the error, 6/7 read KiB and KiB/s, 47/48 the same for writes.
fio_summary() {
    awk -F';' '{ printf "  fio %s: read %s KiB at %s KiB/s, wrote %s KiB at %s KiB/s, error %s\n", $3, $6, $7, $47, $48, $5; if ($5 != 0) bad = 1 }
               END { exit bad }'
}

s_unmount() { nfs_umount; server_stop; }

log "workload against $SERVER: mount $(server_source) on $MNT with $NFS_OPTS; kernel $(uname -r)"
ALL_STEPS=(big-file-unstriped:s_big_unstriped big-file-striped:s_big_striped tree-copy:s_tree_copy
    namespace-ops:s_namespace sparse-file:s_sparse mmap:s_mmap locks:s_locks big-directory:s_big_dir
    unlink-while-open:s_unlink_open server-restart:s_restart fio-verify:s_fio unmount:s_unmount)
selected=" ${STEPS:-${ALL_STEPS[*]%%:*}} "
selected=${selected//,/ }
for s in $selected; do
    [[ $s == mount || " ${ALL_STEPS[*]%%:*} " == *" $s "* ]] || die "unknown step '$s' in STEPS (have: mount ${ALL_STEPS[*]%%:*})"
done
step mount s_mount
if [[ ${STEPS_FAILED[*]:-} != *mount* ]]; then
    for s in "${ALL_STEPS[@]}"; do
        [[ $selected == *" ${s%%:*} "* ]] && step "${s%%:*}" "${s#*:}"
    done
fi
[[ ${NFS_DEBUG:-0} == 1 && -d /mnt/host && -w /mnt/host ]] && dmesg >/mnt/host/dmesg.txt 2>&1
steps_summary
