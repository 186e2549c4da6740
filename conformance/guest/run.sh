#!/bin/bash
# Boots the conformance guest once, runs COMMAND inside it, and exits with COMMAND's exit status.
#
#   run.sh [options] [--] COMMAND [ARG...]
#
# The guest boots from a throwaway overlay of the cached image (build-image.sh builds it if needed)
# under TCG, mounts each 9p share at /mnt/<tag>, runs COMMAND with /mnt/host as working directory,
# reports the status as the console line "NACRE-GUEST-EXIT rc=N" and in <share>/.nacre/exit-status,
# and powers off. Options:
#   --share DIR           host directory shared read-write as /mnt/host (default: a new temp dir);
#                         <DIR>/.nacre/ gets entry.sh, output.log, console.log and exit-status
#   --share-ro TAG=DIR    extra read-only share at /mnt/TAG (repeatable)
#   --env NAME=VALUE      environment for COMMAND (repeatable)
#   --forward [H:]G       forward tcp 127.0.0.1:H on the host to port G in the guest (repeatable)
#   --scratch SIZE        scratch disk, ext4 mounted at /scratch (default 16G, sparse; 0 = none)
#   --scratch-cache MODE  QEMU cache mode of the scratch disk (default writeback: guest flushes reach
#                         the host disk; unsafe ignores them, which is faster when the host is busy)
#   --mem MIB --cpus N    guest size (default 3072 MiB, 2 CPUs: this host has 2 cores)
#   --timeout SECONDS     hard deadline for boot + COMMAND (default 1800); QEMU is killed after it
#   --console FILE        where the serial console goes (default <share>/.nacre/console.log)
#   --quiet               do not stream the console to stderr
#   --image DIR           boot this image directory (base.qcow2, vmlinuz, initrd.img) instead of the
#                         one build-image.sh makes; its /usr/local/sbin/nacre-guest-run must run COMMAND
# Environment: NACRE_TCG_THREAD=single (default) | multi: see qemu_machine_args in
# appliance-image/image/lib/qemu.sh for why the vCPUs share one host thread.
# Exit status: COMMAND's; 124 on timeout; 125 when the guest stopped without reporting.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../appliance-image/image/lib/qemu.sh
. "$here/../../appliance-image/image/lib/qemu.sh"
# All in one function: bash parses it whole before running, so editing this file cannot
# derail a run in flight.
main() {
    share= console= image= scratch=16G scratch_cache=writeback mem=${NACRE_GUEST_MEM:-3072} cpus=${NACRE_GUEST_CPUS:-2} timeout=1800 quiet=
    ro_shares=() envs=() forwards=()
    while (($#)); do
        case $1 in
            --share) share=$2; shift 2 ;;
            --share-ro) ro_shares+=("$2"); shift 2 ;;
            --env) envs+=("$2"); shift 2 ;;
            --forward) forwards+=("$2"); shift 2 ;;
            --scratch) scratch=$2; shift 2 ;;
            --scratch-cache) scratch_cache=$2; shift 2 ;;
            --mem) mem=$2; shift 2 ;;
            --cpus) cpus=$2; shift 2 ;;
            --timeout) timeout=$2; shift 2 ;;
            --console) console=$2; shift 2 ;;
            --quiet) quiet=1; shift ;;
            --image) image=$(cd "$2" && pwd); shift 2 ;;
            --) shift; break ;;
            -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
            *) break ;;
        esac
    done
    (($#)) || { echo "usage: run.sh [options] [--] COMMAND [ARG...]" >&2; exit 2; }

    deadline=$(($(date +%s) + timeout))
    [[ -n $image ]] || image=$("$here/build-image.sh" | tail -n1)
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/nacre-guest.XXXXXX")
    QEMU_PID=
    tail_pid=
    cleanup() {
        set +e   # errexit would stop the cleanup half-way, leaving QEMU or the overlay behind
        [[ -n $tail_pid ]] && kill "$tail_pid" 2>/dev/null
        qemu_stop 0
        rm -rf "$tmp"
    }
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    [[ -n $share ]] || share=$tmp/share
    mkdir -p "$share/.nacre"
    share=$(cd "$share" && pwd)
    ctl=$share/.nacre
    rm -f "$ctl/exit-status" "$ctl/output.log"
    [[ -n $console ]] || console=$ctl/console.log
    {
        echo 'cd /mnt/host || exit 125'
        for e in "${envs[@]}"; do printf 'export %q\n' "$e"; done
        printf 'exec'; printf ' %q' "$@"; printf '\n'
    } >"$ctl/entry.sh"

    args=()
    while IFS= read -r -d '' a; do args+=("$a"); done < <(qemu_machine_args "$mem" "$cpus")
    qemu_overlay "$image/base.qcow2" "$tmp/root.qcow2"
    args+=(-kernel "$image/vmlinuz" -initrd "$image/initrd.img"
        -append "root=/dev/vda rw console=ttyS0 quiet loglevel=4 no_timer_check systemd.show_status=error panic=1 nacre.run=1"
        -drive "file=$tmp/root.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap")
    if [[ $scratch != 0 ]]; then
        truncate -s "$scratch" "$tmp/scratch.raw"
        mke2fs -q -F -t ext4 -L scratch -E lazy_itable_init=1,lazy_journal_init=1 "$tmp/scratch.raw"
        args+=(-drive "file=$tmp/scratch.raw,if=virtio,format=raw,cache=$scratch_cache,discard=unmap")
    fi
    args+=(-virtfs "local,path=$share,mount_tag=host,security_model=none,id=host")
    for s in "${ro_shares[@]}"; do
        tag=${s%%=*} dir=$(cd "${s#*=}" && pwd)
        args+=(-virtfs "local,path=$dir,mount_tag=$tag,security_model=none,readonly=on,id=$tag")
    done
    if ((${#forwards[@]})); then
        net=user,id=n0,restrict=on
        for f in "${forwards[@]}"; do
            [[ $f == *:* ]] || f=$f:$f
            net+=",hostfwd=tcp:127.0.0.1:${f%%:*}-:${f#*:}"
        done
        args+=(-netdev "$net" -device virtio-net-pci,netdev=n0)
    fi

    qemu_log "booting $(basename "$image") (${mem} MiB, ${cpus} CPUs, TCG thread=${NACRE_TCG_THREAD:-single}); console: $console"
    start=$SECONDS
    qemu_start "$console" "${args[@]}"
    if [[ -z $quiet ]]; then
        tail -n +1 -F --pid="$QEMU_PID" "$console" >&2 2>/dev/null &
        tail_pid=$!
    fi

    rc=0
    qemu_wait "$console" '^NACRE-GUEST-EXIT rc=[0-9]+' "$deadline" || rc=$?
    case $rc in
        0) qemu_stop 60
           status=$(cat "$ctl/exit-status" 2>/dev/null ||
               grep -aoE '^NACRE-GUEST-EXIT rc=[0-9]+' "$console" | tail -n1 | cut -d= -f2)
           qemu_log "guest finished in $((SECONDS - start)) s with status $status" ;;
        1) qemu_stop 0; status=125; qemu_log "guest stopped after $((SECONDS - start)) s without reporting (see $console)" ;;
        *) qemu_stop 0; status=124; qemu_log "deadline of $timeout s passed; QEMU killed (see $console)" ;;
    esac
    exit "$status"
}
main "$@"
